import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Agent, request } from 'undici';
import { poolConfig, type PoolConfig } from '../config/router.config.js';
import { UpstreamConnector } from '../proxy/upstream.connector.js';
import type { Worker } from './worker.js';
import { WorkerSet } from './worker.set.js';

/** SandboxFusion's own ping timeout. */
const CHECK_TIMEOUT_MS = 5_000;
/** A ping answer longer than this is not `pong`. */
const MAX_BODY_BYTES = 1024;

/**
 * Active health checks (SPEC §3.5): `GET <worker>/v1/ping`, healthy iff 200 and the body is
 * `pong`, bare or as a JSON string (SandboxFusion's FastAPI answers `"pong"`), whitespace
 * trimmed. Every worker is checked at start-up (readiness waits for that round), then every
 * interval; a worker added later is checked at once, before it takes traffic. Each change of a
 * worker's health is logged once, with the reason.
 */
@Injectable()
export class WorkerHealthChecker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('WorkerPool');
  private readonly agent: Agent;
  private timer?: NodeJS.Timeout;
  private firstRoundDone = false;

  constructor(
    @Inject(poolConfig.KEY) private readonly config: PoolConfig,
    private readonly workers: WorkerSet,
    connector: UpstreamConnector,
  ) {
    this.agent = new Agent({ connect: connector.forUndici });
  }

  /** Whether every worker known at start-up has been checked once (readiness). */
  get ready(): boolean {
    return !this.workers.enabled || this.firstRoundDone;
  }

  onApplicationBootstrap(): void {
    if (!this.workers.enabled) return;
    this.workers.onAdded((added) => void this.checkAll(added));
    void this.checkAll(this.workers.all).then(() => {
      this.firstRoundDone = true;
      this.timer = setInterval(
        () => void this.checkAll(this.workers.all),
        this.config.healthCheckIntervalSeconds * 1000,
      );
    });
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.agent.close();
  }

  private async checkAll(workers: readonly Worker[]): Promise<void> {
    await Promise.all(workers.map((worker) => this.check(worker)));
  }

  private async check(worker: Worker): Promise<void> {
    const problem = await this.ping(worker);
    if (!worker.checked(problem === undefined, problem ?? '')) return;
    if (problem === undefined) this.logger.log(`worker ${worker.url} is healthy`);
    else this.logger.warn(`worker ${worker.url} is unhealthy: ${problem}`);
  }

  /** Undefined when the worker answered `pong`; otherwise why not. */
  private async ping(worker: Worker): Promise<string | undefined> {
    try {
      const response = await request(new URL('/v1/ping', worker.url), {
        dispatcher: this.agent,
        signal: AbortSignal.timeout(CHECK_TIMEOUT_MS),
      });
      const body = (await readCapped(response.body)).trim();
      if (response.statusCode !== 200) return `HTTP ${response.statusCode}`;
      return body === 'pong' || body === '"pong"'
        ? undefined
        : `unexpected body ${JSON.stringify(body.slice(0, 64))}`;
    } catch (error) {
      const { name, code, message } = error as NodeJS.ErrnoException;
      if (name === 'TimeoutError') return `timeout after ${CHECK_TIMEOUT_MS / 1000} s`;
      return `connection error: ${code ?? message}`;
    }
  }
}

async function readCapped(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    bytes += chunk.length;
    if (bytes > MAX_BODY_BYTES) break;
  }
  return Buffer.concat(chunks).toString('utf8');
}
