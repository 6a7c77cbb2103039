import type { SkewReport } from '../drift/skew.ts';
import { FEATURE_STORE } from '../metrics/names.ts';

/** The skew check's gauges (text exposition): per compared feature, mismatch share and mean |difference|. */
export function skewGaugesText(report: SkewReport): string {
  const compared = report.features.filter((f) => f.compared > 0);
  const lines = [
    `# HELP ${FEATURE_STORE.skewMismatch} Share of logged predictions whose served value differs from the point-in-time offline value`,
    `# TYPE ${FEATURE_STORE.skewMismatch} gauge`,
    ...compared.map((f) => `${FEATURE_STORE.skewMismatch}{feature="${f.feature}"} ${f.mismatchRate}`),
    `# HELP ${FEATURE_STORE.skewMeanAbsoluteDifference} Mean absolute difference between served and offline values`,
    `# TYPE ${FEATURE_STORE.skewMeanAbsoluteDifference} gauge`,
    ...compared
      .filter((f) => Number.isFinite(f.meanAbsoluteDifference))
      .map((f) => `${FEATURE_STORE.skewMeanAbsoluteDifference}{feature="${f.feature}"} ${f.meanAbsoluteDifference}`),
  ];
  return `${lines.join('\n')}\n`;
}
