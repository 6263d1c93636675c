import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, type Registry } from 'prom-client';
import { InformerRegistry } from '../kubernetes/informer.registry.js';
import { METRIC_PREFIX, METRICS_REGISTRY } from '../observability/metrics.registry.js';
import { WorkerSet } from '../pool/worker.set.js';
import { OpenSocketRegistry } from '../websocket/open-sockets.registry.js';

/**
 * The series read from the router's state when Prometheus scrapes, not counted per request:
 * open WebSockets, the informer caches and watches, the pool's workers. Workers are few and
 * configured, so `worker` (its URL) is the one label that names a target.
 */
@Injectable()
export class StateMetrics {
  constructor(
    @Inject(METRICS_REGISTRY) registry: Registry,
    sockets: OpenSocketRegistry,
    informers: InformerRegistry,
    workers: WorkerSet,
  ) {
    const registers = [registry];
    new Gauge({
      name: `${METRIC_PREFIX}websocket_connections`,
      help: 'Proxied WebSockets, by state.',
      labelNames: ['state'],
      registers,
      collect() {
        this.set({ state: 'open' }, sockets.open);
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}resolver_cache_sandboxes`,
      help: 'Objects held by each informer-fed cache.',
      labelNames: ['provider'],
      registers,
      collect() {
        for (const informer of informers.all) {
          if (informer.cached !== undefined)
            this.set({ provider: informer.provider }, informer.cached);
        }
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}cache_synced`,
      help: '1 once the informer has listed everything it watches.',
      labelNames: ['provider'],
      registers,
      collect() {
        for (const informer of informers.all)
          this.set({ provider: informer.provider }, informer.synced ? 1 : 0);
      },
    });
    new Counter({
      name: `${METRIC_PREFIX}watch_events_total`,
      help: 'Watch events applied, by provider and type.',
      labelNames: ['provider', 'type'],
      registers,
      collect() {
        this.reset();
        for (const informer of informers.all) {
          for (const [type, count] of Object.entries(informer.events)) {
            this.inc({ provider: informer.provider, type }, count);
          }
        }
      },
    });
    new Counter({
      name: `${METRIC_PREFIX}watch_restarts_total`,
      help: 'Watches re-opened after a failure or a 410 Gone.',
      labelNames: ['provider'],
      registers,
      collect() {
        this.reset();
        for (const informer of informers.all)
          this.inc({ provider: informer.provider }, informer.restarts);
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}pool_workers`,
      help: 'Pool workers by state: healthy, unhealthy, open circuit.',
      labelNames: ['state'],
      registers,
      collect() {
        let healthy = 0;
        let open = 0;
        for (const worker of workers.all) {
          if (worker.healthy) healthy++;
          if (worker.circuitState !== 'closed') open++;
        }
        this.set({ state: 'healthy' }, healthy);
        this.set({ state: 'unhealthy' }, workers.all.length - healthy);
        this.set({ state: 'open_circuit' }, open);
      },
    });
    new Counter({
      name: `${METRIC_PREFIX}pool_requests_total`,
      help: 'Attempts on each pool worker, by outcome (failure: connect error, timeout, 5xx).',
      labelNames: ['worker', 'outcome'],
      registers,
      collect() {
        this.reset();
        for (const worker of workers.all) {
          // A failure is counted at its head, before its attempt has ended: never below 0.
          const succeeded = Math.max(0, worker.requests - worker.inFlight - worker.failures);
          this.inc({ worker: worker.url, outcome: 'failure' }, worker.failures);
          this.inc({ worker: worker.url, outcome: 'success' }, succeeded);
        }
      },
    });
  }
}
