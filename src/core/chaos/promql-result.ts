import type { Reading } from './verdict.ts';

/**
 * One number from a Prometheus instant query (HTTP API `data`): a scalar, or a vector of
 * exactly one series. An empty vector is "no values found", kept apart from a failed
 * query (Flagger's providers make the same distinction).
 */
export interface PromQueryData {
  resultType: 'vector' | 'scalar' | 'matrix' | 'string';
  result: unknown;
}

export function readPromResult(query: string, data: PromQueryData): Reading {
  if (data.resultType === 'scalar') {
    const value = Number((data.result as [number, string])[1]);
    return { kind: 'value', value, detail: `scalar of ${query}` };
  }
  if (data.resultType !== 'vector')
    return { kind: 'error', why: `${query} returned a ${data.resultType}; a probe needs a scalar or one series` };
  const series = data.result as { metric: Record<string, string>; value: [number, string] }[];
  if (series.length === 0) return { kind: 'no_data', why: `no values found for ${query}` };
  if (series.length > 1) {
    return {
      kind: 'error',
      why: `${query} returned ${series.length} series (${series
        .slice(0, 3)
        .map((s) => JSON.stringify(s.metric))
        .join(', ')}...); aggregate it to one, e.g. with sum()`,
    };
  }
  const value = Number((series[0] as { value: [number, string] }).value[1]);
  return { kind: 'value', value, detail: query.length > 60 ? `${query.slice(0, 57)}...` : query };
}
