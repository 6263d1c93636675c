// The gRPC scenario: unary calls per second and server-streaming messages per second, through
// the router (h2c on its main port) and direct to a grpc-js upstream. Each leg is a child process:
// the upstream, the router (dist/main.js, static provider) and one grpc-js load loop per row.
//
//   node scripts/bench/grpc.mjs            # the whole comparison, a markdown table
//   node scripts/bench/grpc.mjs upstream <port>
//   node scripts/bench/grpc.mjs load <host:port> <unary|stream> <seconds> <concurrency> [sandbox]
//
// Env: BENCH_DURATION (s, default 10), BENCH_CONNECTIONS (concurrent calls, 50).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { freePort, start, stopAll, tail, waitForPort } from './processes.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const bytes = (buffer) => buffer;
const method = (name, responseStream) => ({
  path: `/bench.Echo/${name}`,
  requestStream: false,
  responseStream,
  requestSerialize: bytes,
  requestDeserialize: bytes,
  responseSerialize: bytes,
  responseDeserialize: bytes,
});
const SERVICE = { unary: method('Unary', false), stream: method('Stream', true) };
const MESSAGE = Buffer.alloc(64, 120);
// As in run.mjs: the proxy alone on CPU 0; the load and the upstream share CPU 1.
const UPSTREAM_CPU = 1;
const PROXY_CPU = 0;
const CLIENT_CPU = 1;

/** Unary echoes; Stream writes 64-byte messages as fast as flow control lets it, until cancelled. */
async function serveUpstream(port) {
  const server = new grpc.Server();
  server.addService(SERVICE, {
    unary: (call, done) => done(null, call.request),
    stream: (call) => {
      let open = true;
      call.on('cancelled', () => (open = false));
      const pump = () => {
        while (open && call.write(MESSAGE));
        if (open) call.once('drain', pump);
      };
      pump();
    },
  });
  await new Promise((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error) =>
      error ? reject(error) : resolve(),
    ),
  );
}

/** `concurrency` closed loops for `seconds`; prints { calls, rate, errors } as one JSON line. */
async function load(address, kind, seconds, concurrency, sandbox) {
  const Client = grpc.makeGenericClientConstructor(SERVICE, 'Echo');
  const client = new Client(address, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  if (sandbox) metadata.set('x-sandbox-id', sandbox);
  let count = 0;
  let errors = 0;
  const endAt = Date.now() + seconds * 1000;
  const unaryLoop = async () => {
    while (Date.now() < endAt) {
      await new Promise((resolve) =>
        client.makeUnaryRequest(SERVICE.unary.path, bytes, bytes, MESSAGE, metadata, (error) => {
          if (error) errors++;
          else count++;
          resolve();
        }),
      );
    }
  };
  const streamLoop = () =>
    new Promise((resolve) => {
      const call = client.makeServerStreamRequest(
        SERVICE.stream.path,
        bytes,
        bytes,
        MESSAGE,
        metadata,
      );
      call.on('data', () => count++);
      call.on('error', (error) => {
        if (error.code !== grpc.status.CANCELLED) errors++;
      });
      call.on('close', resolve);
      setTimeout(() => call.cancel(), endAt - Date.now());
    });
  const loop = kind === 'unary' ? unaryLoop : streamLoop;
  await Promise.all(Array.from({ length: concurrency }, loop));
  client.close();
  console.log(JSON.stringify({ calls: count, rate: Math.round(count / seconds), errors }));
}

async function measure(address, kind, sandbox, { seconds, concurrency }) {
  const args = [fileURLToPath(import.meta.url), 'load', address, kind, String(seconds)];
  args.push(String(concurrency), ...(sandbox ? [sandbox] : []));
  const client = start(`grpc ${kind}`, process.execPath, args, { cpu: CLIENT_CPU, cwd: root });
  const code = await client.exited;
  if (code !== 0) throw new Error(`grpc load exited (${code}):\n${tail(client.output())}`);
  return JSON.parse(client.output().trim().split('\n').at(-1));
}

/** Rows for the table: unary calls/s and streamed messages/s, direct and through the router. */
export async function measureGrpc({ seconds, concurrency }) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-grpc-'));
  try {
    const upstreamPort = await freePort();
    const self = fileURLToPath(import.meta.url);
    const upstream = start(
      'grpc upstream',
      process.execPath,
      [self, 'upstream', String(upstreamPort)],
      {
        cpu: UPSTREAM_CPU,
        cwd: root,
      },
    );
    await waitForPort(upstreamPort, upstream);
    const routerPort = await freePort();
    const config = join(dir, 'router.yaml');
    writeFileSync(
      config,
      [
        'resolution:',
        '  providers: [static]',
        `  static: {sandboxes: {bench: "http://127.0.0.1:${upstreamPort}"}}`,
        'shutdown: {delaySeconds: 0, graceSeconds: 1}',
        '',
      ].join('\n'),
    );
    const router = start('router', process.execPath, [join(root, 'dist/main.js')], {
      cpu: PROXY_CPU,
      cwd: root,
      env: {
        ALLOW_UNAUTHENTICATED_ROUTER: '1',
        PORT: String(routerPort),
        ADMIN_PORT: '0',
        ACCESS_LOG: 'false',
        ROUTER_CONFIG: config,
      },
    });
    await waitForPort(routerPort, router);
    const rows = [];
    for (const kind of ['unary', 'stream']) {
      const direct = await measure(`127.0.0.1:${upstreamPort}`, kind, undefined, {
        seconds,
        concurrency,
      });
      const routed = await measure(`127.0.0.1:${routerPort}`, kind, 'bench', {
        seconds,
        concurrency,
      });
      rows.push({ kind, direct, routed, ratio: routed.rate / direct.rate });
    }
    return rows;
  } finally {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

const [role, ...args] = process.argv.slice(2);
if (role === 'upstream') {
  await serveUpstream(Number(args[0]));
} else if (role === 'load') {
  const [address, kind, seconds, concurrency, sandbox] = args;
  await load(address, kind, Number(seconds), Number(concurrency), sandbox);
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const seconds = Number(process.env.BENCH_DURATION ?? 10);
  const concurrency = Number(process.env.BENCH_CONNECTIONS ?? 50);
  console.log(renderGrpcTable(await measureGrpc({ seconds, concurrency })));
}

/** The rows of measureGrpc as a markdown table (SPEC §10 / issue 13: unary >= 0.6× direct). */
export function renderGrpcTable(rows) {
  const lines = [
    '| gRPC | direct /s | router /s | router/direct | errors |',
    '|---|---|---|---|---|',
  ];
  for (const { kind, direct, routed, ratio } of rows) {
    const name = kind === 'unary' ? 'unary calls' : 'server-streaming messages';
    lines.push(
      `| ${name} | ${direct.rate} | ${routed.rate} | ${ratio.toFixed(2)}× | ${direct.errors + routed.errors} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
