import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { poolConfig, type PoolConfig } from '../config/router.config.js';
import { RouterError } from '../errors/router-error.js';
import { BodyLimit } from '../limits/body.limit.js';
import type { RequestRecord } from '../observability/request.record.js';
import { respond, respondWithError, responseHeaders } from '../proxy/http.responder.js';
import { type PoolForwarder, ProxyHook } from '../proxy/proxy.hook.js';
import type { UpstreamRequest } from '../proxy/request.router.js';
import type { AttemptOutcome, UpstreamResponse } from '../proxy/upstream.attempt.js';
import { UpstreamPools } from '../proxy/upstream.pools.js';
import { type PoolBody, readReplayableBody } from './replay-body.js';
import { RunCodeMetadataSink, wantsMetadata } from './run-code.metadata.js';
import type { Worker } from './worker.js';
import { WorkerSet } from './worker.set.js';

/**
 * SandboxFusion's router, on the forwarding core's attempts: each attempt goes to an available
 * worker the strategy picks; a connect error, reset, head timeout or 5xx marks the worker failed
 * and, when the body can be replayed, is retried on another worker, up to
 * `min(maxAttempts, workers)` attempts. Nothing reaches the client before an attempt succeeds,
 * so a response that has begun is never retried. A worker's 4xx (or its 200 `SandboxError`) is
 * its answer and passes through.
 */
@Injectable()
export class WorkerPool implements PoolForwarder, OnModuleInit {
  private readonly timeoutMs: number;

  constructor(
    @Inject(poolConfig.KEY) private readonly config: PoolConfig,
    private readonly workers: WorkerSet,
    private readonly pools: UpstreamPools,
    private readonly frontDoor: ProxyHook,
    private readonly bodyLimit: BodyLimit,
  ) {
    this.timeoutMs = config.timeoutSeconds * 1000;
  }

  onModuleInit(): void {
    if (this.workers.enabled) this.frontDoor.usePool(this);
  }

  async forward(
    req: IncomingMessage,
    res: ServerResponse,
    upstream: UpstreamRequest,
  ): Promise<void> {
    const { record } = upstream;
    this.bodyLimit.checkDeclared(req);
    const body = await readReplayableBody(req, {
      replayBytes: this.config.maxReplayBodyBytes,
      maxBytes: this.bodyLimit.maxBytes,
    });
    const maxAttempts = body.replayable
      ? Math.min(this.config.maxAttempts, this.workers.all.length)
      : 1;
    const tried = new Set<Worker>();
    let clientGone = false;
    res.once('close', () => (clientGone = true));

    while (tried.size < maxAttempts && !clientGone) {
      const worker = this.workers.pick(tried);
      if (!worker) break;
      if (tried.size > 0) worker.retries++;
      tried.add(worker);
      const outcome = await this.send(req, res, upstream, body, worker);
      // The client's body broke the cap, not the worker: no failure, no retry.
      if (outcome instanceof RouterError && outcome.code === 'PAYLOAD_TOO_LARGE') {
        worker.ended();
        return respondWithError(req, res, outcome, record);
      }
      const answered = !(outcome instanceof RouterError);
      if (answered && outcome.status < 500) worker.succeeded();
      else worker.failed();
      // A body that cannot be replayed leaves the worker's own 5xx as the best answer there is.
      if (answered && (outcome.status < 500 || !body.replayable)) {
        // In flight until the response has gone out: least_connections counts streams too.
        res.once('close', () => worker.ended());
        return this.answer(req, res, outcome, record, { worker, attempt: tried.size });
      }
      worker.ended();
      if (answered) outcome.body.abort();
    }
    if (clientGone) return;
    respondWithError(
      req,
      res,
      tried.size === 0
        ? new RouterError('NO_HEALTHY_WORKERS', 'No healthy workers available')
        : new RouterError('ALL_WORKERS_FAILED', `All workers failed after ${tried.size} attempts`),
      record,
    );
  }

  /** One attempt on one worker; a client that leaves aborts it. */
  private send(
    req: IncomingMessage,
    res: ServerResponse,
    upstream: UpstreamRequest,
    body: PoolBody,
    worker: Worker,
  ): Promise<AttemptOutcome> {
    upstream.record.upstream = worker.target.url.host;
    worker.begin();
    const request = {
      method: req.method ?? 'GET',
      path: upstream.path,
      headers: upstream.headers,
      body: body.data,
      timeoutMs: this.timeoutMs,
      sandbox: worker.url,
      record: upstream.record,
      maxBodyBytes: this.bodyLimit.maxBytes,
    };
    return this.pools.attempt(worker.target, request, res).outcome;
  }

  /** The worker's answer, with the router's headers (and `router_metadata` for /run_code). */
  private answer(
    req: IncomingMessage,
    res: ServerResponse,
    response: UpstreamResponse,
    record: RequestRecord,
    { worker, attempt }: { worker: Worker; attempt: number },
  ): void {
    const context = {
      record,
      extraHeaders: { 'x-router-worker': worker.url, 'x-router-attempt': String(attempt) },
    };
    if (!wantsMetadata(req, response.headers)) return respond(req, res, response, context);
    record.status = response.status;
    const headers = responseHeaders(response, context);
    response.body.pipe(
      new RunCodeMetadataSink(res, response.status, headers, { worker_url: worker.url, attempt }),
    );
  }
}
