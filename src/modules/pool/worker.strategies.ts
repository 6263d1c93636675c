import type { PoolConfig } from '../config/router.config.js';
import type { Worker } from './worker.js';

/** Picks one of the available workers (never an empty list). */
export type WorkerStrategy = (candidates: readonly Worker[]) => Worker;

const roundRobin = (): WorkerStrategy => {
  let next = 0;
  return (candidates) => candidates[next++ % candidates.length];
};

const random = (): WorkerStrategy => (candidates) =>
  candidates[Math.floor(Math.random() * candidates.length)];

/** The fewest requests in flight; ties go round robin, so idle workers share the load. */
const leastConnections = (): WorkerStrategy => {
  const tieBreak = roundRobin();
  return (candidates) => {
    const fewest = Math.min(...candidates.map((worker) => worker.inFlight));
    return tieBreak(candidates.filter((worker) => worker.inFlight === fewest));
  };
};

/** nginx's smooth weighted round robin: shares follow the weights, interleaved, no bursts. */
const weighted = (): WorkerStrategy => (candidates) => {
  let total = 0;
  let best = candidates[0];
  for (const worker of candidates) {
    worker.currentWeight += worker.weight;
    total += worker.weight;
    if (worker.currentWeight > best.currentWeight) best = worker;
  }
  best.currentWeight -= total;
  return best;
};

const STRATEGIES: Record<PoolConfig['strategy'], () => WorkerStrategy> = {
  round_robin: roundRobin,
  random,
  least_connections: leastConnections,
  weighted,
};

export const workerStrategy = (name: PoolConfig['strategy']): WorkerStrategy => STRATEGIES[name]();
