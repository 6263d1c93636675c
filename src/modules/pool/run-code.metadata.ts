import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { BodySink } from '../proxy/upstream.attempt.js';

/** A `/run_code` answer larger than this is streamed untouched rather than held to be rewritten. */
const MAX_REWRITE_BYTES = 10 * 1024 * 1024;

export interface RouterMetadata {
  readonly worker_url: string;
  readonly attempt: number;
}

/** Only `POST /run_code` JSON answers carry `router_metadata` (SPEC §3.5), as SandboxFusion's router adds it. */
export function wantsMetadata(req: IncomingMessage, headers: IncomingHttpHeaders): boolean {
  const path = req.url?.split('?', 1)[0];
  return (
    req.method === 'POST' &&
    path === '/run_code' &&
    headers['content-encoding'] === undefined &&
    /^application\/json\b/i.test(headers['content-type'] ?? '')
  );
}

/**
 * The one place the router parses a response body: it collects a `/run_code` answer, adds
 * `"router_metadata": {"worker_url", "attempt"}` to a JSON object, then writes head and body
 * with the new length. Anything else (not JSON, not an object, too large) goes out as it came.
 */
export class RunCodeMetadataSink implements BodySink {
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  private streaming = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly status: number,
    private readonly headers: IncomingHttpHeaders,
    private readonly metadata: RouterMetadata,
  ) {}

  write(chunk: Buffer): boolean {
    if (this.streaming) return this.res.write(chunk);
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    if (this.bytes <= MAX_REWRITE_BYTES) return true;
    this.streaming = true;
    this.res.writeHead(this.status, this.headers);
    return this.res.write(Buffer.concat(this.chunks.splice(0)));
  }

  once(event: 'drain', listener: () => void): this {
    this.res.once(event, listener);
    return this;
  }

  end(): void {
    if (this.streaming) return void this.res.end();
    const body = withMetadata(Buffer.concat(this.chunks, this.bytes), this.metadata);
    this.res.writeHead(this.status, {
      ...this.headers,
      'content-length': String(body.length),
    });
    this.res.end(body);
  }

  destroy(error?: Error): void {
    this.res.destroy(error);
  }
}

function withMetadata(body: Buffer, metadata: RouterMetadata): Buffer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return body;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return body;
  return Buffer.from(JSON.stringify({ ...parsed, router_metadata: metadata }));
}
