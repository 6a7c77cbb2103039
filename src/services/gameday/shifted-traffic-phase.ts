import { setTimeout as sleep } from 'node:timers/promises';
import { PrometheusClient } from '../../adapters/prometheus/client.ts';
import type { DriftSeries, ExperimentOutcome, FaultWindow } from '../../core/report/types.ts';

import { shiftedFeatures } from './baseline-traffic.ts';

/** amount, card_present, channel: every feature DRIFT_SHIFT moves. */
const SHIFTED_FEATURES = shiftedFeatures();

/** A scrape (5 s) and a watcher look (2 s) after the window has moved on, with margin. */
const WINDOW_SETTLE_MS = 10_000;

/**
 * When the drift watcher's window holds only the game day's own traffic again. The chaos
 * experiments before the drift phase each send their built-in load through the same gateway
 * (a few hundred users repeating themselves, hot keys): clustered rows whose category shares
 * differ from the reference by chance, and with them in the window the watcher flags
 * unshifted features (merchant_category, channel: every one of 40 simulated windows,
 * test/unit/services/gameday-traffic-drift). The shift may only start once they are out.
 */
export function driftWindowClearAt(syntheticLoadEndedAtMs: number, windowSeconds: number): number {
  return syntheticLoadEndedAtMs + windowSeconds * 1000 + WINDOW_SETTLE_MS;
}

/**
 * The playbook's "model drift" row: production data moves away from training (amounts
 * triple, card-not-present online traffic dominates). The drift watcher, reading the
 * gateway's bin counters summed in Prometheus, must flag the shifted features and only them:
 * the baseline traffic is drawn from the reference data, so any other flagged feature is a
 * false alarm and fails the phase.
 */
export async function shiftedTrafficPhase(opts: {
  prometheusUrl: string;
  seconds: number;
  setShifted: (on: boolean) => void;
  log: (line: string) => void;
  /** The shift starts no earlier (driftWindowClearAt): the window must hold baseline traffic only. */
  notBeforeMs?: number;
}): Promise<{ outcome: ExperimentOutcome; window: FaultWindow }> {
  const client = new PrometheusClient({ url: opts.prometheusUrl });
  const waitMs = (opts.notBeforeMs ?? 0) - Date.now();
  if (waitMs > 0) {
    opts.log(`drift: waiting ${(waitMs / 1000).toFixed(0)} s until the watcher's window holds no chaos load`);
    await sleep(waitMs);
  }
  const startMs = Date.now();
  opts.setShifted(true);
  let detectedMs: number | undefined;
  let flagged: string[] = [];
  const unshiftedFlagged = new Set<string>();
  while (Date.now() - startMs < opts.seconds * 1000) {
    await sleep(1_000);
    const res = await client
      .instant('max by (feature) (drift_detected{feature!="prediction_rate"}) == 1')
      .catch(() => undefined);
    flagged = res?.status === 'values' ? res.samples.map((s) => s.labels.feature ?? '').sort() : [];
    for (const f of flagged) if (!SHIFTED_FEATURES.includes(f)) unshiftedFlagged.add(f);
    if (SHIFTED_FEATURES.every((f) => flagged.includes(f))) {
      detectedMs = Date.now();
      break;
    }
  }
  opts.setShifted(false);
  const endMs = Date.now();
  const detection = detectedMs === undefined ? null : (detectedMs - startMs) / 1000;
  const falseAlarms = [...unshiftedFlagged].sort();
  const held = detection !== null && falseAlarms.length === 0;
  opts.log(
    `drift: flagged ${flagged.join(', ') || 'nothing'}${detection !== null ? ` after ${detection.toFixed(1)} s` : ''}`,
  );
  return {
    window: { experiment: 'model-drift-traffic', label: 'shifted traffic (amount x3, online)', startMs, endMs },
    outcome: {
      name: 'model-drift-traffic',
      title: 'Model drift: production inputs move away from training',
      hypothesis: `the drift watcher flags ${SHIFTED_FEATURES.join(', ')}, and no other feature, within ${opts.seconds} s`,
      verdict: held ? 'held' : 'deviated',
      explanation: held
        ? [`flagged exactly the shifted features (${flagged.join(', ')}) after ${detection?.toFixed(1)} s`]
        : [
            `flagged: ${flagged.join(', ') || 'nothing'}${detection === null ? ` (not all of ${SHIFTED_FEATURES.join(', ')})` : ''}; features flagged that were not shifted: ${falseAlarms.join(', ') || 'none'}`,
          ],
      detectionSeconds: detection,
      detectionTargetSeconds: opts.seconds,
      recoverySeconds: null,
      recoveryTargetSeconds: null,
      pagesExpected: [],
      pagesReceived: [],
    },
  };
}

/** Wasserstein drift score per feature over the run, against its threshold, for the report. */
export async function driftSeries(prometheusUrl: string, startedAtMs: number): Promise<DriftSeries[]> {
  const client = new PrometheusClient({ url: prometheusUrl });
  const end = Date.now() / 1000;
  const res = await client
    .range('drift_score{statistic="wasserstein"}', { start: startedAtMs / 1000, end, stepSeconds: 5 })
    .catch(() => undefined);
  if (res?.status !== 'values') return [];
  return res.series
    .filter((s) => SHIFTED_FEATURES.includes(s.labels.feature ?? '') || s.labels.feature === 'hour')
    .map((s) => ({
      feature: s.labels.feature ?? '',
      statistic: 'wasserstein',
      threshold: 0.1,
      points: s.points.map((p) => ({ atMs: p.timestamp * 1000, value: p.value })),
    }));
}
