import type { Tolerance } from '../spec/kinds/chaos/probes.ts';
import { fmt } from './gateway-measures.ts';

/**
 * A probe's verdict at one moment. It explains itself: the value, the range it had to be
 * in, how much data it rests on, and why. `no_data` (too few events, nothing returned) and
 * `error` (the probe could not run) are outcomes of their own: neither confirms a
 * hypothesis, and neither is a measured deviation.
 */
export type Outcome = 'ok' | 'deviated' | 'no_data' | 'error';

export interface ProbeVerdict {
  probe: string;
  outcome: Outcome;
  /** The probe's number (after `relativeTo`), when there is one. */
  value?: number;
  tolerance: Tolerance;
  /** Events the number rests on (requests, calls, predictions), when counted. */
  n?: number;
  /** Seconds of data the number covers, for windowed probes. */
  windowSeconds?: number;
  /**
   * For hypothesis probes checked during the method: `phase` is the running value over the
   * phase so far (judged once, at the end of the phase); `window` a sliding window that must
   * hold at every check.
   */
  scope?: 'phase' | 'window';
  why: string;
}

/** A number from a probe before judging: a value, or the reason there is none. */
export type Reading =
  | { kind: 'value'; value: number; n?: number; windowSeconds?: number; detail: string }
  | { kind: 'no_data'; n?: number; windowSeconds?: number; why: string }
  | { kind: 'error'; why: string };

export function within(value: number, t: Tolerance): boolean {
  return !Number.isNaN(value) && (t.min === undefined || value >= t.min) && (t.max === undefined || value <= t.max);
}

export function describeTolerance(t: Tolerance): string {
  if (t.min !== undefined && t.max !== undefined)
    return t.min === t.max ? `= ${fmt(t.min)}` : `in [${fmt(t.min)}, ${fmt(t.max)}]`;
  return t.min !== undefined ? `>= ${fmt(t.min)}` : `<= ${fmt(t.max as number)}`;
}

export function judge(probe: string, reading: Reading, tolerance: Tolerance): ProbeVerdict {
  const base = { probe, tolerance };
  if (reading.kind === 'error') return { ...base, outcome: 'error', why: `probe failed: ${reading.why}` };
  const extent = {
    ...(reading.n !== undefined ? { n: reading.n } : {}),
    ...(reading.windowSeconds !== undefined ? { windowSeconds: reading.windowSeconds } : {}),
  };
  if (reading.kind === 'no_data') return { ...base, ...extent, outcome: 'no_data', why: `no data: ${reading.why}` };
  if (Number.isNaN(reading.value)) {
    return { ...base, ...extent, outcome: 'no_data', why: `no data: the value is undefined (NaN; ${reading.detail})` };
  }
  const ok = within(reading.value, tolerance);
  return {
    ...base,
    ...extent,
    outcome: ok ? 'ok' : 'deviated',
    value: reading.value,
    why: `${fmt(reading.value)} (${reading.detail}) ${ok ? 'is' : 'is not'} ${describeTolerance(tolerance)}`,
  };
}

/**
 * `relativeTo: before`: (value - baseline) / baseline, the playbook's "shifts by more than
 * 10% from baseline". A baseline of zero or none leaves the change undefined: no data.
 */
export function relativeReading(reading: Reading, baseline: Reading | undefined): Reading {
  if (reading.kind !== 'value') return reading;
  if (baseline?.kind !== 'value') {
    return {
      kind: 'no_data',
      why: `no baseline from the before phase (${baseline?.kind === 'no_data' ? baseline.why : baseline?.kind === 'error' ? baseline.why : 'not measured'})`,
    };
  }
  if (baseline.value === 0)
    return { kind: 'no_data', why: 'the before-phase baseline is 0; a relative change is undefined' };
  const change = (reading.value - baseline.value) / baseline.value;
  return {
    ...reading,
    value: change,
    detail: `${fmt(reading.value)} vs ${fmt(baseline.value)} before, ${reading.detail}`,
  };
}

/** A hypothesis holds only when every verdict is ok: no data confirms nothing. */
export function held(verdicts: readonly ProbeVerdict[]): boolean {
  return verdicts.every((v) => v.outcome === 'ok');
}
