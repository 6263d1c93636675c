// Runs wrk (pinned beside the upstream) and reads its `--latency` report.
import { start, tail } from './processes.mjs';

const THREADS = 2;
const WRK_CPU = 1;

/**
 * One wrk run against `url`. Resolves to { requests, rps, p50Ms, p99Ms, errors } where errors
 * counts non-2xx/3xx answers and socket errors (connect, read, write, timeout).
 */
export async function runWrk({ url, seconds, connections, headers = {}, script }) {
  const args = [
    '--latency',
    '-t',
    String(Math.min(THREADS, connections)),
    '-c',
    String(connections),
  ];
  args.push('-d', `${seconds}s`);
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  if (script) args.push('-s', script);
  const wrk = start('wrk', 'wrk', [...args, url], { cpu: WRK_CPU });
  const code = await wrk.exited;
  if (code !== 0) throw new Error(`wrk exited (${code}):\n${tail(wrk.output())}`);
  return parseWrk(wrk.output());
}

const MS_PER_UNIT = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseWrk(text) {
  const number = (pattern) => {
    const match = pattern.exec(text);
    if (!match) throw new Error(`wrk output without ${pattern}:\n${text}`);
    return Number(match[1]);
  };
  const latencyMs = (percent) => {
    const match = new RegExp(`^\\s*${percent}%\\s+([\\d.]+)(us|ms|s|m|h)\\s*$`, 'm').exec(text);
    if (!match) throw new Error(`wrk output without a ${percent}% latency:\n${text}`);
    return Number(match[1]) * MS_PER_UNIT[match[2]];
  };
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const socketErrors = socket ? socket.slice(1).reduce((sum, count) => sum + Number(count), 0) : 0;
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  return {
    requests: number(/(\d+) requests in/),
    rps: number(/Requests\/sec:\s+([\d.]+)/),
    p50Ms: latencyMs(50),
    p99Ms: latencyMs(99),
    errors: socketErrors + Number(non2xx?.[1] ?? 0),
  };
}
