// What a router target with metrics or the access log on must show after its run: /metrics on the
// admin port, and one JSON access line per request in the file its stdout went to.
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { get } from 'node:http';
import { createInterface } from 'node:readline';

const REQUESTS_TOTAL = 'sandbox_router_requests_total';

/**
 * `count` must be about `expected` (what the clients saw finish): no fewer than 99 % of it, and
 * no more than 1 % above it plus `inFlight` (requests cut off when a client stopped, still
 * finished and counted by the router). Throws with `what` otherwise.
 */
function expectAbout(what, count, { expected, inFlight }) {
  const [low, high] = [Math.floor(expected * 0.99), Math.ceil(expected * 1.01) + inFlight];
  if (count < low || count > high) {
    throw new Error(`${what}: ${count}, not within [${low}, ${high}] for ${expected} requests`);
  }
}

/**
 * GET /metrics on the admin port must answer 200 with sandbox_router_requests_total; its sum over
 * every label set is checked like the access lines. Resolves to that sum.
 */
export async function checkMetrics(adminPort, requests) {
  const { status, body } = await getText(`http://127.0.0.1:${adminPort}/metrics`);
  if (status !== 200) throw new Error(`GET /metrics answered ${status}`);
  const samples = [...body.matchAll(new RegExp(`^${REQUESTS_TOTAL}(?:\\{.*\\})? (\\S+)$`, 'gm'))];
  if (samples.length === 0) throw new Error(`GET /metrics: no ${REQUESTS_TOTAL}`);
  const total = samples.reduce((sum, [, value]) => sum + Number(value), 0);
  expectAbout(`/metrics ${REQUESTS_TOTAL}`, total, requests);
  return total;
}

/**
 * The router's stdout file, once it has stopped (and flushed): every line JSON, and about one
 * `"msg":"access"` line per request. Resolves to the number of access lines.
 */
export async function checkAccessLog(file, requests) {
  if (statSync(file).size === 0) throw new Error(`${file} is empty`);
  let accessLines = 0;
  let number = 0;
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    number++;
    let entry;
    try {
      entry = JSON.parse(line);
    } catch {
      throw new Error(`${file}:${number} is not JSON: ${line.slice(0, 200)}`);
    }
    if (entry?.msg === 'access') accessLines++;
  }
  expectAbout('access log lines', accessLines, requests);
  return accessLines;
}

/** The last `bytes` of a file that may be large (the access log): for failure reports. */
export function tailOfFile(file, bytes = 16 * 1024) {
  const size = statSync(file, { throwIfNoEntry: false })?.size ?? 0;
  const length = Math.min(size, bytes);
  if (length === 0) return '';
  const buffer = Buffer.alloc(length);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buffer, 0, length, size - length);
  } finally {
    closeSync(fd);
  }
  return buffer.toString('utf8');
}

function getText(url) {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk) => (body += chunk));
      res.once('end', () => resolve({ status: res.statusCode, body }));
    });
    req.once('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.once('error', reject);
  });
}
