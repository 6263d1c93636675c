import type { ClientRequest, IncomingMessage } from 'node:http';
import { type RequestOptions, sendRequest } from './http-client.js';

export interface OpenStream {
  req: ClientRequest;
  res: IncomingMessage;
  body: BodyReader;
}

/**
 * Sends a request and resolves at the response head, leaving the body in flight, for tests
 * that watch a stream arrive (SSE) or walk away from it (client aborts).
 */
export function openStream(
  baseUrl: string,
  path: string,
  options: RequestOptions = {},
): Promise<OpenStream> {
  return sendRequest(baseUrl, path, options, (res, req) => ({
    req,
    res,
    body: new BodyReader(res),
  }));
}

/** Collects a body as it arrives; `until` resolves the moment the text so far satisfies a test. */
export class BodyReader {
  private readonly chunks: Buffer[] = [];
  private readonly waiters = new Set<() => void>();
  readonly ended: Promise<string>;

  constructor(res: IncomingMessage) {
    res.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      for (const wake of this.waiters) wake();
    });
    this.ended = new Promise((resolve, reject) => {
      res.on('end', () => resolve(this.text));
      res.on('error', reject);
      res.on('close', () => {
        if (!res.complete) reject(new Error('response closed before its end'));
      });
    });
    // A stream a test abandons on purpose must not fail it.
    this.ended.catch(() => undefined);
  }

  get text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }

  get chunkCount(): number {
    return this.chunks.length;
  }

  until(done: (text: string) => boolean): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done(this.text)) return;
        this.waiters.delete(check);
        resolve(this.text);
      };
      this.waiters.add(check);
      this.ended.then(() => {
        if (this.waiters.delete(check)) reject(new Error(`stream ended first: ${this.text}`));
      }, reject);
      check();
    });
  }
}
