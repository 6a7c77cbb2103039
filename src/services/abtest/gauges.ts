import { Gauge, Registry } from 'prom-client';
import { DECISIONS, type Verdict } from '../../core/abtest/verdict.ts';
import { ABTEST } from '../../core/metrics/names.ts';

/** The controller's abtest_* gauges (names from core/metrics/names.ts) on a registry of its own. */
export interface AbtestGauges {
  registry: Registry;
  update(
    verdict: Verdict,
    weights: Record<string, number> | undefined,
    names: { model: string; control: string; treatment: string },
  ): void;
}

export function abtestGauges(registry = new Registry()): AbtestGauges {
  const g = (name: string, help: string, labelNames: string[]) =>
    new Gauge({ name, help, labelNames, registers: [registry] });
  const pValue = g(ABTEST.pValue, 'Always-valid p-value of the mSPRT per metric (running minimum).', [
    'experiment',
    'metric',
  ]);
  const eValue = g(ABTEST.eValue, 'E-value per test: an mSPRT metric, the guardrail, or the SRM check.', [
    'experiment',
    'test',
  ]);
  const lower = g(ABTEST.intervalLower, 'Lower bound of the always-valid confidence sequence for B - A.', [
    'experiment',
    'metric',
  ]);
  const upper = g(ABTEST.intervalUpper, 'Upper bound of the always-valid confidence sequence for B - A.', [
    'experiment',
    'metric',
  ]);
  const decision = g(ABTEST.decision, 'The current decision: 1 on its label, 0 on the others.', [
    'experiment',
    'decision',
  ]);
  const weight = g(ABTEST.weight, 'Gateway traffic weight (percent) per variant, as last read.', [
    'experiment',
    'model',
    'variant',
  ]);
  const samples = g(ABTEST.samples, 'Requests counted per arm since the experiment began.', ['experiment', 'variant']);
  return {
    registry,
    update(verdict, weights, names) {
      const experiment = verdict.experiment;
      for (const d of DECISIONS) decision.set({ experiment, decision: d }, d === verdict.decision ? 1 : 0);
      if (weights) {
        for (const [variant, w] of Object.entries(weights)) weight.set({ experiment, model: names.model, variant }, w);
      }
      // On no data, the statistics keep their last values: only the decision says "no data".
      if (verdict.decision === 'no_data') return;
      for (const m of verdict.metrics) {
        pValue.set({ experiment, metric: m.metric }, m.pValue);
        eValue.set({ experiment, test: m.metric }, m.eValue);
        lower.set({ experiment, metric: m.metric }, m.interval?.[0] ?? Number.NEGATIVE_INFINITY);
        upper.set({ experiment, metric: m.metric }, m.interval?.[1] ?? Number.POSITIVE_INFINITY);
      }
      if (verdict.guardrail) eValue.set({ experiment, test: 'guardrail' }, verdict.guardrail.eValue);
      if (verdict.srm) eValue.set({ experiment, test: 'srm' }, verdict.srm.eValue);
      samples.set({ experiment, variant: names.control }, verdict.n.control);
      samples.set({ experiment, variant: names.treatment }, verdict.n.treatment);
    },
  };
}
