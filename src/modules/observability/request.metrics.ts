import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { UpstreamErrorReason } from '../errors/router-error.js';
import { METRIC_PREFIX, METRICS_REGISTRY } from './metrics.registry.js';
import type { RequestObserver } from './request.observer.js';
import type { RecordKind, RequestRecord } from './request.record.js';

/** 1 ms to 300 s: from a pooled GET to a long code execution. */
const DURATION_BUCKETS = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
];
const CONNECT_BUCKETS = [0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * prom-client children by up to three label values, in nested maps and made once: a request
 * costs map lookups, never a label object or a key string.
 */
class Children<C> {
  private readonly tree = new Map<string, Map<string, Map<string, C>>>();

  constructor(private readonly make: (a: string, b: string, c: string) => C) {}

  get(a: string, b = '', c = ''): C {
    let byB = this.tree.get(a);
    if (!byB) this.tree.set(a, (byB = new Map()));
    let byC = byB.get(b);
    if (!byC) byB.set(b, (byC = new Map()));
    let child = byC.get(c);
    if (!child) byC.set(c, (child = this.make(a, b, c)));
    return child;
  }
}

/**
 * The request series (SPEC §5), from the request record only: requests by kind, method and
 * status class, latency, in-flight, upstream connect time, errors by reason, retries, and the
 * WebSocket closes and bytes. Labels are bounded sets; never a sandbox or a path.
 */
@Injectable()
export class RequestMetrics implements RequestObserver {
  private readonly requests: Children<Counter.Internal>;
  private readonly durations: Children<Histogram.Internal<string>>;
  private readonly inflight: Children<Gauge.Internal<string>>;
  private readonly connect: Histogram;
  private readonly upstreamErrors: Children<Counter.Internal>;
  private readonly retries: Children<Counter.Internal>;
  private readonly closes: Children<Counter.Internal>;
  private readonly wsBytes: Children<Counter.Internal>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    const registers = [registry];
    const requests = new Counter({
      name: `${METRIC_PREFIX}requests_total`,
      help: 'Finished requests and WebSockets by route kind, method and status class.',
      labelNames: ['kind', 'method', 'code_class'],
      registers,
    });
    this.requests = new Children((kind, method, codeClass) =>
      requests.labels(kind, method, codeClass),
    );
    const durations = new Histogram({
      name: `${METRIC_PREFIX}request_duration_seconds`,
      help: 'From arrival to the end of the response (or of the WebSocket).',
      labelNames: ['kind'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.durations = new Children((kind) => durations.labels(kind));
    const inflight = new Gauge({
      name: `${METRIC_PREFIX}inflight_requests`,
      help: 'Requests and WebSockets arrived and not finished.',
      labelNames: ['kind'],
      registers,
    });
    this.inflight = new Children((kind) => inflight.labels(kind));
    this.connect = new Histogram({
      name: `${METRIC_PREFIX}upstream_connect_seconds`,
      help: 'Until a connection carried the request: a connect, or ~0 on a pooled connection.',
      buckets: CONNECT_BUCKETS,
      registers,
    });
    const upstreamErrors = new Counter({
      name: `${METRIC_PREFIX}upstream_errors_total`,
      help: 'Requests whose (last) upstream attempt failed, by reason.',
      labelNames: ['reason'],
      registers,
    });
    this.upstreamErrors = new Children((reason) => upstreamErrors.labels(reason));
    const retries = new Counter({
      name: `${METRIC_PREFIX}upstream_retries_total`,
      help: 'Attempts after the first (worker pool retries).',
      labelNames: ['kind'],
      registers,
    });
    this.retries = new Children((kind) => retries.labels(kind));
    const closes = new Counter({
      name: `${METRIC_PREFIX}websocket_closed_total`,
      help: 'Proxied WebSockets closed, by the close code (class) of the client leg.',
      labelNames: ['code'],
      registers,
    });
    this.closes = new Children((code) => closes.labels(code));
    const wsBytes = new Counter({
      name: `${METRIC_PREFIX}websocket_bytes_total`,
      help: 'WebSocket message bytes relayed: in from clients, out to clients.',
      labelNames: ['direction'],
      registers,
    });
    this.wsBytes = new Children((direction) => wsBytes.labels(direction));
  }

  opened(record: Readonly<RequestRecord>): void {
    this.inflight.get(record.kind).inc();
  }

  finished(record: Readonly<RequestRecord>): void {
    const kind: RecordKind = record.kind;
    this.inflight.get(kind).dec();
    const method = METHODS.has(record.method) ? record.method : 'OTHER';
    this.requests.get(kind, method, codeClass(record)).inc();
    this.durations.get(kind).observe(record.totalMs! / 1000);
    if (record.connectMs !== undefined) this.connect.observe(record.connectMs / 1000);
    if (record.upstreamError)
      this.upstreamErrors.get(record.upstreamError as UpstreamErrorReason).inc();
    if (record.attempts > 1) this.retries.get(kind).inc(record.attempts - 1);
    if (record.websocket) {
      if (record.closeCode !== undefined) this.closes.get(closeClass(record.closeCode)).inc();
      this.wsBytes.get('in').inc(record.bytesIn);
      this.wsBytes.get('out').inc(record.bytesOut);
    }
  }
}

const CODE_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'];

/** `2xx` .. `5xx`; `none` when the client left before any status was decided. */
function codeClass({ status }: Readonly<RequestRecord>): string {
  return status === undefined ? 'none' : (CODE_CLASSES[Math.floor(status / 100) - 1] ?? 'other');
}

/** RFC 6455 codes as they are; the application ranges as classes, so the label stays bounded. */
function closeClass(code: number): string {
  if (code >= 1000 && code < 1016) return String(code);
  if (code >= 3000 && code < 4000) return '3xxx';
  if (code >= 4000 && code < 5000) return '4xxx';
  return 'other';
}
