// Kubernetes resolution benchmark (not in CI): against a real local kube-apiserver, creates N
// ready agent-sandbox Sandboxes and measures
//   1. time for an informer to list and sync them, and heap per cached sandbox (target < 1 KiB);
//   2. watch-to-routable latency: status patch -> first routed 200 through the real router, over
//      200 sandboxes (target p99 < 100 ms).
//   3. wake latency: first request for a suspended, opted-in Sandbox -> its response head, with an
//      immediate fake controller watching for the resume patch (target p99 < 150 ms);
//   4. keep-alive cost: req/s through a router with lifecycle.keepAlive on vs off, for an opted-in
//      sandbox (target: within 3 %).
// Usage: npm run bench:k8s [-- --n 5000]   (needs `bash scripts/k8s-apiserver.sh install`; runs on dist/)
import { execFileSync } from 'node:child_process';
import { Agent, createServer, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg('n', Number(process.env.N ?? 20000));
const LATENCY_SAMPLES = arg('samples', 200);
const CONCURRENCY = 32;
const NS = 'bench';

const run = mkdtempSync(join(tmpdir(), 'k8s-bench-'));
const env = {
  ...process.env,
  K8S_RUN: run,
  K8S_PORT: '36443',
  ETCD_PORT: '32379',
  ETCD_PEER_PORT: '32380',
  K8S_NO_BUILD: '1',
};
const script = (command) =>
  execFileSync('bash', [join(ROOT, 'scripts/k8s-apiserver.sh'), command], {
    env,
    stdio: 'inherit',
  });
const kubeconfig = join(run, 'kubeconfig');
const kubectl = (...args) =>
  execFileSync('kubectl', ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8' });

if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
script('start');
try {
  kubectl('apply', '-f', join(ROOT, 'k8s/crds'));
  kubectl('wait', '--for', 'condition=Established', 'crd', '--all', '--timeout=60s');
  kubectl('create', 'namespace', NS);
  await main();
} finally {
  script('stop');
}

async function main() {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const config = new KubeConfig();
  config.loadFromFile(kubeconfig);
  const api = apiClient(config);

  const created = Date.now();
  await pool(N, async (i) => {
    await api(
      'POST',
      `/apis/agents.x-k8s.io/v1beta1/namespaces/${NS}/sandboxes`,
      sandbox(`sbx-${i}`),
    );
    await api('PATCH', statusPath(`sbx-${i}`), { status: readyStatus(`sbx-${i}`) });
  });
  const createSeconds = (Date.now() - created) / 1000;

  // 1. List + sync into the compact index, no Nest around it.
  const { KubeClient } = await import(join(ROOT, 'dist/modules/kubernetes/kube.client.js'));
  const { InformerRegistry } = await import(
    join(ROOT, 'dist/modules/kubernetes/informer.registry.js')
  );
  const { AgentSandboxResolver } = await import(
    join(ROOT, 'dist/modules/resolution/agent-sandbox.resolver.js')
  );
  const resolution = {
    kubernetes: { namespaces: [] },
    agentSandbox: { version: 'v1beta1', target: 'serviceFQDN' },
  };
  const informers = new InformerRegistry(new KubeClient(config));
  const heapBefore = heap();
  const resolver = new AgentSandboxResolver(informers, { resolution, readyWaitMs: 0 });
  const syncStart = performance.now();
  informers.onApplicationBootstrap();
  while (informers.unsynced().length) await new Promise((r) => setTimeout(r, 5));
  const syncMs = performance.now() - syncStart;
  const cached = resolver.index.size;
  const heapAfter = heap();
  await informers.beforeApplicationShutdown();

  // 2. Watch-to-routable through the real router.
  const latencies = await watchToRoutable(api);
  // 3. and 4. Wake on traffic and keep-alive (lifecycle/).
  const wakes = await wakeLatency(api, config);
  const keepAlive = await keepAliveCost(api);

  const bytesPerSandbox = (heapAfter - heapBefore) / cached;
  const p = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  const rows = [
    [
      'sandboxes created',
      `${N} (${createSeconds.toFixed(1)} s, ${(N / createSeconds).toFixed(0)}/s)`,
      '',
    ],
    ['list + sync', `${syncMs.toFixed(0)} ms for ${cached}`, ''],
    [
      'heap per cached sandbox',
      `${bytesPerSandbox.toFixed(0)} B`,
      `< 1024 B ${bytesPerSandbox < 1024 ? 'ok' : 'MISSED'}`,
    ],
    ['watch-to-routable p50', `${p(0.5).toFixed(1)} ms`, ''],
    [
      'watch-to-routable p99',
      `${p(0.99).toFixed(1)} ms`,
      `< 100 ms ${p(0.99) < 100 ? 'ok' : 'MISSED'}`,
    ],
    ['wake p50', `${quantile(wakes, 0.5).toFixed(1)} ms`, ''],
    [
      'wake p99',
      `${quantile(wakes, 0.99).toFixed(1)} ms`,
      `< 150 ms ${quantile(wakes, 0.99) < 150 ? 'ok' : 'MISSED'}`,
    ],
    [
      'req/s keep-alive off / on',
      `${keepAlive.off.toFixed(0)} / ${keepAlive.on.toFixed(0)}`,
      `within 3 % ${keepAlive.on >= keepAlive.off * 0.97 ? 'ok' : 'MISSED'}`,
    ],
  ];
  console.log(`\n| metric | value | target |\n|---|---|---|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

/** The real router (dist/) on 127.0.0.1:0, with `extra` config, every cluster name -> 127.0.0.1. */
/**
 * The real router (dist/) on 127.0.0.1:0, every cluster name -> 127.0.0.1. The process reads its
 * config file once, so each router's `lifecycle` block is swapped in as its config namespace.
 */
async function startRouter(lifecycle = {}) {
  const file = join(run, 'router.yaml');
  writeFileSync(
    file,
    JSON.stringify({
      logLevel: 'off',
      adminPort: 0,
      accessLog: false,
      auth: { allowUnauthenticated: true },
      resolution: { providers: ['agent-sandbox'], kubernetes: { namespaces: [NS], kubeconfig } },
    }),
  );
  process.env.ROUTER_CONFIG = file;
  const { Test } = await import('@nestjs/testing');
  const { AppModule } = await import(join(ROOT, 'dist/app.module.js'));
  const { http } = await import(join(ROOT, 'dist/http.adapter.js'));
  const { UPSTREAM_LOOKUP } = await import(join(ROOT, 'dist/modules/proxy/upstream.lookup.js'));
  const { lifecycleConfig } = await import(join(ROOT, 'dist/modules/config/router.config.js'));
  const { routerConfigSchema } = await import(join(ROOT, 'dist/modules/config/config.schema.js'));
  const slice = routerConfigSchema.parse({ auth: { allowUnauthenticated: true }, lifecycle });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
    .overrideProvider(lifecycleConfig.KEY)
    .useValue(slice.lifecycle)
    .overrideProvider(UPSTREAM_LOOKUP)
    .useValue({ lookup: async () => '127.0.0.1' }) // cluster names -> the local upstream
    .compile();
  const app = moduleRef.createNestApplication(http(), { logger: false });
  await app.listen(0, '127.0.0.1');
  const port = app.getHttpServer().address().port;
  while ((await get(port, '/readyz', {})) !== 200) await new Promise((r) => setTimeout(r, 20));
  return { app, port };
}

async function startUpstream() {
  const upstream = createServer((req, res) => res.end('ok'));
  await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
  return upstream;
}

function routeHeaders(upstream) {
  return (id) => ({
    'x-sandbox-id': id,
    'x-sandbox-namespace': NS,
    'x-sandbox-port': String(upstream.address().port),
  });
}

async function watchToRoutable(api) {
  const upstream = await startUpstream();
  const { app, port } = await startRouter();
  const headers = routeHeaders(upstream);

  for (let i = 0; i < LATENCY_SAMPLES; i++)
    await api(
      'POST',
      `/apis/agents.x-k8s.io/v1beta1/namespaces/${NS}/sandboxes`,
      sandbox(`lat-${i}`),
    );
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    while ((await get(port, '/', headers(`lat-${i}`))) !== 503)
      await new Promise((r) => setTimeout(r, 1));
  }
  const latencies = [];
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const start = performance.now();
    await api('PATCH', statusPath(`lat-${i}`), { status: readyStatus(`lat-${i}`) });
    while ((await get(port, '/', headers(`lat-${i}`))) !== 200);
    latencies.push(performance.now() - start);
  }
  await app.close();
  await new Promise((r) => upstream.close(r));
  return latencies.sort((a, b) => a - b);
}

/**
 * Wake latency: a suspended, opted-in Sandbox per sample; a fake controller watches the namespace
 * and writes the ready status the moment it sees the resume patch; the time is from sending the
 * first request to its response head.
 */
async function wakeLatency(api, config) {
  const upstream = await startUpstream();
  const { app, port } = await startRouter({ wake: { enabled: true } });
  const headers = routeHeaders(upstream);
  const { KubeClient } = await import(join(ROOT, 'dist/modules/kubernetes/kube.client.js'));
  const controller = new globalThis.AbortController();
  const resumed = new Set();
  const watching = new KubeClient(config)
    .watch(
      `/apis/agents.x-k8s.io/v1beta1/namespaces/${NS}/sandboxes`,
      { labelSelector: 'bench=wake' },
      ({ object }) => {
        const name = object.metadata?.name;
        if (object.spec?.operatingMode !== 'Running' || resumed.has(name)) return;
        resumed.add(name);
        const status = readyStatus(name);
        status.conditions[0].observedGeneration = object.metadata.generation;
        void api('PATCH', statusPath(name), { status });
      },
      controller.signal,
    )
    .catch(() => undefined);
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const name = `wake-${i}`;
    await api('POST', `/apis/agents.x-k8s.io/v1beta1/namespaces/${NS}/sandboxes`, {
      ...sandbox(name),
      metadata: {
        name,
        namespace: NS,
        labels: { bench: 'wake' },
        annotations: { 'sandbox-router.io/wake-on-traffic': 'true' },
      },
      spec: { operatingMode: 'Suspended' },
    });
    await api('PATCH', statusPath(name), {
      status: {
        conditions: [
          { type: 'Ready', status: 'False', reason: 'SandboxSuspended', observedGeneration: 1 },
        ],
      },
    });
  }
  // Wait until the router's cache holds the last one as suspended (the watch is in order).
  const { SANDBOX_RESOLVER } = await import(
    join(ROOT, 'dist/modules/resolution/resolution.constants.js')
  );
  const index = app.get(SANDBOX_RESOLVER).providers[0].index;
  while (index.get(NS, `wake-${LATENCY_SAMPLES - 1}`)?.lifecycle?.suspended !== true)
    await new Promise((r) => setTimeout(r, 20));
  const latencies = [];
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const start = performance.now();
    const status = await get(port, '/', headers(`wake-${i}`));
    if (status !== 200) throw new Error(`wake-${i}: ${status}`);
    latencies.push(performance.now() - start);
  }
  controller.abort();
  await watching;
  await app.close();
  await new Promise((r) => upstream.close(r));
  return latencies.sort((a, b) => a - b);
}

/**
 * Keep-alive cost: one opted-in sandbox with an expiry, two routers (keep-alive off, on), a
 * closed loop of 50 keep-alive connections per round; rounds alternate, the best of each counts.
 */
async function keepAliveCost(api) {
  const upstream = await startUpstream();
  const name = 'kept';
  await api('POST', `/apis/agents.x-k8s.io/v1beta1/namespaces/${NS}/sandboxes`, {
    ...sandbox(name),
    metadata: {
      name,
      namespace: NS,
      annotations: { 'sandbox-router.io/keepalive-extend-seconds': '3600' },
    },
    spec: { shutdownTime: new Date(Date.now() + 60_000).toISOString().replace(/\.\d+Z$/, 'Z') },
  });
  await api('PATCH', statusPath(name), { status: readyStatus(name) });
  const off = await startRouter();
  const on = await startRouter({ keepAlive: { enabled: true } });
  const headers = routeHeaders(upstream)(name);
  const best = { off: 0, on: 0 };
  for (let round = 0; round < 5; round++) {
    for (const [mode, router] of [
      ['off', off],
      ['on', on],
    ]) {
      best[mode] = Math.max(best[mode], await requestsPerSecond(router.port, headers));
    }
  }
  await off.app.close();
  await on.app.close();
  await new Promise((r) => upstream.close(r));
  return best;
}

async function requestsPerSecond(port, headers, seconds = 3, connections = 50) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const end = performance.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        await get(port, '/', headers, agent);
        done++;
      }
    }),
  );
  agent.destroy();
  return done / seconds;
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function get(port, path, headers, agent = undefined) {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end();
  });
}

function apiClient(config) {
  const server = new URL(config.getCurrentCluster().server);
  return async (method, path, body) => {
    const options = {
      method,
      headers: {
        'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
      },
    };
    await config.applyToHTTPSOptions(options);
    return new Promise((resolve, reject) => {
      const req = httpsRequest(new URL(path, server), options, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          res.statusCode < 300
            ? resolve()
            : reject(new Error(`${method} ${path}: ${res.statusCode} ${Buffer.concat(chunks)}`)),
        );
      });
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  };
}

async function pool(count, task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

function heap() {
  for (let i = 0; i < 4; i++) globalThis.gc();
  return process.memoryUsage().heapUsed;
}

function sandbox(name) {
  return {
    apiVersion: 'agents.x-k8s.io/v1beta1',
    kind: 'Sandbox',
    metadata: { name, namespace: NS },
    spec: {},
  };
}

function statusPath(name) {
  return `/apis/agents.x-k8s.io/v1beta1/namespaces/${NS}/sandboxes/${name}/status`;
}

function readyStatus(name) {
  return {
    serviceFQDN: `${name}.${NS}.svc.cluster.local`,
    conditions: [{ type: 'Ready', status: 'True', reason: 'DependenciesReady' }],
  };
}
