// `npm run demo`: the router with the static provider in front of two small demo sandboxes, all
// on 127.0.0.1, plus curl commands to try. Ctrl-C stops everything.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROUTER_PORT = Number(process.env.DEMO_PORT ?? 8080);
const SANDBOX_PORTS = { 'demo-1': 9001, 'demo-2': 9002 };

if (!existsSync('dist/main.js')) {
  console.log('building the router (npm run build) ...');
  const build = spawnSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

/** A toy sandbox: JSON on any path, and an SSE stream of five ticks on /events. */
function startSandbox(name, port) {
  const server = createServer((req, res) => {
    if (req.url === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      let tick = 0;
      const timer = setInterval(() => {
        tick += 1;
        res.write(`event: tick\ndata: {"sandbox":"${name}","tick":${tick}}\n\n`);
        if (tick === 5) {
          clearInterval(timer);
          res.end();
        }
      }, 500);
      req.on('close', () => clearInterval(timer));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ sandbox: name, method: req.method, path: req.url, host: req.headers.host }) +
        '\n',
    );
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

const sandboxes = await Promise.all(
  Object.entries(SANDBOX_PORTS).map(([name, port]) => startSandbox(name, port)),
);

const dir = mkdtempSync(join(tmpdir(), 'sandbox-router-demo-'));
const configFile = join(dir, 'router.yaml');
writeFileSync(
  configFile,
  [
    'routing:',
    '  strategies: [header, host]',
    '  host: {domains: [sandbox.localhost]}',
    'resolution:',
    '  providers: [static]',
    '  static:',
    '    sandboxes:',
    ...Object.entries(SANDBOX_PORTS).map(
      ([name, port]) => `      ${name}: http://127.0.0.1:${port}`,
    ),
    '',
  ].join('\n'),
);

const router = spawn(process.execPath, ['dist/main.js'], {
  stdio: 'inherit',
  env: {
    ...process.env,
    ROUTER_CONFIG: configFile,
    PORT: String(ROUTER_PORT),
    ADMIN_PORT: '0',
    ALLOW_UNAUTHENTICATED_ROUTER: '1',
  },
});

const base = `http://127.0.0.1:${ROUTER_PORT}`;
setTimeout(() => {
  console.log(`
sandbox-router demo on ${base}: sandboxes demo-1 (:9001) and demo-2 (:9002) behind it.

  # header routing (agent-sandbox dialect)
  curl -s -H 'X-Sandbox-ID: demo-1' ${base}/hello
  curl -s -H 'X-Sandbox-ID: demo-2' '${base}/any/path?q=1'

  # host routing: <sandbox-id>-<port>.<domain>
  curl -s -H 'Host: demo-2-9002.sandbox.localhost' ${base}/from-host

  # an SSE stream, flushed event by event
  curl -sN -H 'X-Sandbox-ID: demo-1' ${base}/events

  # errors are JSON with a stable code
  curl -s ${base}/no-route-key
  curl -s -H 'X-Sandbox-ID: Bad.Id' ${base}/
  curl -s -H 'X-Sandbox-ID: unknown' ${base}/

  # the router's own endpoints
  curl -s ${base}/healthz; curl -s ${base}/readyz

Ctrl-C stops the demo.`);
}, 1500);

const stop = () => {
  router.kill('SIGTERM');
  for (const server of sandboxes) server.close();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
router.on('exit', (code) => {
  for (const server of sandboxes) server.close();
  process.exit(code ?? 0);
});
