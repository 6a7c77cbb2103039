/**
 * Axis scales shared by every chart we draw (the game-day report and the dashboard
 * previews): round steps and tick values a reader takes in at a glance.
 */

/** 1, 2, 2.5 or 5 times a power of ten: axis steps people read at a glance. */
export function niceStep(rough: number): number {
  if (!(rough > 0) || !Number.isFinite(rough)) return 1;
  const power = 10 ** Math.floor(Math.log10(rough));
  for (const m of [1, 2, 2.5, 5, 10]) if (rough <= m * power) return m * power;
  return 10 * power;
}

/**
 * About `count` round tick values whose first is <= min and last >= max, so the axis ends
 * on labelled values (Heckbert, "Nice numbers for graph labels", Graphics Gems, 1990).
 */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(Number.isFinite(min) && Number.isFinite(max)) || max < min) return [];
  if (min === max) return [min];
  const raw = (max - min) / Math.max(1, count - 1);
  // A range at the edge of double precision (overflowing, subnormal, or tiny against its
  // magnitude) has no round labels between its ends: label the ends.
  const step = Number.isFinite(raw) ? niceStep(raw) : Number.NaN;
  if (!(step > 0 && Number.isFinite(step)) || (max - min) / Math.max(Math.abs(min), Math.abs(max)) < 1e-9) {
    return [min, max];
  }
  // Integer multiples of the step, rounded to the step's decimals: no drift from repeated addition.
  const decimals = Math.max(0, Math.ceil(-Math.log10(step)) + 1);
  const round = (v: number) => (decimals <= 20 ? Number(v.toFixed(decimals)) : v);
  const first = Math.floor(min / step + 1e-9);
  const last = Math.ceil(max / step - 1e-9);
  const ticks: number[] = [];
  for (let k = first; k <= last && ticks.length <= 4 * count; k++) ticks.push(round(k * step));
  return ticks;
}
