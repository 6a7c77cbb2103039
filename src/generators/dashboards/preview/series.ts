import type { PreviewSeries } from './svg.ts';

/** A series of a Prometheus range query (`resultType: matrix`), values as the API sends them: strings. */
export interface MatrixSeries {
  metric: Record<string, string>;
  values?: ReadonlyArray<readonly [number, string]>;
}

/**
 * Grafana's legendFormat: `{{label}}` becomes the label's value (empty when absent). An
 * empty format names the series by its labels, as Grafana does.
 */
export function formatLegend(format: string | undefined, labels: Readonly<Record<string, string>>): string {
  if (!format) {
    const { __name__: name = '', ...rest } = labels;
    const inner = Object.entries(rest)
      .map(([k, v]) => `${k}="${v}"`)
      .join(', ');
    return `${name}{${inner}}`;
  }
  return format.replace(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_, label: string) => labels[label] ?? '').trim();
}

/** Prometheus sends sample values as strings, with "NaN", "+Inf" and "-Inf" for the special values. */
export function sampleValue(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

export function matrixToSeries(result: readonly MatrixSeries[], legend: string | undefined): PreviewSeries[] {
  return result.map((s) => ({
    name: formatLegend(legend, s.metric),
    points: (s.values ?? []).map(([t, v]) => [t, sampleValue(v)] as const),
  }));
}

export function hasFinitePoint(series: readonly PreviewSeries[]): boolean {
  return series.some((s) => s.points.some(([, v]) => Number.isFinite(v)));
}
