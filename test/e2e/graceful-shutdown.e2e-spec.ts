import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deferred } from '../support/deferred.js';
import { request } from '../support/http-client.js';
import { ensureBuilt, exitWithin, spawnReadyRouter } from '../support/router-process.js';
import { startUpstream, type Upstream } from '../support/upstream.js';
import { until } from '../support/wait.js';

/** SPEC §8: SIGTERM fails readiness at once, lets in-flight requests finish, then exits 0. */
describe('SIGTERM', () => {
  let dir: string;
  let upstream: Upstream;
  const release = deferred();
  const received = deferred();

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
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 on /readyz, finishes the in-flight request and exits 0', async () => {
    const config = join(dir, 'router.yaml');
    writeFileSync(
      config,
      [
        `resolution: {providers: [static], static: {sandboxes: {slow: "${upstream.url}"}}}`,
        'shutdown: {delaySeconds: 0.5, graceSeconds: 10}',
        '',
      ].join('\n'),
    );
    const router = await spawnReadyRouter(config);
    const { base } = router;
    try {
      const inFlight = request(base, '/work', { headers: { 'X-Sandbox-ID': 'slow' } });
      await received.promise;

      router.child.kill('SIGTERM');
      await until(async () => (await request(base, '/readyz')).status === 503);
      release.resolve();

      const reply = await inFlight;
      expect(reply.status).toBe(200);
      expect(reply.text).toBe('started;finished');
      expect((await exitWithin(router, 15_000)).code).toBe(0);
    } finally {
      router.child.kill('SIGKILL');
    }
  });
});
