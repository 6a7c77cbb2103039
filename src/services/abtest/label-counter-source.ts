import type { ExperimentConfig } from '../../core/abtest/experiment-config.ts';
import { documentsOfKind, type Spec } from '../../core/spec/parse.ts';
import { type LabelMonitorContext, labelledOutcomes, loadLabelMonitor } from '../labels/monitor.ts';
import type { CounterReading, CounterSource } from './counter-source.ts';

/** Per variant: labelled answers, flagged ones among them, and flagged ones that were positive. */
export type LabelCounts = Record<string, { labelled: number; labelledFlagged: number; caught: number }>;

/** The label counts of a LabelMonitor (its store joined with the prediction log), per variant. */
export function labelCounts(ctx: LabelMonitorContext): () => Promise<LabelCounts> {
  return async () => {
    const counts: LabelCounts = {};
    for (const o of await labelledOutcomes(ctx)) {
      const c = counts[o.variant] ?? { labelled: 0, labelledFlagged: 0, caught: 0 };
      counts[o.variant] = c;
      c.labelled++;
      if (o.predicted === 1) {
        c.labelledFlagged++;
        if (o.actual === 1) c.caught++;
      }
    }
    return counts;
  };
}

/**
 * An experiment on a label metric: the gateway counters (requests, errors: the guardrail and
 * the split still come from them) with the label service's counts added per variant. Labels
 * trickle in, so each reading carries the labels that arrived since the previous one: the
 * mSPRT takes them as they come, and its always-valid p-value allows looking that often.
 * A failed label read keeps the last counts (no new label evidence this tick) rather than
 * failing the reading: the error-rate guardrail must not stop rolling back because the label
 * store is unreadable.
 */
export function withLabelCounts(
  source: CounterSource,
  labels: () => Promise<LabelCounts>,
  log: (line: string) => void = () => {},
): CounterSource {
  let last: LabelCounts = {};
  return {
    async read(signal): Promise<CounterReading> {
      const [reading, counts] = await Promise.all([
        source.read(signal),
        labels().catch((error: Error) => {
          log(`label counts unavailable, keeping the last ones: ${error.message}`);
          return last;
        }),
      ]);
      last = counts;
      if (!reading.ok) return reading;
      const snapshot = Object.fromEntries(
        Object.entries(reading.snapshot).map(([variant, c]) => [
          variant,
          { ...c, ...(counts[variant] ?? { labelled: 0, labelledFlagged: 0, caught: 0 }) },
        ]),
      );
      return { ...reading, snapshot };
    },
  };
}

/**
 * The controller's counter source for an experiment: `source` as it is, or, when a tested
 * metric is a label metric, with the counts of the model's LabelMonitor (found by
 * experimentFromSpec, which refuses a label metric without exactly one) joined in.
 */
export function experimentCounterSource(
  spec: Spec,
  root: string,
  config: ExperimentConfig,
  source: CounterSource,
  log?: (line: string) => void,
): CounterSource {
  if (!config.usesLabels) return source;
  const monitor = documentsOfKind(spec, 'LabelMonitor').find((m) => m.spec.model === config.model);
  return withLabelCounts(source, labelCounts(loadLabelMonitor(spec, root, monitor?.metadata.name)), log);
}
