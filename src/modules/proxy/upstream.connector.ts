import { connect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import type { buildConnector } from 'undici';
import { proxyConfig, type ProxyConfig } from '../config/router.config.js';
import { UPSTREAM_LOOKUP, type UpstreamLookup } from './upstream.lookup.js';

/** Connecting never waits longer than this, whatever the response timeout. */
const CONNECT_TIMEOUT_CAP_MS = 5_000;
const FIRST_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 1_000;
/** A sandbox that is starting: its name is not published yet, or nothing listens yet. */
const RETRYABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ECONNRESET']);

export interface ConnectOptions {
  host: string;
  port: number;
  /** An `https:`/`wss:` target: TLS over the connected socket, HTTP/1.1 offered by ALPN. */
  secure?: boolean;
}

/**
 * Opens upstream TCP connections: the host goes through the UPSTREAM_LOOKUP seam (IP literals
 * included), each attempt is bounded by `min(timeout, 5 s)`, and a sandbox that is still
 * starting is retried with backoff for up to `connectRetrySeconds`. The socket is handed over only
 * once connected, so no request body byte has been read when a retry happens.
 */
@Injectable()
export class UpstreamConnector {
  private readonly attemptTimeoutMs: number;
  private readonly retryWindowMs: number;

  constructor(
    @Inject(proxyConfig.KEY) config: ProxyConfig,
    @Inject(UPSTREAM_LOOKUP) private readonly upstreamLookup: UpstreamLookup,
  ) {
    this.attemptTimeoutMs = Math.min(config.timeoutSeconds * 1000, CONNECT_TIMEOUT_CAP_MS);
    this.retryWindowMs = config.connectRetrySeconds * 1000;
  }

  async connect({ host, port, secure }: ConnectOptions): Promise<Socket> {
    const hostname = host.replace(/^\[(.*)\]$/, '$1');
    const socket = await this.connectTcp(hostname, port);
    if (!secure) return socket;
    const servername = isIP(hostname) ? undefined : hostname;
    return tlsConnect({ socket, servername, ALPNProtocols: ['http/1.1'] });
  }

  /** The same connections as an undici `connect` option (pools, health checks). */
  readonly forUndici: buildConnector.connector = (options, callback) => {
    const secure = options.protocol === 'https:';
    this.connect({ host: options.hostname, port: Number(options.port), secure }).then(
      (socket) => callback(null, socket),
      (error: Error) => callback(error, null),
    );
  };

  private async connectTcp(hostname: string, port: number): Promise<Socket> {
    const deadline = Date.now() + this.retryWindowMs;
    for (let backoffMs = FIRST_BACKOFF_MS; ; backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS)) {
      try {
        const address = await this.upstreamLookup.lookup(hostname);
        return await this.connectOnce(address, port);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? '';
        if (!RETRYABLE.has(code) || Date.now() + backoffMs > deadline) throw error;
        await sleep(backoffMs);
      }
    }
  }

  private connectOnce(host: string, port: number): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(
          Object.assign(new Error(`connect to ${host}:${port} timed out`), { code: 'ETIMEDOUT' }),
        );
      }, this.attemptTimeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeListener('error', onError);
        resolve(socket);
      });
      const onError = (error: Error) => {
        clearTimeout(timer);
        reject(error);
      };
      socket.once('error', onError);
    });
  }
}
