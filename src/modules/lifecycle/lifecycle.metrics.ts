import { Inject, Injectable } from '@nestjs/common';
import type { Registry } from 'prom-client';
import {
  type HistogramCell,
  HistogramFamily,
  type ValueCell,
  ValueFamily,
} from '../observability/metric.families.js';
import { METRIC_PREFIX, METRICS_REGISTRY } from '../observability/metrics.registry.js';

/** A resume takes from a second (a paused pod) to a minute (a fresh node). */
const WAKE_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120];

export type WakeOutcome = 'patched' | 'failed';
export type KeepAliveOutcome = 'patched' | 'conflict' | 'failed';

/** Wake on traffic and keep-alive, as counters and a histogram: never a sandbox label. */
@Injectable()
export class LifecycleMetrics {
  /** Requests held for a sandbox to resume, now. */
  readonly held: ValueCell;
  /** From the wake's start (the first request) to the watch event that shows it ready. */
  readonly wakeSeconds: HistogramCell;
  private readonly wakes: ValueFamily;
  private readonly keepAlive: ValueFamily;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    const name = (suffix: string) => `${METRIC_PREFIX}${suffix}`;
    this.held = new ValueFamily(
      'gauge',
      name('wake_held_requests'),
      'Requests held while their sandbox resumes.',
      [],
      registry,
    ).cell();
    this.wakeSeconds = new HistogramFamily(
      name('wake_duration_seconds'),
      'From the first request for a suspended sandbox to the watch event that shows it ready.',
      [],
      WAKE_BUCKETS,
      registry,
    ).cell();
    this.wakes = new ValueFamily(
      'counter',
      name('wake_attempts_total'),
      'Resume patches sent, by outcome.',
      ['outcome'],
      registry,
    );
    this.keepAlive = new ValueFamily(
      'counter',
      name('keepalive_patches_total'),
      'Expiry patches sent, by outcome (conflict: another replica moved it first).',
      ['outcome'],
      registry,
    );
  }

  woke(outcome: WakeOutcome): void {
    this.wakes.cell(outcome).inc();
  }

  keptAlive(outcome: KeepAliveOutcome): void {
    this.keepAlive.cell(outcome).inc();
  }
}
