// `npm run bench`: the router against nginx, a bare undici proxy and a bare node:http proxy
// (SPEC §10), all in front of one local upstream, loaded with wrk; then the router's worker pool
// (SPEC §3.5) over three SandboxFusion-like workers against the undici proxy in front of one.
// Prints one markdown table and writes .bench/results.md.
// Env: BENCH_DURATION (s, default 10), BENCH_CONNECTIONS (50), BENCH_WARMUP (s, 5: long enough for the JIT to settle).
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { get, request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  canPin,
  cpuMs,
  ensureCommand,
  killAllNow,
  rssKib,
  stop,
  stopAll,
  tail,
} from './processes.mjs';
import { POOL_WORKERS, TARGETS, startUpstream, startWorkers } from './targets.mjs';
import { GET_BODY } from './upstream.mjs';
import { RUN_CODE_PATH, RUN_CODE_RESULT } from './worker.mjs';
import { runWrk } from './wrk.mjs';
import { measureDownload } from './download.mjs';
import { measureWsEcho } from './ws-echo.mjs';
import { renderTable } from './table.mjs';
import { measureGrpc, renderGrpcTable } from './grpc.mjs';
import { checkAccessLog, checkMetrics, tailOfFile } from './observability.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const SECONDS = positiveInteger('BENCH_DURATION', 10);
const CONNECTIONS = positiveInteger('BENCH_CONNECTIONS', 50);
const WARMUP_SECONDS = positiveInteger('BENCH_WARMUP', 5);
// Only the router reads it; the others ignore an unknown header, so every target gets it.
const HEADERS = { 'X-Sandbox-ID': 'bench' };
// Router config, nginx config, pid and logs; removed on every way out.
let dir;
// Set by Ctrl-C / SIGTERM: the run winds down quietly instead of reporting every target as failed.
let interrupted = false;

/**
 * What is measured against every target, in order. measure({ url, seconds, headers }) resolves to
 * { requests, rps, p50Ms, p99Ms, errors }. A later scenario (WebSocket echo, which wrk cannot
 * drive) appends an entry here with its own measure() and, if it needs one, its own client.
 * `finished(result)`: how many requests the router records (access line, requests_total) for
 * one run; `result.requests` unless said otherwise.
 */
const SCENARIOS = [
  {
    name: 'GET small',
    measure: ({ url, seconds, headers }) =>
      runWrk({ url, seconds, connections: CONNECTIONS, headers }),
  },
  {
    name: 'POST 4 KB',
    measure: ({ url, seconds, headers }) =>
      runWrk({
        url,
        seconds,
        connections: CONNECTIONS,
        headers,
        script: join(here, 'post-4k.lua'),
      }),
  },
  {
    // nginx and the reference proxies are configured for plain HTTP only; SPEC §10 compares the
    // router's WebSocket echo with the upstream's own (router/direct >= 0.70).
    name: 'WebSocket echo',
    targets: ['upstream (direct)', 'router'],
    measure: ({ url, seconds, headers }) =>
      measureWsEcho({ url, seconds, connections: CONNECTIONS, headers }),
    // requests counts echoed messages; the router records each WebSocket once, when it closes.
    finished: () => CONNECTIONS,
  },
  {
    // SPEC §10: router MB/s >= 0.9x the undici reference's.
    name: 'download 100 MiB',
    targets: ['upstream (direct)', 'router', 'undici reference'],
    measure: ({ url, seconds, headers }) => measureDownload({ url, seconds, headers }),
  },
  {
    // No X-Sandbox-ID: the router hands the request to its pool (round robin over three workers)
    // and rewrites the JSON answer to add router_metadata. SPEC §10 names the pool; the bench
    // holds it to >= 0.70× the undici proxy in front of one worker.
    name: 'pool POST /run_code',
    targets: ['worker (direct)', 'router (pool)', 'undici reference (worker)'],
    measure: ({ url, seconds }) =>
      runWrk({ url, seconds, connections: CONNECTIONS, script: join(here, 'run-code.lua') }),
  },
];

function positiveInteger(name, fallback) {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}

/** `npm run build` when dist/main.js is missing or older than anything under src/. */
function buildIfStale() {
  const entry = join(root, 'dist/main.js');
  const built = statSync(entry, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const sources = readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true });
  const newest = Math.max(
    // Other engineers edit src/ meanwhile: a file may be gone between the listing and the stat.
    ...sources.map(
      (file) => statSync(join(file.parentPath, file.name), { throwIfNoEntry: false })?.mtimeMs ?? 0,
    ),
  );
  if (built >= newest) return;
  console.log('dist/main.js is missing or stale: npm run build');
  const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    // tsc emits despite type errors: date the output back so the next run does not take it as fresh.
    if (existsSync(entry)) utimesSync(entry, 0, 0);
    throw new Error('npm run build failed');
  }
}

/** One plain GET through the target must come back 200 with the upstream's body. */
function smokeCheck(url, headers) {
  return new Promise((resolve, reject) => {
    const req = get(url, { headers, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk) => (body += chunk));
      res.once('end', () =>
        res.statusCode === 200 && body === GET_BODY
          ? resolve()
          : reject(
              new Error(`GET / answered ${res.statusCode} ${JSON.stringify(body.slice(0, 200))}`),
            ),
      );
    });
    req.once('timeout', () => req.destroy(new Error('GET / timed out')));
    req.once('error', reject);
  });
}

/** The body wrk's run-code.lua sends. */
const RUN_CODE_REQUEST = JSON.stringify({ code: 'print(1)', language: 'python' });

/** One POST /run_code without X-Sandbox-ID: resolves to the parsed JSON of a 200 answer. */
function runCode(url) {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(RUN_CODE_PATH, url),
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        agent: false,
        timeout: 5000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk) => (body += chunk));
        res.once('end', () => {
          const fail = () =>
            reject(
              new Error(
                `POST ${RUN_CODE_PATH} answered ${res.statusCode} ${res.headers['content-type']} ` +
                  JSON.stringify(body.slice(0, 200)),
              ),
            );
          if (res.statusCode !== 200 || !/^application\/json\b/.test(res.headers['content-type'])) {
            return fail();
          }
          try {
            resolve(JSON.parse(body));
          } catch {
            fail();
          }
        });
      },
    );
    req.once('timeout', () => req.destroy(new Error(`POST ${RUN_CODE_PATH} timed out`)));
    req.once('error', reject);
    req.end(RUN_CODE_REQUEST);
  });
}

/**
 * A pool target must answer POST /run_code with the worker's JSON; through the router each answer
 * also carries router_metadata {worker_url, attempt 1}, and round robin reaches every worker.
 */
async function runCodeCheck(url, { metadata }, workers) {
  const workerUrls = new Set(workers.map((worker) => worker.url));
  const seen = new Set();
  for (let i = 0; i < 2 * POOL_WORKERS; i++) {
    const { router_metadata: meta, ...answer } = await runCode(url);
    if (JSON.stringify(answer) !== JSON.stringify(RUN_CODE_RESULT)) {
      throw new Error(`POST ${RUN_CODE_PATH}: not the worker's answer: ${JSON.stringify(answer)}`);
    }
    if (!metadata) {
      if (meta !== undefined) throw new Error(`unexpected router_metadata ${JSON.stringify(meta)}`);
      return;
    }
    if (!workerUrls.has(meta?.worker_url?.replace(/\/$/, '')) || meta.attempt !== 1) {
      throw new Error(`POST ${RUN_CODE_PATH}: router_metadata ${JSON.stringify(meta)}`);
    }
    seen.add(meta.worker_url);
  }
  if (seen.size !== POOL_WORKERS) {
    throw new Error(`the pool reached ${[...seen].join(', ')}, not all ${POOL_WORKERS} workers`);
  }
}

/**
 * After the run of a target with `metrics` (before it stops) or `accessLog` (once stopped and
 * flushed): requests_total on /metrics and the access lines in its stdout file must about match
 * the requests the clients sent (`requests`, see observability.mjs).
 */
async function checkObservability(target, running, requests, when) {
  const found = [];
  if (when === 'running' && target.metrics) {
    found.push(`/metrics requests_total ${await checkMetrics(running.adminPort, requests)}`);
  }
  if (when === 'stopped' && target.accessLog) {
    found.push(`${await checkAccessLog(running.stdoutFile, requests)} access log lines`);
  }
  if (found.length > 0) {
    console.log(`${target.name}: ${found.join(', ')} for ${requests.expected} requests`);
  }
}

/** Starts one target, checks it routes, runs every scenario on it, stops it: a row per scenario. */
async function benchTarget(target, ctx) {
  // Scenarios without a target list are the single-upstream ones: every target but the pool's.
  const scenarios = SCENARIOS.filter(
    (scenario) =>
      (target.scenarios?.includes(scenario.name) ?? true) &&
      (scenario.targets?.includes(target.name) ?? !target.pool),
  );
  const rows = scenarios.map((scenario) => ({ target: target.name, scenario: scenario.name }));
  const fail = (failed, message) => {
    for (const row of failed) row.failure = message;
    if (interrupted) return;
    console.error(
      `${target.name} / ${failed.map((row) => row.scenario).join(', ')} FAILED: ${message}`,
    );
  };
  // What the router should have recorded: the smoke check, then every warm-up and run; each run
  // may leave up to CONNECTIONS requests in flight that the client does not count.
  const requests = { expected: 1, inFlight: 0 };
  const count = (scenario, result) => {
    requests.expected += scenario.finished?.(result) ?? result.requests;
    requests.inFlight += CONNECTIONS;
  };
  let running;
  try {
    running = await target.start(ctx);
    const url = `http://127.0.0.1:${running.port}/`;
    // A target may need credentials on every request (the router with auth on).
    const headers = { ...HEADERS, ...running.headers };
    await (target.pool ? runCodeCheck(url, target, ctx.workers) : smokeCheck(url, headers));
    for (const [index, scenario] of scenarios.entries()) {
      const row = rows[index];
      try {
        count(scenario, await scenario.measure({ url, seconds: WARMUP_SECONDS, headers }));
        const cpuBefore = target.proxy ? cpuMs(running.handle.pid) : 0;
        Object.assign(row, await scenario.measure({ url, seconds: SECONDS, headers }));
        count(scenario, row);
        if (target.proxy) {
          row.rssKib = rssKib(running.handle.pid);
          // CPU per request: what the proxy costs, whoever else the shared machine runs.
          row.cpuUsPerRequest = ((cpuMs(running.handle.pid) - cpuBefore) * 1000) / row.requests;
        }
        const { exitCode } = running.handle;
        if (exitCode !== undefined) throw new Error(`${target.name} exited (${exitCode})`);
        if (row.errors > 0) throw new Error(`${row.errors} errors in ${row.requests} requests`);
        console.log(`${target.name} / ${scenario.name}: ${Math.round(row.rps)} req/s`);
      } catch (error) {
        fail([row], error.message);
      }
    }
    // A failed run has said enough, and its client counts are incomplete.
    if (!rows.some((row) => row.failure)) {
      await checkObservability(target, running, requests, 'running').catch((error) =>
        fail(rows, error.message),
      );
    }
  } catch (error) {
    fail(rows, `did not start or route: ${error.message}`);
  } finally {
    if (running && !running.shared) await stop(running.handle);
  }
  if (running && !running.shared && !rows.some((row) => row.failure) && !interrupted) {
    await checkObservability(target, running, requests, 'stopped').catch((error) =>
      fail(rows, error.message),
    );
  }
  if (running && !running.shared && rows.some((row) => row.failure) && !interrupted) {
    // What the target itself had to say.
    console.error(tail(running.handle.output()));
    for (const file of [running.logFile, running.stdoutFile]) {
      if (file && existsSync(file)) console.error(tail(tailOfFile(file)));
    }
  }
  return rows;
}

async function main() {
  try {
    buildIfStale();
    ensureCommand('nginx', 'nginx-light');
    ensureCommand('wrk', 'wrk');
    ensureCommand('taskset', 'util-linux');
    dir = mkdtempSync(join(tmpdir(), 'sandbox-router-bench-'));
    const upstream = await startUpstream({ here });
    const workers = await startWorkers({ here });
    const rows = [];
    for (const target of TARGETS) {
      if (interrupted) break;
      rows.push(...(await benchTarget(target, { here, root, dir, upstream, workers })));
    }
    // gRPC over h2c: its own upstream, router and grpc-js load loops (grpc.mjs).
    const grpc = interrupted
      ? undefined
      : await measureGrpc({ seconds: SECONDS, concurrency: CONNECTIONS }).catch((error) => {
          console.error(`gRPC FAILED: ${error.message}`);
        });
    // A cut-short run has nothing to report and must not replace the last results.
    if (interrupted) return 130;
    const table = renderTable(rows, {
      scenarios: SCENARIOS.map((scenario) => scenario.name),
      setup:
        `wrk -t2 -c${CONNECTIONS} -d${SECONDS}s after a ${WARMUP_SECONDS} s warm-up per scenario; ` +
        (canPin()
          ? `proxy on CPU 0, wrk + upstream (and the ${POOL_WORKERS} pool workers) on CPU 1`
          : 'no CPU pinning') +
        `; node ${process.version}; ${new Date().toISOString()}`,
    });
    const report = `${table}\n${grpc ? renderGrpcTable(grpc) : '| gRPC | FAILED |\n'}`;
    console.log(`\n${report}`);
    mkdirSync(join(root, '.bench'), { recursive: true });
    writeFileSync(join(root, '.bench/results.md'), report);
    return rows.some((row) => row.failure) || !grpc ? 1 : 0;
  } finally {
    await cleanUp();
  }
}

async function cleanUp() {
  await stopAll();
  if (dir) rmSync(dir, { recursive: true, force: true });
}

// Clean up on Ctrl-C / SIGTERM too; 'exit' is the last resort for anything still running.
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
]) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${signal}: stopping every process the benchmark started`);
    cleanUp().finally(() => process.exit(code));
  });
}
process.on('exit', killAllNow);

main().then(
  (code) => (process.exitCode = code),
  (error) => {
    console.error(error.stack ?? error);
    process.exitCode = 1;
  },
);
