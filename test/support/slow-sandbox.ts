import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Deferred, deferred } from './deferred.js';
import { ensureBuilt, type RouterProcess, spawnReadyRouter } from './router-process.js';
import { startUpstream, type Upstream } from './upstream.js';

export interface SlowSandbox {
  /** Settles once the upstream has a request and has written `started;` to it. */
  readonly received: Deferred<void>;
  /** Resolve it to let the upstream end that response with `finished`. */
  readonly release: Deferred<void>;
  /**
   * The built router, once ready, with sandbox `slow` routed to the upstream and this shutdown
   * delay (grace 10 s). The caller stops it.
   */
  spawn(shutdownDelaySeconds: number): Promise<RouterProcess & { base: string }>;
}

/**
 * For one describe block on shutdown (SPEC §8): builds dist/ if needed and starts an upstream
 * that holds its response open until released; afterwards closes it and removes the config.
 */
export function useSlowSandbox(): SlowSandbox {
  const received = deferred();
  const release = deferred();
  let dir: string;
  let upstream: Upstream;

  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'router-shutdown-'));
    upstream = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('started;');
      received.resolve();
      void release.promise.then(() => res.end('finished'));
    });
  }, 120_000);
  afterAll(async () => {
    await upstream?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const spawn = (shutdownDelaySeconds: number) => {
    const config = join(dir, 'router.yaml');
    writeFileSync(
      config,
      [
        `resolution: {providers: [static], static: {sandboxes: {slow: "${upstream.url}"}}}`,
        `shutdown: {delaySeconds: ${shutdownDelaySeconds}, graceSeconds: 10}`,
        '',
      ].join('\n'),
    );
    return spawnReadyRouter(config);
  };
  return { received, release, spawn };
}
