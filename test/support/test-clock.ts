import type { TestingModuleBuilder } from '@nestjs/testing';
import { CLOCK, type Clock } from '../../src/modules/clock/clock.js';

/** A clock the test sets to the exact millisecond (expiry boundaries), swapped in for CLOCK. */
export class TestClock implements Clock {
  constructor(public nowMs = Date.now()) {}

  now(): number {
    return this.nowMs;
  }

  /** Stands on `second` (Unix seconds), at its first or `atMs` millisecond. */
  setSecond(second: number, atMs = 0): void {
    this.nowMs = second * 1000 + atMs;
  }

  /** For RouterOptions.override. */
  install = (builder: TestingModuleBuilder): TestingModuleBuilder =>
    builder.overrideProvider(CLOCK).useValue(this);
}
