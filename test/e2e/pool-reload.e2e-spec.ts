import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoggerService } from '@nestjs/common';
import { stringify } from 'yaml';
import { CONFIG_FILE, configFileFrom } from '../../src/modules/config/router.config.js';
import { WorkerSet } from '../../src/modules/pool/worker.set.js';
import { request } from '../support/http-client.js';
import { type RunningRouter, startRouter } from '../support/router-app.js';
import { until } from '../support/wait.js';
import { startWorker, type TestWorker } from '../support/workers.js';

/**
 * A ConfigMap volume as the kubelet lays it out: `config.yaml -> ..data/config.yaml`,
 * `..data -> ..<version>`. An update writes a new version directory and swaps `..data` by
 * rename, so `config.yaml` itself is never written.
 */
class MountedConfigMap {
  private version = 0;

  constructor(readonly dir: string) {}

  get file(): string {
    return join(this.dir, 'config.yaml');
  }

  async mount(content: string): Promise<void> {
    await this.publish(content);
    await symlink('..data/config.yaml', this.file);
  }

  /** An update, as the kubelet makes it; `content` undefined leaves the key out. */
  async publish(content: string | undefined): Promise<void> {
    const previous = this.versionDir();
    this.version++;
    await mkdir(this.versionDir());
    if (content !== undefined) await writeFile(join(this.versionDir(), 'config.yaml'), content);
    await symlink(`..v${this.version}`, join(this.dir, '..data_tmp'));
    await rename(join(this.dir, '..data_tmp'), join(this.dir, '..data'));
    if (this.version > 1) await rm(previous, { recursive: true });
  }

  /** Rewrites the current version in place: nothing in the mounted directory changes. */
  async editInPlace(content: string): Promise<void> {
    await writeFile(join(this.versionDir(), 'config.yaml'), content);
  }

  private versionDir(): string {
    return join(this.dir, `..v${this.version}`);
  }
}

const fileWith = (pool: object) => stringify({ auth: { allowUnauthenticated: true }, pool });
const configWith = (...workers: TestWorker[]) =>
  fileWith({ workers: workers.map(({ url }) => ({ url })) });

/** The router's log lines, as `level: message`. */
class LogRecorder implements LoggerService {
  readonly lines: string[] = [];
  log = (message: string) => void this.lines.push(`log: ${message}`);
  error = (message: string) => void this.lines.push(`error: ${message}`);
  warn = (message: string) => void this.lines.push(`warn: ${message}`);
  debug = (message: string) => void this.lines.push(`debug: ${message}`);
}

/** SPEC §3.5: the static worker list follows the config file (SIGHUP or a change) without a restart. */
describe('worker list reload', () => {
  let a: TestWorker;
  let b: TestWorker;
  let c: TestWorker;
  let configMap: MountedConfigMap;
  let router: RunningRouter | undefined;
  let logs: LogRecorder;

  beforeAll(async () => {
    [a, b, c] = await Promise.all(['a', 'b', 'c'].map((name) => startWorker(name)));
  });
  afterAll(async () => {
    await Promise.all([a, b, c].map((worker) => worker?.close()));
  });
  beforeEach(async () => {
    configMap = new MountedConfigMap(await mkdtemp(join(tmpdir(), 'router-reload-')));
  });
  afterEach(async () => {
    await router?.close();
    router = undefined;
    await rm(configMap.dir, { recursive: true, force: true });
  });

  /** A router on the mounted file listing `workers`, once they are all healthy. */
  async function start(...workers: TestWorker[]): Promise<RunningRouter> {
    await configMap.mount(configWith(...workers));
    router = await startRouter({
      config: { pool: { workers: workers.map(({ url }) => ({ url })) } },
      override: (builder) =>
        builder
          .overrideProvider(CONFIG_FILE)
          .useValue(configFileFrom({ env: {}, argv: ['--config', configMap.file] })),
    });
    logs = new LogRecorder();
    router.app.useLogger(logs);
    await until(() => router!.app.get(WorkerSet).healthyCount === workers.length);
    return router;
  }

  const workerUrls = () => router!.app.get(WorkerSet).all.map((worker) => worker.url);
  const listBecomes = (...workers: TestWorker[]) =>
    until(() => workerUrls().join() === workers.map(({ url }) => url).join());
  const send = () => request(router!.url, '/run_code_text');

  it('adds the workers the file lists on SIGHUP, checks them, then sends them requests', async () => {
    await start(a);
    await configMap.editInPlace(configWith(a, b));

    process.emit('SIGHUP');

    await listBecomes(a, b);
    expect(logs.lines).toContain(
      `log: worker list reloaded from ${configMap.file}: 2 workers, 1 added, 0 removed, 0 reweighted`,
    );
    await until(async () => (await send()).headers['x-router-worker'] === b.url);
  });

  it('removes a worker when a ConfigMap update swaps the file, and sends it nothing more', async () => {
    await start(a, b);

    await configMap.publish(configWith(a));

    await listBecomes(a);
    const replies = await Promise.all(Array.from({ length: 4 }, send));
    expect(replies.map((reply) => reply.headers['x-router-worker'])).toEqual(Array(4).fill(a.url));
  });

  it.each([
    [
      'a worker URL that is not http(s)',
      fileWith({ workers: [{ url: 'ftp://x' }] }),
      'pool.workers.0.url',
    ],
    ['broken YAML', 'pool: [\n', 'at line 2'],
    ['an empty worker list', fileWith({}), 'pool.workers: empty'],
    ['no file at all', undefined, 'ENOENT'],
  ])(
    'keeps the current workers when the new file has %s, and logs why',
    async (_, file, problem) => {
      await start(a, b);

      await configMap.publish(file);

      await until(() => logs.lines.some((line) => line.startsWith('error: ')));
      expect(logs.lines.find((line) => line.startsWith('error: '))).toContain(problem);
      expect(workerUrls()).toEqual([a.url, b.url]);
      expect((await send()).status).toBe(200);
      // Still watching: the next good file applies.
      await configMap.publish(configWith(b));
      await listBecomes(b);
    },
  );

  it('leaves the workers alone when the file changes but the list does not', async () => {
    await start(a, b);
    const before = router!.app.get(WorkerSet).all;

    await configMap.publish(`# only a comment is new\n${configWith(a, b)}`);

    await until(() => logs.lines.some((line) => line.endsWith('worker list unchanged')));
    expect(router!.app.get(WorkerSet).all).toBe(before);
    expect(logs.lines.filter((line) => line.includes('reloaded'))).toEqual([]);
  });

  it('answers every request 200 under steady load while reloads add and remove workers', async () => {
    await start(a, b);
    const statuses: number[] = [];
    let loading = true;
    // A request that gets no answer at all counts as status 0.
    const loop = async () => {
      while (loading)
        statuses.push(
          await send().then(
            (reply) => reply.status,
            () => 0,
          ),
        );
    };
    const loops = Array.from({ length: 4 }, loop);
    try {
      await until(() => statuses.length >= 50);
      const servedByC = c.served.length;
      await configMap.publish(configWith(a, b, c));
      await until(() => c.served.length >= servedByC + 20);

      await configMap.publish(configWith(a, c));
      await listBecomes(a, c);
      const sent = statuses.length;
      await until(() => statuses.length >= sent + 100);
    } finally {
      loading = false;
      await Promise.all(loops);
    }
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
  });

  it('stops listening for SIGHUP when the router closes', async () => {
    const before = process.listenerCount('SIGHUP');
    await start(a);
    expect(process.listenerCount('SIGHUP')).toBe(before + 1);

    await router!.close();
    router = undefined;

    expect(process.listenerCount('SIGHUP')).toBe(before);
  });
});
