import type { Registry } from 'prom-client';

type Labels = Record<string, string>;
type Sample = { metricName?: string; labels: Labels; value: number };

/**
 * A Prometheus metric whose label sets are cells of plain numbers, made once each: a request
 * bumps a number, and the label objects and strings are built only at scrape time. (A
 * prom-client child hashes its label values on every `inc`/`observe`, a string per request.)
 * Registered on a prom-client Registry, which formats it with every other series.
 */
abstract class Family<C> {
  private readonly tree = new Map<string, Map<string, Map<string, C>>>();
  protected readonly cells: { labels: Labels; cell: C }[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  /** The cell of these label values (in `labelNames` order, up to three). */
  cell(a = '', b = '', c = ''): C {
    let byB = this.tree.get(a);
    if (!byB) this.tree.set(a, (byB = new Map()));
    let byC = byB.get(b);
    if (!byC) byB.set(b, (byC = new Map()));
    let cell = byC.get(c);
    if (!cell) {
      cell = this.create();
      byC.set(c, cell);
      const values = [a, b, c];
      const labels = Object.fromEntries(this.labelNames.map((name, i) => [name, values[i]]));
      this.cells.push({ labels, cell });
    }
    return cell;
  }

  protected abstract create(): C;
}

export class ValueCell {
  value = 0;

  inc(by = 1): void {
    this.value += by;
  }

  dec(): void {
    this.value -= 1;
  }
}

/** A counter (only ever `inc`) or a gauge. */
export class ValueFamily extends Family<ValueCell> {
  constructor(
    readonly type: 'counter' | 'gauge',
    name: string,
    help: string,
    labelNames: readonly string[],
    registry: Registry,
  ) {
    super(name, help, labelNames, registry);
  }

  protected create(): ValueCell {
    return new ValueCell();
  }

  async get() {
    const values: Sample[] = this.cells.map(({ labels, cell }) => ({ labels, value: cell.value }));
    return { name: this.name, help: this.help, type: this.type, aggregator: 'sum', values };
  }
}

export class HistogramCell {
  sum = 0;
  count = 0;
  /** Per bucket, not cumulative; the last one is +Inf. */
  readonly counts: Float64Array;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]) i++;
    this.counts[i]++;
    this.sum += value;
    this.count++;
  }
}

export class HistogramFamily extends Family<HistogramCell> {
  readonly type = 'histogram';

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    super(name, help, labelNames, registry);
  }

  protected create(): HistogramCell {
    return new HistogramCell(this.bounds);
  }

  async get() {
    const values: Sample[] = [];
    for (const { labels, cell } of this.cells) {
      let cumulative = 0;
      cell.counts.forEach((count, i) => {
        cumulative += count;
        const le = i < this.bounds.length ? String(this.bounds[i]) : '+Inf';
        values.push({
          metricName: `${this.name}_bucket`,
          labels: { ...labels, le },
          value: cumulative,
        });
      });
      values.push({ metricName: `${this.name}_sum`, labels, value: cell.sum });
      values.push({ metricName: `${this.name}_count`, labels, value: cell.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: 'sum', values };
  }
}
