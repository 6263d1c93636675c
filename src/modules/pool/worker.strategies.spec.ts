import { Worker } from './worker.js';
import { workerStrategy } from './worker.strategies.js';

const circuit = { failureThreshold: 5, cooldownMs: 1000 };
const workers = (...weights: number[]) =>
  weights.map((weight, i) => new Worker(`http://127.0.0.1:${9000 + i}`, weight, circuit));

/** How often each worker is picked in `n` picks. */
function spread(name: Parameters<typeof workerStrategy>[0], pool: Worker[], n: number): number[] {
  const pick = workerStrategy(name);
  const counts = pool.map(() => 0);
  for (let i = 0; i < n; i++) counts[pool.indexOf(pick(pool))]++;
  return counts;
}

describe('worker strategies', () => {
  it('round_robin takes each worker in turn', () => {
    expect(spread('round_robin', workers(1, 1, 1), 3000)).toEqual([1000, 1000, 1000]);
  });

  it('random spreads within 10% of even over 3,000 picks', () => {
    for (const count of spread('random', workers(1, 1, 1), 3000)) {
      expect(count).toBeGreaterThan(900);
      expect(count).toBeLessThan(1100);
    }
  });

  it('weighted follows the weights exactly, interleaved', () => {
    const pool = workers(1, 2, 3);
    expect(spread('weighted', pool, 3000)).toEqual([500, 1000, 1500]);
    const pick = workerStrategy('weighted');
    const firstSix = Array.from({ length: 6 }, () => pool.indexOf(pick(pool)));
    expect(firstSix).toEqual([2, 1, 0, 2, 1, 2]);
  });

  it('least_connections prefers the worker with the fewest requests in flight', () => {
    const pool = workers(1, 1, 1);
    pool[0].begin();
    pool[0].begin();
    pool[1].begin();
    const pick = workerStrategy('least_connections');
    expect(pick(pool)).toBe(pool[2]);
    pool[2].begin();
    pool[2].begin();
    expect(pick(pool)).toBe(pool[1]);
  });
});
