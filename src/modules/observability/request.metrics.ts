import { Inject, Injectable } from '@nestjs/common';
import type { Registry } from 'prom-client';
import {
  type HistogramCell,
  HistogramFamily,
  type ValueCell,
  ValueFamily,
} from './metric.families.js';
import { METRIC_PREFIX, METRICS_REGISTRY } from './metrics.registry.js';
import type { RequestObserver } from './request.observer.js';
import type { RequestRecord } from './request.record.js';

/** 1 ms to 300 s: from a pooled GET to a long code execution. */
const DURATION_BUCKETS = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
];
const CONNECT_BUCKETS = [0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const CODE_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'];

/**
 * The request series (SPEC §5), from the request record only: requests by kind, method and
 * status class, latency, in-flight, upstream connect time, errors by reason, retries, and the
 * WebSocket closes and bytes. Labels are bounded sets, never a sandbox or a path; a request
 * costs a few map lookups and additions.
 */
@Injectable()
export class RequestMetrics implements RequestObserver {
  private readonly requests: ValueFamily;
  private readonly durations: HistogramFamily;
  private readonly inflight: ValueFamily;
  private readonly connect: HistogramCell;
  private readonly upstreamErrors: ValueFamily;
  private readonly retries: ValueFamily;
  private readonly closes: ValueFamily;
  private readonly wsBytesIn: ValueCell;
  private readonly wsBytesOut: ValueCell;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    const name = (suffix: string) => `${METRIC_PREFIX}${suffix}`;
    this.requests = new ValueFamily(
      'counter',
      name('requests_total'),
      'Finished requests and WebSockets by route kind, method and status class.',
      ['kind', 'method', 'code_class'],
      registry,
    );
    this.durations = new HistogramFamily(
      name('request_duration_seconds'),
      'From arrival to the end of the response (or of the WebSocket).',
      ['kind'],
      DURATION_BUCKETS,
      registry,
    );
    this.inflight = new ValueFamily(
      'gauge',
      name('inflight_requests'),
      'Requests and WebSockets arrived and not finished.',
      ['kind'],
      registry,
    );
    this.connect = new HistogramFamily(
      name('upstream_connect_seconds'),
      'Until a connection carried the request: a connect, or ~0 on a pooled connection.',
      [],
      CONNECT_BUCKETS,
      registry,
    ).cell();
    this.upstreamErrors = new ValueFamily(
      'counter',
      name('upstream_errors_total'),
      'Requests whose (last) upstream attempt failed, by reason.',
      ['reason'],
      registry,
    );
    this.retries = new ValueFamily(
      'counter',
      name('upstream_retries_total'),
      'Attempts after the first (worker pool retries).',
      ['kind'],
      registry,
    );
    this.closes = new ValueFamily(
      'counter',
      name('websocket_closed_total'),
      'Proxied WebSockets closed, by the close code (class) of the client leg.',
      ['code'],
      registry,
    );
    const wsBytes = new ValueFamily(
      'counter',
      name('websocket_bytes_total'),
      'WebSocket message bytes relayed: in from clients, out to clients.',
      ['direction'],
      registry,
    );
    this.wsBytesIn = wsBytes.cell('in');
    this.wsBytesOut = wsBytes.cell('out');
  }

  opened(record: Readonly<RequestRecord>): void {
    this.inflight.cell(record.kind).inc();
  }

  finished(record: Readonly<RequestRecord>): void {
    const { kind } = record;
    this.inflight.cell(kind).dec();
    const method = METHODS.has(record.method) ? record.method : 'OTHER';
    this.requests.cell(kind, method, codeClass(record.status)).inc();
    this.durations.cell(kind).observe(record.totalMs! / 1000);
    if (record.connectMs !== undefined) this.connect.observe(record.connectMs / 1000);
    if (record.upstreamError) this.upstreamErrors.cell(record.upstreamError).inc();
    if (record.attempts > 1) this.retries.cell(kind).inc(record.attempts - 1);
    if (record.websocket) {
      if (record.closeCode !== undefined) this.closes.cell(closeClass(record.closeCode)).inc();
      this.wsBytesIn.inc(record.bytesIn);
      this.wsBytesOut.inc(record.bytesOut);
    }
  }
}

/** `2xx` .. `5xx`; `none` when the client left before any status was decided. */
function codeClass(status: number | undefined): string {
  return status === undefined ? 'none' : (CODE_CLASSES[Math.floor(status / 100) - 1] ?? 'other');
}

/** RFC 6455 codes as they are; the application ranges as classes, so the label stays bounded. */
function closeClass(code: number): string {
  if (code >= 1000 && code < 1016) return String(code);
  if (code >= 3000 && code < 4000) return '3xxx';
  if (code >= 4000 && code < 5000) return '4xxx';
  return 'other';
}
