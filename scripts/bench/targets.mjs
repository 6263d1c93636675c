// What the benchmark loads: the upstream on its own (the baseline), then the four proxies in
// front of it; then, for the pool scenario, one SandboxFusion-like worker on its own, the router
// with a pool of three and the undici proxy in front of one worker. start(ctx) spawns a target and
// resolves to { handle, port } once it listens (the pool router: once /readyz answers 200).
import { createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, start, waitForPort } from './processes.mjs';

const PROXY_CPU = 0;
const UPSTREAM_CPU = 1;

/** The shared upstream; every target, the baseline included, ends up here. */
export async function startUpstream({ here }) {
  const port = await freePort();
  const handle = start('upstream', process.execPath, [join(here, 'upstream.mjs'), String(port)], {
    cpu: UPSTREAM_CPU,
  });
  await waitForPort(port, handle);
  return { handle, port };
}

export const POOL_WORKERS = 3;

/** The pool's workers (worker.mjs), shared like the upstream and pinned beside it. */
export function startWorkers({ here }) {
  return Promise.all(
    Array.from({ length: POOL_WORKERS }, async (_, index) => {
      const port = await freePort();
      const args = [join(here, 'worker.mjs'), String(port)];
      const handle = start(`worker ${index + 1}`, process.execPath, args, { cpu: UPSTREAM_CPU });
      await waitForPort(port, handle);
      return { handle, port, url: `http://127.0.0.1:${port}` };
    }),
  );
}

/**
 * dist/main.js on PROXY_CPU with the YAML `lines` as its config file `dir/<file>`, `env` on top of
 * what every router gets; `stdoutFile`: its stdout (the access log) goes to that file.
 */
async function launchRouter(name, { root, dir }, file, lines, { env, stdoutFile } = {}) {
  const port = await freePort();
  const config = join(dir, file);
  writeFileSync(config, [...lines, ''].join('\n'));
  const handle = start(name, process.execPath, [join(root, 'dist/main.js')], {
    cpu: PROXY_CPU,
    cwd: root,
    env: {
      ALLOW_UNAUTHENTICATED_ROUTER: '1',
      PORT: String(port),
      ROUTER_CONFIG: config,
      ...env,
    },
    stdoutFile,
  });
  await waitForPort(port, handle);
  return { handle, port };
}

/**
 * The built router (dist/main.js) with the static provider: X-Sandbox-ID bench -> upstream, and
 * otherwise production defaults: `metrics` on a free admin port (ADMIN_PORT=0 when off, which
 * also stops recording them), `accessLog` (ACCESS_LOG=false when off), LOG_LEVEL unset (info).
 * `auth`: scoped tokens on, and the sandbox secure (SPEC §9); the target then names the headers
 * every request carries. Its stdout goes to a file in `dir`, so the access log costs what writing
 * a file costs.
 */
const startRouter =
  (name, { metrics, accessLog, auth }) =>
  async ({ root, dir, upstream }) => {
    const adminPort = metrics ? await freePort() : 0;
    const stdoutFile = join(dir, `${name.replace(/\W+/g, '-')}.stdout.log`);
    const bench = `http://127.0.0.1:${upstream.port}`;
    const running = await launchRouter(
      name,
      { root, dir },
      'router.yaml',
      [
        'resolution:',
        '  providers: [static]',
        '  static:',
        auth
          ? `    sandboxes: {bench: {url: "${bench}", secureAccessToken: "${SECURE_ACCESS_TOKEN}"}}`
          : `    sandboxes: {bench: "${bench}"}`,
        ...(auth
          ? ['auth:', '  mode: scoped-token', `  scopedTokenSecret: "${SCOPED_SECRET}"`]
          : []),
        // 64 idle upstream sockets, like nginx's `keepalive 64` and the reference proxy.
        'proxy: {maxKeepAliveConnections: 64}',
        // The default 5 s drain delay is for load balancers; here it only slows the clean-up.
        'shutdown: {delaySeconds: 0, graceSeconds: 1}',
      ],
      {
        env: { ADMIN_PORT: String(adminPort), ...(accessLog ? {} : { ACCESS_LOG: 'false' }) },
        stdoutFile,
      },
    );
    const headers = auth
      ? {
          Authorization: `Bearer ${scopedToken({ ns: 'default', name: 'bench' })}`,
          'OpenSandbox-Secure-Access': SECURE_ACCESS_TOKEN,
        }
      : {};
    return { ...running, adminPort, stdoutFile, headers };
  };

const SCOPED_SECRET = 'bench-scoped-token-secret-of-at-least-32-bytes';
const SECURE_ACCESS_TOKEN = 'bench-secure-access-token';

/** An agent-sandbox scoped token (SPEC §9) for one sandbox, valid for a day. */
function scopedToken({ ns, name }) {
  const exp = Math.floor(Date.now() / 1000) + 86_400;
  const payload = Buffer.from(JSON.stringify({ ns, name, exp })).toString('base64url');
  const sig = createHmac('sha256', SCOPED_SECRET)
    .update(`agent-sandbox/scoped-token/v1.${payload}`)
    .digest('base64url');
  return `v1.${payload}.${sig}`;
}

/**
 * The router with `pool.workers` = the three workers (round robin, the default): requests without
 * X-Sandbox-ID go to the pool. Measured only once /readyz says the first health round is done.
 */
async function startPoolRouter({ root, dir, workers }) {
  const running = await launchRouter(
    'router (pool)',
    { root, dir },
    'router-pool.yaml',
    [
      'resolution: {providers: [static]}',
      'pool:',
      `  workers: [${workers.map((worker) => `{url: "${worker.url}"}`).join(', ')}]`,
      // 64 idle sockets per worker, as the single-upstream router keeps.
      'proxy: {maxKeepAliveConnections: 64}',
      'shutdown: {delaySeconds: 0, graceSeconds: 1}',
    ],
    { env: { ADMIN_PORT: '0', LOG_LEVEL: 'warn' } },
  );
  await waitForReady(running.port, running.handle);
  return running;
}

/** One GET: resolves to { status, body }. */
function getText(url) {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk) => (body += chunk));
      res.once('end', () => resolve({ status: res.statusCode, body }));
    });
    req.once('timeout', () => req.destroy(new Error('timed out')));
    req.once('error', reject);
  });
}

/** Polls GET /readyz until it answers 200; fails early if the router exits. */
async function waitForReady(port, handle, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (handle.exitCode !== undefined) {
      throw new Error(`${handle.name} exited (${handle.exitCode})`);
    }
    try {
      const res = await getText(`http://127.0.0.1:${port}/readyz`);
      last = `${res.status} ${res.body.slice(0, 200)}`;
      if (res.status === 200) return;
    } catch (error) {
      last = error.message;
    }
    await sleep(100);
  }
  throw new Error(`${handle.name} not ready within ${timeoutMs} ms: GET /readyz ${last}`);
}

/** nginx from nginx.conf.template, in the foreground, everything it writes kept in `dir`. */
async function startNginx({ here, dir, upstream }) {
  const port = await freePort();
  const values = { dir, port, upstreamPort: upstream.port };
  const template = readFileSync(join(here, 'nginx.conf.template'), 'utf8');
  const config = join(dir, 'nginx.conf');
  writeFileSync(
    config,
    template.replace(/\{\{(\w+)\}\}/g, (_, key) => String(values[key])),
  );
  // -e: the log used before the config is read would otherwise be /var/log/nginx/error.log.
  const args = ['-p', `${dir}/`, '-c', config, '-e', join(dir, 'error.log')];
  const handle = start('nginx', 'nginx', args, { cpu: PROXY_CPU });
  await waitForPort(port, handle);
  return { handle, port, logFile: join(dir, 'error.log') };
}

/** A ~40-line bare proxy script (reference-<engine>.mjs) in front of the upstream (or `backend`). */
const startReference =
  (engine, name = `${engine} reference`, backend = ({ upstream }) => upstream) =>
  async (ctx) => {
    const port = await freePort();
    const args = [
      join(ctx.here, `reference-${engine}.mjs`),
      String(port),
      String(backend(ctx).port),
    ];
    const handle = start(name, process.execPath, args, { cpu: PROXY_CPU });
    await waitForPort(port, handle);
    return { handle, port };
  };

/** The scenarios the `router, … off` targets run: the per-request cost shows in them. */
const ON_OFF_SCENARIOS = ['GET small', 'POST 4 KB'];

const routerTarget = (name, features, scenarios) => ({
  name,
  proxy: true,
  ...features,
  scenarios,
  start: startRouter(name, features),
});

/**
 * In run order. `proxy: false` rows have no RSS and no ratios; `shared` is not stopped after.
 * `pool` targets front the workers: only scenarios that name them run there, checked with
 * POST /run_code (`metadata`: the answer must carry the router's router_metadata).
 * `scenarios`: only these run on the target. `metrics` / `accessLog`: after its run, /metrics on
 * the admin port and the access lines in its stdout file are checked against the requests sent.
 * The two `router, … off` targets run right after `router`, for the on/off comparison.
 */
export const TARGETS = [
  {
    name: 'upstream (direct)',
    proxy: false,
    start: async ({ upstream }) => ({ ...upstream, shared: true }),
  },
  routerTarget('router', { metrics: true, accessLog: true }),
  routerTarget('router, metrics off', { metrics: false, accessLog: true }, ON_OFF_SCENARIOS),
  routerTarget('router, access log off', { metrics: true, accessLog: false }, ON_OFF_SCENARIOS),
  // Against `router`: the cost of checking a scoped token and a secure-access token per request.
  routerTarget('router, auth on', { metrics: true, accessLog: true, auth: true }, ON_OFF_SCENARIOS),
  { name: 'nginx', proxy: true, start: startNginx },
  // Node's real single-process ceiling for a proxy (SPEC §10), and the http.request one.
  { name: 'undici reference', proxy: true, start: startReference('undici') },
  { name: 'node:http reference', proxy: true, start: startReference('node') },
  {
    name: 'worker (direct)',
    proxy: false,
    pool: true,
    start: async ({ workers }) => ({ ...workers[0], shared: true }),
  },
  { name: 'router (pool)', proxy: true, pool: true, metadata: true, start: startPoolRouter },
  {
    name: 'undici reference (worker)',
    proxy: true,
    pool: true,
    start: startReference('undici', 'undici reference (worker)', ({ workers }) => workers[0]),
  },
];
