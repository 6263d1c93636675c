import { jest } from '@jest/globals';
import { Worker } from './worker.js';

const worker = () => {
  const made = new Worker('http://127.0.0.1:9000', 1, { failureThreshold: 5, cooldownMs: 1000 });
  made.checked(true, '');
  return made;
};

describe('a worker circuit', () => {
  it('opens after the threshold of consecutive failures and lets one probe through after the cool-down', () => {
    jest.useFakeTimers({ now: 0 });
    try {
      const w = worker();
      for (let i = 0; i < 5; i++) {
        w.begin();
        w.failed();
        w.ended();
      }
      expect(w.circuitState).toBe('open');
      expect(w.available).toBe(false);
      jest.advanceTimersByTime(1000);
      expect(w.circuitState).toBe('half-open');
      expect(w.available).toBe(true);
      w.begin();
      // One probe at a time.
      expect(w.available).toBe(false);
      w.succeeded();
      w.ended();
      expect(w.circuitState).toBe('closed');
      expect(w.available).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });

  it('opens again at once when the probe fails', () => {
    jest.useFakeTimers({ now: 0 });
    try {
      const w = worker();
      for (let i = 0; i < 5; i++) w.failed();
      jest.advanceTimersByTime(1000);
      w.begin();
      w.failed();
      w.ended();
      expect(w.circuitState).toBe('open');
    } finally {
      jest.useRealTimers();
    }
  });

  it('is reset by a success before the threshold', () => {
    const w = worker();
    for (let i = 0; i < 4; i++) w.failed();
    w.succeeded();
    for (let i = 0; i < 4; i++) w.failed();
    expect(w.circuitState).toBe('closed');
  });
});
