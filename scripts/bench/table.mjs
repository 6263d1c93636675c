// The benchmark's one markdown table: a row per scenario and target, on router rows the ratios
// SPEC §10 sets targets for, and on the `router, … off` rows their req/s over the router's.

const COLUMNS = [
  'scenario',
  'target',
  'req/s',
  'MiB/s',
  'p50 ms',
  'p99 ms',
  'proxy CPU µs/req',
  'proxy RSS MiB',
  'router/undici req/s',
  'router/node:http req/s',
  'router/nginx req/s',
  'router/undici p99',
  'router/nginx p99',
  'vs router req/s',
];

/** The router with one feature off (metrics, access log) or on (auth): compared with `router`. */
const isOnOff = (row) => row.target.startsWith('router, ');

const fixed = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : '—');
const ratio = (a, b, field) =>
  a && b && !a.failure && !b.failure ? `${(a[field] / b[field]).toFixed(2)}×` : '—';

export function renderTable(rows, { scenarios, setup }) {
  const lines = [`| ${COLUMNS.join(' | ')} |`, `|${COLUMNS.map(() => '---').join('|')}|`];
  const byScenario = scenarios.map((scenario) => rows.filter((row) => row.scenario === scenario));
  for (const group of byScenario) {
    const find = (name) => group.find((row) => row.target === name);
    // The pool scenario has its own router and undici rows, in front of the workers.
    const router = find('router') ?? find('router (pool)');
    const undici = find('undici reference') ?? find('undici reference (worker)');
    const node = find('node:http reference');
    const nginx = find('nginx');
    for (const row of group) {
      const mine = (cell) => (row === router ? cell : '');
      const cells = row.failure
        ? [row.scenario, row.target, 'FAILED', ...COLUMNS.slice(3).map(() => '—')]
        : [
            row.scenario,
            row.target,
            Math.round(row.rps),
            fixed(row.mbps, 0),
            fixed(row.p50Ms, 2),
            fixed(row.p99Ms, 2),
            fixed(row.cpuUsPerRequest, 0),
            fixed(row.rssKib / 1024, 1),
            mine(ratio(router, undici, 'rps')),
            mine(ratio(router, node, 'rps')),
            mine(ratio(router, nginx, 'rps')),
            mine(ratio(router, undici, 'p99Ms')),
            mine(ratio(router, nginx, 'p99Ms')),
            isOnOff(row) ? ratio(row, router, 'rps') : '',
          ];
      lines.push(`| ${cells.join(' | ')} |`);
    }
  }
  const notes = [
    '',
    `Setup: ${setup}.`,
    'SPEC §10 targets: router/undici req/s >= 0.85× (GET, POST) and MiB/s >= 0.90× (download), ' +
      'router/undici p99 <= 1.5×, WebSocket echo router/direct >= 0.70×; ' +
      'pool POST /run_code (router (pool) over 3 workers, router_metadata added to every answer, ' +
      'against the undici proxy in front of one worker) router/undici req/s >= 0.70×. ' +
      'CPU: user + system time of the proxy process(es) during the run, per request. ' +
      'RSS: VmRSS of the proxy and its children at the end of its run. ' +
      '`router` runs as in production: metrics on (admin listener), JSON access log on, its stdout ' +
      'to a file; `router, metrics off` (ADMIN_PORT=0) and `router, access log off` ' +
      "(ACCESS_LOG=false) each turn one off, and vs router req/s is their req/s over `router`'s: " +
      '1.04× means the feature costs about 4 % of the throughput (target: <= 1.05×). ' +
      '`router, auth on` checks a scoped token and a secure-access token on every request ' +
      '(target: >= 0.95×).',
    ...rows
      .filter((row) => row.failure)
      .map((row) => `- FAILED ${row.target} / ${row.scenario}: ${row.failure.split('\n')[0]}`),
  ];
  return `${[...lines, ...notes].join('\n')}\n`;
}
