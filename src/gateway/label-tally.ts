import type { Counter, Histogram } from 'prom-client';

/**
 * One leaf per label set, found through nested maps (one level per label), so a repeated
 * label set allocates nothing: the lookup both tallies below use on the hot path.
 */
class LabelLeaves<L> {
  private readonly labelNames: readonly string[];
  private readonly make: (labels: Record<string, string>) => L;
  private readonly root = new Map<string, unknown>();
  readonly all: L[] = [];

  constructor(labelNames: readonly string[], make: (labels: Record<string, string>) => L) {
    this.labelNames = labelNames;
    this.make = make;
  }

  get(values: readonly string[]): L {
    if (values.length !== this.labelNames.length) {
      throw new RangeError(
        `expected ${this.labelNames.length} label values (${this.labelNames.join(', ')}), got ${values.length}`,
      );
    }
    let level = this.root;
    const last = values.length - 1;
    for (let i = 0; i < last; i++) {
      const key = values[i] as string;
      let next = level.get(key) as Map<string, unknown> | undefined;
      if (!next) {
        next = new Map();
        level.set(key, next);
      }
      level = next;
    }
    const key = values[last] as string;
    let leaf = level.get(key) as L | undefined;
    if (!leaf) {
      leaf = this.make(Object.fromEntries(this.labelNames.map((n, i) => [n, values[i] as string])));
      level.set(key, leaf);
      this.all.push(leaf);
    }
    return leaf;
  }
}

interface CounterLeaf {
  labels: Record<string, string>;
  pending: number;
}

/**
 * Hot-path increments of a labelled prom-client Counter, kept as plain numbers and added to
 * the Counter when it is collected (prom-client calls a metric's `collect` before every
 * scrape or read). prom-client builds, hashes and validates the label set on every `inc()`;
 * the drift bins cost thirteen of those per prediction, a tenth of the gateway's CPU at ten
 * thousand cached answers a second.
 */
export class LabelTally {
  private readonly leaves: LabelLeaves<CounterLeaf>;

  constructor(labelNames: readonly string[]) {
    this.leaves = new LabelLeaves(labelNames, (labels) => ({ labels, pending: 0 }));
  }

  /** Counts one event for the label values, given in `labelNames` order. */
  inc(...values: string[]): void {
    this.leaves.get(values).pending++;
  }

  /** Adds what was counted since the last flush to the Counter. */
  flushInto(counter: Counter<string>): void {
    for (const leaf of this.leaves.all) {
      if (leaf.pending === 0) continue;
      counter.inc(leaf.labels, leaf.pending);
      leaf.pending = 0;
    }
  }
}

/** prom-client's per-label-set histogram state (lib/histogram.js, 15.x): per-bound counts, not cumulative. */
interface HistogramEntry {
  labels: Record<string, string>;
  bucketValues: Record<number, number>;
  sum: number;
  count: number;
}

interface HistogramLeaf {
  labels: Record<string, string>;
  /** Observations per bucket since the last flush; index = bucket, the last one = above every bound. */
  counts: number[];
  sum: number;
  count: number;
  entry: HistogramEntry | undefined;
}

/**
 * Hot-path observations of a labelled prom-client Histogram, kept as plain numbers and added
 * to it when it is collected, as LabelTally does for counters: `observe()` through prom-client
 * validates and hashes the label set each time (about 0.5 µs; bench request-steps), and the
 * gateway observes two or three histograms per request. prom-client has no bulk observe, so
 * the flush adds to the histogram's own per-label-set state (pinned by a test against direct
 * observes: test/unit/gateway/label-tally.test.ts).
 */
export class HistogramTally {
  private readonly bounds: readonly number[];
  private readonly leaves: LabelLeaves<HistogramLeaf>;

  constructor(labelNames: readonly string[], buckets: readonly number[]) {
    this.bounds = buckets;
    this.leaves = new LabelLeaves(labelNames, (labels) => ({
      labels,
      counts: new Array<number>(buckets.length + 1).fill(0),
      sum: 0,
      count: 0,
      entry: undefined,
    }));
  }

  /** Observes `value` for the label values, given in `labelNames` order. */
  observe(value: number, ...values: string[]): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const leaf = this.leaves.get(values);
    const bounds = this.bounds;
    let b = 0;
    while (b < bounds.length && value > (bounds[b] as number)) b++;
    leaf.counts[b] = (leaf.counts[b] as number) + 1;
    leaf.sum += value;
    leaf.count++;
  }

  /** Adds what was observed since the last flush to the Histogram (call it from its `collect`). */
  flushInto(histogram: Histogram<string>): void {
    const state = histogram as unknown as { hashMap: Record<string, HistogramEntry> };
    for (const leaf of this.leaves.all) {
      if (leaf.count === 0) continue;
      const entry = this.entryOf(histogram, state.hashMap, leaf);
      for (let b = 0; b < this.bounds.length; b++) {
        const bound = this.bounds[b] as number;
        entry.bucketValues[bound] = (entry.bucketValues[bound] ?? 0) + (leaf.counts[b] as number);
      }
      entry.sum += leaf.sum;
      entry.count += leaf.count;
      leaf.counts.fill(0);
      leaf.sum = 0;
      leaf.count = 0;
    }
  }

  /** The histogram's state for the leaf's label set: found once, created (zero) if it has none yet. */
  private entryOf(
    histogram: Histogram<string>,
    hashMap: Record<string, HistogramEntry>,
    leaf: HistogramLeaf,
  ): HistogramEntry {
    const sameLabels = (e: HistogramEntry) =>
      Object.keys(leaf.labels).every((k) => e.labels[k] === leaf.labels[k]) &&
      Object.keys(e.labels).length === Object.keys(leaf.labels).length;
    // The cached entry, unless the histogram was reset since (its state replaced).
    if (leaf.entry && Object.values(hashMap).includes(leaf.entry)) return leaf.entry;
    let entry = Object.values(hashMap).find(sameLabels);
    if (!entry) {
      histogram.zero(leaf.labels);
      entry = Object.values((histogram as unknown as { hashMap: Record<string, HistogramEntry> }).hashMap).find(
        sameLabels,
      ) as HistogramEntry;
    }
    leaf.entry = entry;
    return entry;
  }
}
