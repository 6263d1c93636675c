import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deferred } from '../support/deferred.js';
import { ensureBuilt, exitWithin, spawnReadyRouter } from '../support/router-process.js';
import { startUpstream, type Upstream } from '../support/upstream.js';

/** SPEC §8 for HTTP/2: on SIGTERM a session gets GOAWAY, and its open stream still finishes. */
describe('SIGTERM with an HTTP/2 client', () => {
  let dir: string;
  let upstream: Upstream;
  const release = deferred();
  const received = deferred();

  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'router-h2-shutdown-'));
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

  it('sends GOAWAY, lets the open stream finish and exits 0', async () => {
    const config = join(dir, 'router.yaml');
    writeFileSync(
      config,
      [
        `resolution: {providers: [static], static: {sandboxes: {slow: "${upstream.url}"}}}`,
        'shutdown: {delaySeconds: 0.2, graceSeconds: 10}',
        '',
      ].join('\n'),
    );
    const router = await spawnReadyRouter(config);
    const session = connect(router.base);
    try {
      const goaway = new Promise((resolve) => session.once('goaway', resolve));
      const stream = session.request({ ':path': '/work', 'x-sandbox-id': 'slow' });
      let body = '';
      stream.on('data', (chunk: Buffer) => (body += chunk.toString()));
      const ended = new Promise((resolve) => stream.once('end', resolve));
      await received.promise;

      router.child.kill('SIGTERM');
      await goaway;
      release.resolve();
      await ended;
      expect(body).toBe('started;finished');
      expect((await exitWithin(router, 15_000)).code).toBe(0);
    } finally {
      session.destroy();
      router.child.kill('SIGKILL');
    }
  });
});
