// The benchmark's one markdown table: a row per scenario and target, and on router rows the
// ratios SPEC §10 sets targets for.

const COLUMNS = [
  'scenario',
  'target',
  'req/s',
  'p50 ms',
  'p99 ms',
  'proxy RSS MiB',
  'router/reference req/s',
  'router/nginx req/s',
  'router/nginx p99',
];

const fixed = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : '—');
const ratio = (a, b) =>
  a && b && !a.failure && !b.failure ? `${(a.value / b.value).toFixed(2)}×` : '—';

export function renderTable(rows, { scenarios, setup }) {
  const lines = [`| ${COLUMNS.join(' | ')} |`, `|${COLUMNS.map(() => '---').join('|')}|`];
  const byScenario = scenarios.map((scenario) => rows.filter((row) => row.scenario === scenario));
  for (const group of byScenario) {
    const find = (name) => group.find((row) => row.target === name);
    const [router, reference, nginx] = [find('router'), find('reference'), find('nginx')];
    const rps = (row) => row && { value: row.rps, failure: row.failure };
    const p99 = (row) => row && { value: row.p99Ms, failure: row.failure };
    for (const row of group) {
      const isRouter = row === router;
      const cells = row.failure
        ? [row.scenario, row.target, 'FAILED', '—', '—', '—', '—', '—', '—']
        : [
            row.scenario,
            row.target,
            Math.round(row.rps),
            fixed(row.p50Ms, 2),
            fixed(row.p99Ms, 2),
            fixed(row.rssKib / 1024, 1),
            isRouter ? ratio(rps(router), rps(reference)) : '',
            isRouter ? ratio(rps(router), rps(nginx)) : '',
            isRouter ? ratio(p99(router), p99(nginx)) : '',
          ];
      lines.push(`| ${cells.join(' | ')} |`);
    }
  }
  const notes = [
    '',
    `Setup: ${setup}.`,
    'SPEC §10 targets: router/reference req/s >= 0.90×, router/nginx req/s >= 0.40×, ' +
      'router/nginx p99 <= 2×. RSS: VmRSS of the proxy and its children at the end of its run.',
    ...rows
      .filter((row) => row.failure)
      .map((row) => `- FAILED ${row.target} / ${row.scenario}: ${row.failure.split('\n')[0]}`),
  ];
  return `${[...lines, ...notes].join('\n')}\n`;
}
