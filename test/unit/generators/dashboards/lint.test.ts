import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DURATION_BUCKETS } from '../../../../src/core/metrics/names.ts';
import { parseSpec } from '../../../../src/core/spec/parse.ts';
import { buildDashboards, DASHBOARDS_DIR } from '../../../../src/generators/dashboards/index.ts';
import { lintDashboard, lintDashboards, metricNamesIn } from '../../../../src/generators/dashboards/lint.ts';
import { contentPanels, type DashboardModel } from '../../../../src/generators/dashboards/queries.ts';
import { LATENCY_SLO_SECONDS, UNDERUSED_GPU_BATCH_SIZE } from '../../../../src/generators/dashboards/thresholds.ts';

/** What ships: the committed files (gen:check proves they equal what the builders produce). */
const FILES = readdirSync(DASHBOARDS_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();
const SHIPPED: Array<{ file: string; model: DashboardModel }> = FILES.map((file) => ({
  file,
  model: JSON.parse(readFileSync(join(DASHBOARDS_DIR, file), 'utf8')) as DashboardModel,
}));
const byUid = (uid: string) => SHIPPED.find((d) => d.model.uid === uid)?.model as DashboardModel;
const clone = (d: DashboardModel) => structuredClone(d) as DashboardModel & Record<string, unknown>;

function thresholdValues(d: DashboardModel, titleStart: string): Array<number | null> {
  const panel = contentPanels(d).find((p) => p.title?.startsWith(titleStart));
  if (!panel) throw new Error(`no panel "${titleStart}..." in ${d.uid}`);
  const steps = (panel.fieldConfig?.defaults?.thresholds?.steps ?? []) as Array<{ value: number | null }>;
  return steps.map((s) => s.value);
}

describe('the generated dashboards (dashboards/*.json)', () => {
  it('are exactly the files the generator writes', () => {
    const spec = parseSpec(readFileSync('steadystate.yaml', 'utf8'));
    expect(FILES.map((f) => `${DASHBOARDS_DIR}/${f}`)).toEqual(
      buildDashboards(spec)
        .map((d) => d.path)
        .sort(),
    );
  });

  it('keep every lint rule: unique uids and panel ids, unit, thresholds and datasource variable on every panel, contract metric names only', () => {
    expect(lintDashboards(SHIPPED.map((d) => d.model))).toEqual([]);
  });

  it.each(SHIPPED)('$file has at least one panel and its own uid', ({ model }) => {
    expect(contentPanels(model).length).toBeGreaterThan(3);
    expect(model.uid).toMatch(/^steadystate-/);
  });

  it('draws the SLO latency lines (100 ms, 500 ms) and the batch-size line (8) where they belong', () => {
    expect(thresholdValues(byUid('steadystate-overview'), 'Latency p50')).toEqual([null, 0.1, 0.5]);
    expect(thresholdValues(byUid('steadystate-experiments'), 'Latency p95')).toEqual([null, 0.1, 0.5]);
    expect(thresholdValues(byUid('steadystate-triton'), 'Time per request')).toEqual([null, 100_000, 500_000]);
    expect(thresholdValues(byUid('steadystate-triton'), 'Average batch size')).toEqual([
      null,
      UNDERUSED_GPU_BATCH_SIZE,
    ]);
  });

  it('draws latency lines only at buckets of the duration histogram (so the line and the SLI agree)', () => {
    for (const seconds of Object.values(LATENCY_SLO_SECONDS)) expect(DURATION_BUCKETS).toContain(seconds);
  });

  it('takes models and variants from the Stack document', () => {
    const spec = parseSpec(
      readFileSync('steadystate.yaml', 'utf8')
        .replace('    - name: fraud\n', '    - name: payments\n')
        .replace('{ name: v2, tritonModel: fraud_v2, weight: 20 }', '{ name: v9, tritonModel: pay_v9, weight: 20 }'),
    );
    const overview = buildDashboards(spec).find((d) => d.path.endsWith('overview.json'))?.dashboard;
    const triton = buildDashboards(spec).find((d) => d.path.endsWith('triton.json'))?.dashboard;
    const values = (d: typeof overview, name: string) =>
      d?.templating.list?.find((v) => v.name === name)?.options?.map((o) => o.value);
    expect(values(overview, 'model')).toEqual(['payments']);
    expect(values(overview, 'variant')).toEqual(['v1', 'v9']);
    expect(values(triton, 'model')).toEqual(['fraud_v1', 'pay_v9', 'fraud_fallback']);
  });
});

describe('the lint catches', () => {
  const overview = byUid('steadystate-overview');
  const firstPanel = (d: DashboardModel) =>
    contentPanels(d)[0] as ReturnType<typeof contentPanels>[number] & Record<string, unknown>;
  it.each([
    [
      'a panel without a unit',
      (d: DashboardModel) => {
        delete firstPanel(d).fieldConfig?.defaults?.unit;
      },
      /has no unit/,
    ],
    [
      'a panel without thresholds',
      (d: DashboardModel) => {
        (firstPanel(d).fieldConfig?.defaults as Record<string, unknown>).thresholds = undefined;
      },
      /has no thresholds/,
    ],
    [
      'a hard-coded datasource uid',
      (d: DashboardModel) => {
        firstPanel(d).datasource = { type: 'prometheus', uid: 'P1809F7CD0C75ACF3' };
      },
      /uid "P1809F7CD0C75ACF3".*no hard-coded datasource/,
    ],
    [
      'a repeated panel id',
      (d: DashboardModel) => {
        const panels = contentPanels(d);
        (panels[1] as { id?: number }).id = panels[0]?.id;
      },
      /panel ids repeat/,
    ],
    [
      'a metric outside the contract',
      (d: DashboardModel) => {
        const t = firstPanel(d).targets?.[0];
        if (t) t.expr = 'rate(nv_inference_exec_time_us{namespace=~"$namespace"}[5m])';
      },
      /reads nv_inference_exec_time_us, which is not in the metric contract/,
    ],
    [
      'an undefined template variable',
      (d: DashboardModel) => {
        const t = firstPanel(d).targets?.[0];
        if (t) t.expr = `${t.expr} * on() group_left() vector($clsuter)`;
      },
      /uses undefined variable \$clsuter/,
    ],
    [
      'a query that ignores the namespace',
      (d: DashboardModel) => {
        const t = firstPanel(d).targets?.[0];
        if (t) t.expr = 'sum(rate(inference_requests_total[5m]))';
      },
      /does not filter on \$namespace/,
    ],
    [
      'a missing DO-NOT-EDIT note',
      (d: DashboardModel) => {
        d.description = 'hand-made';
      },
      /DO-NOT-EDIT/,
    ],
  ])('%s', (_name, mutate, expected) => {
    const broken = clone(overview);
    mutate(broken);
    expect(lintDashboard(broken).join('\n')).toMatch(expected);
  });

  it('a uid shared by two dashboards', () => {
    expect(lintDashboards([overview, clone(overview)])).toContain(
      'uid steadystate-overview is used by more than one dashboard',
    );
  });
});

describe('metricNamesIn', () => {
  it.each([
    ['a bare name (variable selector)', 'slo:objective:ratio', ['slo:objective:ratio']],
    [
      'selectors inside functions',
      'sum by (model) (rate(a_total{x="1"}[5m])) / sum(rate(b{y="2"}[5m]))',
      ['a_total', 'b'],
    ],
    ['braces inside a regex are not selectors', 'up{job=~"a{2}"}', ['up']],
    ['no selector', 'vector(1)', []],
  ])('%s', (_name, expr, names) => {
    expect(metricNamesIn(expr)).toEqual(names);
  });
});
