// The WebSocket echo scenario (SPEC §10: router >= 70% of direct): closed-loop clients, each
// sending one small message and waiting for its echo before the next.
//
//   node ws-echo.mjs <ws-url> [--header "Name: value"]... [--connections 50] [--seconds 10] [--bytes 64]
//
// prints one JSON line: { messages, rps (messages/s), p50Ms, p99Ms, errors }.
// run.mjs uses measureWsEcho() (this script, spawned pinned beside the upstream) and
// upstream.mjs uses attachWsEcho() so the bench upstream echoes WebSockets too.
import { WebSocket, WebSocketServer } from 'ws';
import { start, tail } from './processes.mjs';

const CLIENT_CPU = 1;
const OPEN_TIMEOUT_MS = 10_000;

/** Makes an http.Server echo every WebSocket message as it came (text or binary). */
export function attachWsEcho(server) {
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  wss.on('connection', (ws) => {
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  return wss;
}

/** One run of this script as a child process; resolves to run.mjs's row shape. */
export async function measureWsEcho({ url, seconds, connections, headers = {}, bytes = 64 }) {
  const args = [new URL(import.meta.url).pathname, url.replace(/^http/, 'ws')];
  for (const [name, value] of Object.entries(headers)) args.push('--header', `${name}: ${value}`);
  args.push(
    '--connections',
    String(connections),
    '--seconds',
    String(seconds),
    '--bytes',
    String(bytes),
  );
  const client = start('ws-echo', process.execPath, args, { cpu: CLIENT_CPU });
  const code = await client.exited;
  const output = client.output();
  if (code !== 0) throw new Error(`ws-echo exited (${code}):\n${tail(output)}`);
  const result = JSON.parse(output.trim().split('\n').at(-1));
  return { requests: result.messages, ...result };
}

/** Opens `connections` sockets, then runs them for `seconds`; the measurement proper. */
export async function runWsEcho({ url, headers, connections, seconds, bytes }) {
  const payload = 'x'.repeat(bytes);
  const sockets = await Promise.all(Array.from({ length: connections }, () => open(url, headers)));
  const rtts = [];
  let errors = 0;
  let running = true;
  const loops = sockets.map(
    (ws) =>
      new Promise((resolve) => {
        let sentAt = 0n;
        const next = () => {
          if (!running || ws.readyState !== WebSocket.OPEN) return resolve();
          sentAt = process.hrtime.bigint();
          ws.send(payload);
        };
        ws.on('message', (data) => {
          rtts.push(Number(process.hrtime.bigint() - sentAt) / 1e6);
          if (data.length !== bytes) errors++;
          next();
        });
        ws.once('close', () => {
          if (running) errors++;
          resolve();
        });
        next();
      }),
  );
  const startedAt = process.hrtime.bigint();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  running = false;
  const elapsedS = Number(process.hrtime.bigint() - startedAt) / 1e9;
  await Promise.all(loops);
  for (const ws of sockets) ws.terminate();
  rtts.sort((a, b) => a - b);
  const at = (q) =>
    rtts.length ? rtts[Math.min(rtts.length - 1, Math.floor(q * rtts.length))] : NaN;
  return {
    messages: rtts.length,
    rps: rtts.length / elapsedS,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    errors,
  };
}

function open(url, headers) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    const timer = setTimeout(() => ws.terminate(), OPEN_TIMEOUT_MS);
    ws.once('open', () => {
      clearTimeout(timer);
      resolve(ws);
    });
    ws.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

function parseArgs(argv) {
  const options = { url: undefined, headers: {}, connections: 50, seconds: 10, bytes: 64 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--header') {
      const [name, ...value] = argv[++i].split(':');
      options.headers[name.trim()] = value.join(':').trim();
    } else if (['--connections', '--seconds', '--bytes'].includes(arg)) {
      options[arg.slice(2)] = Number(argv[++i]);
    } else options.url = arg;
  }
  if (!options.url) throw new Error('usage: ws-echo.mjs <ws-url> [--header "Name: value"]...');
  return options;
}

if (import.meta.main) {
  const result = await runWsEcho(parseArgs(process.argv.slice(2)));
  console.log(JSON.stringify(result));
}
