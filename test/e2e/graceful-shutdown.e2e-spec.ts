import { request } from '../support/http-client.js';
import { exitWithin } from '../support/router-process.js';
import { useSlowSandbox } from '../support/slow-sandbox.js';
import { until } from '../support/wait.js';

/** SPEC §8: SIGTERM fails readiness at once, lets in-flight requests finish, then exits 0. */
describe('SIGTERM', () => {
  const { received, release, spawn } = useSlowSandbox();

  it('answers 503 on /readyz, finishes the in-flight request and exits 0', async () => {
    const router = await spawn(0.5);
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
