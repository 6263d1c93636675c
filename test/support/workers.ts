import type { IncomingMessage, ServerResponse } from 'node:http';
import { digestBody, startUpstream, type Upstream } from './upstream.js';

/** What a worker does with the next requests; tests switch it at will. */
export type WorkerMode =
  | 'ok'
  /** Answers every request 500. */
  | 'fail'
  /** Answers `/v1/ping` 503 (and still serves). */
  | 'sick'
  /** Holds `/run_code` answers until release() is called. */
  | 'slow';

export interface TestWorker {
  readonly upstream: Upstream;
  readonly url: string;
  mode: WorkerMode;
  /** `/run_code` requests this worker answered, with the sha256 of each body. */
  readonly served: { bytes: number; sha256: string }[];
  /** Answers the requests a slow worker holds. */
  release(): void;
  close(): Promise<void>;
}

/**
 * A SandboxFusion-like worker on 127.0.0.1: `GET /v1/ping` answers `"pong"` as JSON (as its
 * FastAPI does), `POST /run_code` a JSON result naming the worker, `/run_code_text` plain text,
 * `/bad` a 400; the mode makes it fail.
 */
export async function startWorker(name: string): Promise<TestWorker> {
  const held: (() => void)[] = [];
  const served: TestWorker['served'] = [];
  const worker = { mode: 'ok' as WorkerMode, served } as TestWorker;
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/v1/ping') {
      const status = worker.mode === 'sick' ? 503 : 200;
      res.writeHead(status, { 'content-type': 'application/json' });
      return void res.end(status === 200 ? '"pong"' : '"down"');
    }
    digestBody(req, (digest) => {
      if (worker.mode === 'fail') {
        res.writeHead(500, { 'content-type': 'application/json' });
        return void res.end('{"detail":"worker broke"}');
      }
      if (req.url === '/bad') {
        res.writeHead(400, { 'content-type': 'application/json' });
        return void res.end('{"detail":"bad request"}');
      }
      served.push(digest);
      const answer = () => {
        const text = req.url === '/run_code_text';
        res.writeHead(200, { 'content-type': text ? 'text/plain' : 'application/json' });
        res.end(text ? `ran on ${name}` : JSON.stringify({ status: 'Success', worker: name }));
      };
      if (worker.mode === 'slow') held.push(answer);
      else answer();
    });
  };
  const upstream = await startUpstream(handle);
  return Object.assign(worker, {
    upstream,
    url: upstream.url,
    release: () => held.splice(0).forEach((answer) => answer()),
    close: () => upstream.close(),
  });
}
