import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MetricsParseError, parsePrometheusText, sumSamples } from '../../../src/adapters/triton/metrics-text.ts';

const TRITON_SAMPLE = `# HELP nv_inference_count Number of inferences performed (does not include cached requests)
# TYPE nv_inference_count counter
nv_inference_count{model="fraud_v1",version="1"} 256
nv_inference_count{model="fraud_v2",version="1"} 10
# HELP nv_inference_exec_count Number of model executions performed (does not include cached requests)
# TYPE nv_inference_exec_count counter
nv_inference_exec_count{model="fraud_v1",version="1"} 19
nv_gpu_utilization{gpu_uuid="GPU-1"} NaN
weird{a="x\\"y",b="line\\nbreak"} +Inf 1700000000
`;

describe('parsePrometheusText', () => {
  it('reads Triton samples with labels, NaN, +Inf and timestamps', () => {
    const samples = parsePrometheusText(TRITON_SAMPLE);
    expect(samples).toHaveLength(5);
    expect(sumSamples(samples, 'nv_inference_count')).toBe(266);
    expect(sumSamples(samples, 'nv_inference_count', { model: 'fraud_v1' })).toBe(256);
    expect(Number.isNaN(samples[3]!.value)).toBe(true);
    expect(samples[4]).toEqual({
      name: 'weird',
      labels: { a: 'x"y', b: 'line\nbreak' },
      value: Number.POSITIVE_INFINITY,
    });
  });

  it.each([
    ['Nan', Number.NaN],
    ['nan', Number.NaN],
    ['inf', Number.POSITIVE_INFINITY],
    ['-INF', Number.NEGATIVE_INFINITY],
  ])('reads %s as Prometheus does (prom-client writes NaN as "Nan")', (text, value) => {
    expect(parsePrometheusText(`g ${text}`)[0]?.value).toBe(value);
  });

  it.each([
    ['a line without a value', 'metric_name{a="1"}'],
    ['an unterminated label value', 'metric_name{a="1} 3'],
    ['a value that is not a number', 'metric_name 12abc'],
  ])('rejects %s with a line number', (_name, text) => {
    expect(() => parsePrometheusText(text)).toThrow(MetricsParseError);
    expect(() => parsePrometheusText(text)).toThrow(/line 1/);
  });

  it('round-trips any label values and finite numbers (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), (label, value) => {
        const escaped = label.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
        const [sample] = parsePrometheusText(`m{l="${escaped}"} ${value}`);
        expect(sample?.labels.l).toBe(label);
        expect(sample?.value === value).toBe(true); // -0 prints as 0, equal by ===
      }),
    );
  });
});
