import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from '../support/http-client.js';
import { ensureBuilt, exitWithin, spawnReadyRouter } from '../support/router-process.js';
import { startWorker, type TestWorker } from '../support/workers.js';

/** SPEC §7: the SandboxFusion router's own config.yaml runs the built router unchanged. */
describe("the router started with SandboxFusion's config.yaml", () => {
  let dir: string;
  let workers: TestWorker[];

  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'router-sandbox-fusion-'));
    workers = [await startWorker('a'), await startWorker('b')];
  }, 120_000);
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves /run_code from its workers and reports the keys it does not use', async () => {
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      [
        'workers:',
        ...workers.map((worker) => `  - url: ${worker.url}`),
        'health_check_interval: 30',
        'timeout: 60',
        'routing_strategy: round_robin',
        'max_retries: 3',
        '',
      ].join('\n'),
    );
    const router = await spawnReadyRouter(config);
    const { base } = router;
    try {
      const urls = [];
      for (let i = 0; i < 2; i++) {
        const reply = await request(base, '/run_code', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"code":"print(1)","language":"python"}',
        });
        expect(reply.status).toBe(200);
        urls.push(
          reply.json<{ router_metadata: { worker_url: string } }>().router_metadata.worker_url,
        );
      }
      expect(urls.sort()).toEqual(workers.map((worker) => worker.url).sort());
      router.child.kill('SIGTERM');
      expect((await exitWithin(router, 15_000)).code).toBe(0);
      // Log lines are written in batches: all of them are out once the router has exited.
      expect(router.stdout()).toContain(
        'config file: \\"max_retries\\" is not a sandbox-router or SandboxFusion key; ignored',
      );
      expect(router.stdout()).toContain('pool 2 workers (round_robin)');
    } finally {
      router.child.kill('SIGKILL');
    }
  });
});
