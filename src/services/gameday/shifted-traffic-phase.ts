import { PrometheusClient } from '../../adapters/prometheus/client.ts';
import type { DriftSeries, ExperimentOutcome, FaultWindow } from '../../core/report/types.ts';

const SHIFTED_FEATURES = ['amount', 'channel'];

/**
 * The playbook's "model drift" row: production data moves away from training (amounts
 * triple, card-not-present online traffic dominates). The drift watcher, reading the
 * gateway's bin counters summed in Prometheus, must flag the shifted features and only them.
 */
export async function shiftedTrafficPhase(opts: {
  prometheusUrl: string;
  seconds: number;
  setShifted: (on: boolean) => void;
  log: (line: string) => void;
}): Promise<{ outcome: ExperimentOutcome; window: FaultWindow }> {
  const client = new PrometheusClient({ url: opts.prometheusUrl });
  const startMs = Date.now();
  opts.setShifted(true);
  let detectedMs: number | undefined;
  let flagged: string[] = [];
  while (Date.now() - startMs < opts.seconds * 1000) {
    await new Promise((r) => setTimeout(r, 1_000));
    const res = await client
      .instant('max by (feature) (drift_detected{feature!="prediction_rate"}) == 1')
      .catch(() => undefined);
    flagged = res?.status === 'values' ? res.samples.map((s) => s.labels.feature ?? '') : [];
    if (SHIFTED_FEATURES.every((f) => flagged.includes(f))) {
      detectedMs = Date.now();
      break;
    }
  }
  opts.setShifted(false);
  const endMs = Date.now();
  const detection = detectedMs === undefined ? null : (detectedMs - startMs) / 1000;
  const unshiftedFlagged = flagged.filter((f) => !SHIFTED_FEATURES.includes(f) && f !== 'card_present');
  // Held when the shifted features are flagged; other flagged features are reported, not
  // failed: the load's mix is close to, not identical with, the training distribution.
  const held = detection !== null;
  opts.log(
    `drift: flagged ${flagged.join(', ') || 'nothing'}${detection !== null ? ` after ${detection.toFixed(1)} s` : ''}`,
  );
  return {
    window: { experiment: 'model-drift-traffic', label: 'shifted traffic (amount x3, online)', startMs, endMs },
    outcome: {
      name: 'model-drift-traffic',
      title: 'Model drift: production inputs move away from training',
      hypothesis: `the drift watcher flags ${SHIFTED_FEATURES.join(' and ')} within ${opts.seconds} s`,
      verdict: held ? 'held' : 'deviated',
      explanation: held
        ? [
            `flagged ${flagged.join(', ')} after ${detection?.toFixed(1)} s${unshiftedFlagged.length ? `; also flagged (not shifted on purpose): ${unshiftedFlagged.join(', ')}` : ''}`,
          ]
        : [
            `flagged: ${flagged.join(', ') || 'nothing'}; unshifted features flagged: ${unshiftedFlagged.join(', ') || 'none'}`,
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
