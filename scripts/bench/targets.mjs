// What the benchmark loads: the upstream on its own (the baseline), then the four proxies in
// front of it. start(ctx) spawns a target and resolves to { handle, port } once it listens.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

/** The built router (dist/main.js) with the static provider: X-Sandbox-ID bench -> upstream. */
async function startRouter({ root, dir, upstream }) {
  const port = await freePort();
  const config = join(dir, 'router.yaml');
  writeFileSync(
    config,
    [
      'resolution:',
      '  providers: [static]',
      '  static:',
      `    sandboxes: {bench: "http://127.0.0.1:${upstream.port}"}`,
      // 64 idle upstream sockets, like nginx's `keepalive 64` and the reference proxy.
      'proxy: {maxKeepAliveConnections: 64}',
      // The default 5 s drain delay is for load balancers; here it only slows the clean-up.
      'shutdown: {delaySeconds: 0, graceSeconds: 1}',
      '',
    ].join('\n'),
  );
  const handle = start('router', process.execPath, [join(root, 'dist/main.js')], {
    cpu: PROXY_CPU,
    cwd: root,
    env: {
      ALLOW_UNAUTHENTICATED_ROUTER: '1',
      ADMIN_PORT: '0',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      ROUTER_CONFIG: config,
    },
  });
  await waitForPort(port, handle);
  return { handle, port };
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

/** A ~40-line bare proxy script (reference-<engine>.mjs) in front of the upstream. */
const startReference =
  (engine) =>
  async ({ here, upstream }) => {
    const port = await freePort();
    const args = [join(here, `reference-${engine}.mjs`), String(port), String(upstream.port)];
    const handle = start(`${engine} reference`, process.execPath, args, { cpu: PROXY_CPU });
    await waitForPort(port, handle);
    return { handle, port };
  };

/** In run order. `proxy: false` rows have no RSS and no ratios; `shared` is not stopped after. */
export const TARGETS = [
  {
    name: 'upstream (direct)',
    proxy: false,
    start: async ({ upstream }) => ({ ...upstream, shared: true }),
  },
  { name: 'router', proxy: true, start: startRouter },
  { name: 'nginx', proxy: true, start: startNginx },
  // Node's real single-process ceiling for a proxy (SPEC §10), and the http.request one.
  { name: 'undici reference', proxy: true, start: startReference('undici') },
  { name: 'node:http reference', proxy: true, start: startReference('node') },
];
