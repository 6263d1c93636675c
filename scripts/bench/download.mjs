// The large-download scenario (SPEC §10: router >= 0.9x the undici reference's MB/s): one client
// downloads LARGE_PATH back to back, reading as fast as it can.
//
//   node download.mjs <url> [--header "Name: value"]... [--seconds 10]
//
// prints one JSON line: { requests (downloads), rps (downloads/s), mbps (MiB/s), p50Ms, p99Ms, errors }.
import { request } from 'node:http';
import { start, tail } from './processes.mjs';
import { LARGE_BYTES, LARGE_PATH } from './upstream.mjs';

const CLIENT_CPU = 1;

/** One run of this script as a child process pinned beside the upstream. */
export async function measureDownload({ url, seconds, headers = {} }) {
  const args = [new URL(import.meta.url).pathname, url];
  for (const [name, value] of Object.entries(headers)) args.push('--header', `${name}: ${value}`);
  args.push('--seconds', String(seconds));
  const child = start('download', process.execPath, args, { cpu: CLIENT_CPU });
  const code = await child.exited;
  if (code !== 0) throw new Error(`download exited (${code}):\n${tail(child.output())}`);
  return JSON.parse(child.output().trim().split('\n').at(-1));
}

function download(url, headers) {
  return new Promise((resolve, reject) => {
    const req = request(new URL(LARGE_PATH, url), { headers, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (chunk) => (bytes += chunk.length));
      res.once('error', reject);
      res.once('end', () =>
        res.statusCode === 200 && bytes === LARGE_BYTES
          ? resolve()
          : reject(new Error(`answered ${res.statusCode} with ${bytes} bytes`)),
      );
    });
    req.once('error', reject);
    req.end();
  });
}

async function main() {
  const [url, ...rest] = process.argv.slice(2);
  const headers = {};
  let seconds = 10;
  for (let i = 0; i < rest.length; i += 2) {
    if (rest[i] === '--header') {
      const [name, ...value] = rest[i + 1].split(':');
      headers[name.trim()] = value.join(':').trim();
    } else if (rest[i] === '--seconds') seconds = Number(rest[i + 1]);
  }
  const latencies = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  while (performance.now() < deadline) {
    const t0 = performance.now();
    try {
      await download(url, headers);
      latencies.push(performance.now() - t0);
    } catch {
      errors += 1;
    }
  }
  const elapsedS = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  console.log(
    JSON.stringify({
      requests: latencies.length,
      rps: latencies.length / elapsedS,
      mbps: (latencies.length * LARGE_BYTES) / 1024 / 1024 / elapsedS,
      p50Ms: at(0.5),
      p99Ms: at(0.99),
      errors,
    }),
  );
}

if (import.meta.main) await main();
