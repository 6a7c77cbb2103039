/**
 * A scrape of a Prometheus text endpoint, as the probes see it: every sample of one
 * moment. Counters only ever grow, except when the process restarts; windows are
 * differences of two scrapes (what Prometheus' `increase` computes, without extrapolation).
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Scrape {
  /** Milliseconds on the runner's clock (monotonic within one run). */
  atMs: number;
  samples: Sample[];
}

export type LabelFilter = Record<string, string | readonly string[] | undefined>;

function matches(labels: Record<string, string>, filter: LabelFilter): boolean {
  for (const [key, want] of Object.entries(filter)) {
    if (want === undefined) continue;
    const have = labels[key];
    if (have === undefined) return false;
    if (typeof want === 'string' ? have !== want : !want.includes(have)) return false;
  }
  return true;
}

function seriesKey(s: Sample): string {
  return `${s.name}{${Object.keys(s.labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(s.labels[k])}`)
    .join(',')}}`;
}

/**
 * The increase of every series named `name` and matching `filter`, from `from` to `to`.
 * A series that went down was reset (the process restarted): its increase is its new value,
 * as Prometheus' rate() treats resets. A series new in `to` counts from zero.
 */
export function seriesIncreases(from: Scrape, to: Scrape, name: string, filter: LabelFilter = {}): Sample[] {
  const before = new Map<string, number>();
  for (const s of from.samples) if (s.name === name && matches(s.labels, filter)) before.set(seriesKey(s), s.value);
  const out: Sample[] = [];
  for (const s of to.samples) {
    if (s.name !== name || !matches(s.labels, filter)) continue;
    const prev = before.get(seriesKey(s)) ?? 0;
    out.push({ name, labels: s.labels, value: s.value >= prev ? s.value - prev : s.value });
  }
  return out;
}

/** Sum of the increases of matching series. */
export function sumIncrease(from: Scrape, to: Scrape, name: string, filter: LabelFilter = {}): number {
  return seriesIncreases(from, to, name, filter).reduce((sum, s) => sum + s.value, 0);
}

/** Increases summed per value of one label (e.g. per `le` bucket, per `served_by`). */
export function increaseBy(
  from: Scrape,
  to: Scrape,
  name: string,
  by: string,
  filter: LabelFilter = {},
): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of seriesIncreases(from, to, name, filter)) {
    const key = s.labels[by];
    if (key === undefined) continue;
    out.set(key, (out.get(key) ?? 0) + s.value);
  }
  return out;
}

/**
 * The scrape to difference against for a window ending at `to`: the latest one at least
 * `windowMs` older, or else the oldest there is (the window is then shorter; the probes
 * report the span they actually covered).
 */
export function windowStart(scrapes: readonly Scrape[], to: Scrape, windowMs: number): Scrape | undefined {
  let chosen: Scrape | undefined;
  for (const s of scrapes) {
    if (s.atMs >= to.atMs) break;
    if (to.atMs - s.atMs >= windowMs || chosen === undefined) chosen = s;
    if (to.atMs - s.atMs < windowMs) break;
  }
  return chosen;
}
