import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSpec } from '../../../../src/core/spec/parse.ts';
import { costRows, gpuBusyExpr } from '../../../../src/generators/dashboards/cost.ts';
import { buildDashboards } from '../../../../src/generators/dashboards/index.ts';
import { stackValues } from '../../../../src/generators/dashboards/stack-values.ts';

const VALID = readFileSync('steadystate.yaml', 'utf8');

describe('the cost row of the Triton dashboard', () => {
  it('is built from the spec price and node type', () => {
    const rows = costRows(stackValues(parseSpec(VALID)));
    expect(rows.map((r) => r.title)).toEqual(['What does it cost (g5.xlarge, 1.006 USD/GPU-hour)']);
    const json = JSON.stringify(buildDashboards(parseSpec(VALID)).find((d) => d.path.endsWith('triton.json')));
    // 1.006 per hour = 3621.6 per GPU-busy second-per-second-hour.
    expect(json).toContain('* 3621.6');
    expect(json).toContain('currencyUSD');
  });

  it('is left out of a Stack without a cost block', () => {
    const withoutCost = VALID.replace(/ {2}cost:[\s\S]*?(?=\n {2}gateway:)/, '');
    expect(withoutCost).not.toContain('gpuHourlyPrice');
    expect(costRows(stackValues(parseSpec(withoutCost)))).toEqual([]);
  });

  it('corrects the summed compute time by the average batch size, as cost report does', () => {
    const expr = gpuBusyExpr();
    for (const family of ['input', 'infer', 'output'])
      expect(expr).toContain(`nv_inference_compute_${family}_duration_us`);
    expect(expr).toMatch(/clamp_max\(.*nv_inference_exec_count.*\/.*nv_inference_request_success.*, 1\)/);
  });
});
