import { Inject, Injectable } from '@nestjs/common';
import { poolConfig, type PoolConfig } from '../config/router.config.js';
import { type CircuitOptions, Worker } from './worker.js';
import { type WorkerStrategy, workerStrategy } from './worker.strategies.js';

/** A worker as configured or discovered. */
export interface WorkerSpec {
  readonly url: string;
  readonly weight: number;
}

/**
 * The pool's workers, whoever supplies them (the config file, its reloads, EndpointSlice
 * discovery), and the strategy that picks among the available ones. A removed worker leaves at
 * once for new requests; attempts already on it finish. An added one waits for a health check.
 */
@Injectable()
export class WorkerSet {
  /** Configured: a static list or a Service to discover. */
  readonly enabled: boolean;
  private workers: Worker[] = [];
  private readonly strategy: WorkerStrategy;
  private readonly circuit: CircuitOptions;
  private readonly addedListeners: ((workers: Worker[]) => void)[] = [];

  constructor(@Inject(poolConfig.KEY) config: PoolConfig) {
    this.enabled = config.workers.length > 0 || config.service.name !== '';
    this.strategy = workerStrategy(config.strategy);
    this.circuit = {
      failureThreshold: config.circuit.failureThreshold,
      cooldownMs: config.circuit.cooldownSeconds * 1000,
    };
    this.replace(config.workers);
  }

  get all(): readonly Worker[] {
    return this.workers;
  }

  get healthyCount(): number {
    return this.workers.filter((worker) => worker.healthy).length;
  }

  /** An available worker not in `tried`, or undefined when there is none. */
  pick(tried: ReadonlySet<Worker>): Worker | undefined {
    const candidates = this.workers.filter((worker) => worker.available && !tried.has(worker));
    return candidates.length > 0 ? this.strategy(candidates) : undefined;
  }

  /** The new list: known URLs keep their state (weights follow the spec), new ones start unhealthy. */
  replace(specs: readonly WorkerSpec[]): void {
    const known = new Map(this.workers.map((worker) => [worker.url, worker]));
    const added: Worker[] = [];
    this.workers = specs.map(({ url, weight }) => {
      const worker = known.get(url);
      if (worker) {
        worker.weight = weight;
        return worker;
      }
      const fresh = new Worker(url, weight, this.circuit);
      added.push(fresh);
      return fresh;
    });
    if (added.length > 0) for (const listener of this.addedListeners) listener(added);
  }

  /** Called with the workers each replace() adds (the health checker checks them at once). */
  onAdded(listener: (workers: Worker[]) => void): void {
    this.addedListeners.push(listener);
  }
}
