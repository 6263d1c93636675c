import { connect } from 'node:http2';
import { exitWithin } from '../support/router-process.js';
import { useSlowSandbox } from '../support/slow-sandbox.js';

/** SPEC §8 for HTTP/2: on SIGTERM a session gets GOAWAY, and its open stream still finishes. */
describe('SIGTERM with an HTTP/2 client', () => {
  const { received, release, spawn } = useSlowSandbox();

  it('sends GOAWAY, lets the open stream finish and exits 0', async () => {
    const router = await spawn(0.2);
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
