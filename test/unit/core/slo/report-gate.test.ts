import { describe, expect, it } from 'vitest';
import { evaluateGate } from '../../../../src/core/slo/gate.ts';
import { buildReport, type WindowReading } from '../../../../src/core/slo/report.ts';
import { resolveSlo } from '../../../../src/core/slo/resolve.ts';
import { errorBudgetPolicySpec } from '../../../../src/core/spec/kinds/error-budget-policy.ts';
import { sloDocument } from '../../../../src/core/spec/kinds/slo.ts';

const slo = resolveSlo(
  sloDocument.parse({
    apiVersion: 'steadystate.dev/v1alpha1',
    kind: 'SLO',
    metadata: { name: 'avail' },
    spec: { model: 'fraud', objective: 0.999, sli: { availability: {} } },
  }),
);

const WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d', '30d'];

/** Readings with one error ratio for every window, overridable per window. */
function readings(
  ratio: number,
  overrides: Record<string, number> = {},
  labels = { slo: 'avail', model: 'fraud' },
): WindowReading[] {
  return WINDOWS.map((window) => ({ labels: { ...labels, window }, window, value: overrides[window] ?? ratio }));
}

describe('the budget report of an SLO', () => {
  it.each([
    ['an untouched budget', 0, {}, 1, 'ok', null],
    ['a quarter of the budget spent, burning at 0.25x', 0.00025, {}, 0.75, 'ok', (0.75 * 30 * 86400) / 0.25],
    [
      'a fast burn pages (both 1h and 5m over 14.4x)',
      0.0001,
      { '1h': 0.02, '5m': 0.02 },
      0.9,
      'burning',
      (0.9 * 30 * 86400) / 20,
    ],
    ['the 1h window alone over the factor is not a burn', 0.0001, { '1h': 0.02 }, 0.9, 'ok', (0.9 * 30 * 86400) / 20],
    ['an overspent budget', 0.0015, {}, -0.5, 'exhausted', 0],
  ])('reports %s', (_name, ratio, overrides, remaining, status, tte) => {
    const [row] = buildReport(slo, readings(ratio, overrides), [
      { labels: { slo: 'avail', model: 'fraud' }, value: 50 },
    ]);
    expect(row?.budgetRemaining).toBeCloseTo(remaining, 12);
    expect(row?.status).toBe(status);
    if (tte === null) expect(row?.timeToExhaustionSeconds).toBeNull();
    else expect(row?.timeToExhaustionSeconds).toBeCloseTo(tte, 6);
    expect(row?.burnRate['30d']).toBeCloseTo(ratio / 0.001, 9);
  });

  it('holds the page below the low-traffic guard but still reports the burn', () => {
    const [row] = buildReport(slo, readings(0.5), [{ labels: { slo: 'avail', model: 'fraud' }, value: 0.01 }]);
    expect(row?.burningTiers).toEqual(['slow', 'gradual']);
    expect(row?.burnRate['1h']).toBe(500);
  });

  it('says "no data" when nothing came back, and explains why', () => {
    const rows = buildReport(slo, [], []);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.status).toBe('no-data');
    expect(rows[0]?.budgetRemaining).toBeNull();
    expect(rows[0]?.why).toMatch(/no data: no 30d error ratio for avail/);
  });

  it('treats NaN (0/0 at zero traffic) as no data for that window', () => {
    const [row] = buildReport(slo, readings(0, { '5m': Number.NaN, '1h': Number.NaN }), []);
    expect(row?.burnRate['5m']).toBeNull();
    expect(row?.timeToExhaustionSeconds).toBeNull();
    expect(row?.status).toBe('ok');
  });

  it('keeps one row per group label (variant)', () => {
    const rows = buildReport(
      slo,
      [
        ...readings(0, {}, { slo: 'avail', model: 'fraud', variant: 'v1' } as never),
        ...readings(0.0005, {}, { slo: 'avail', model: 'fraud', variant: 'v2' } as never),
      ],
      [],
    );
    expect(rows.map((r) => [r.group.variant, r.budgetRemaining])).toEqual([
      ['v1', 1],
      ['v2', 0.5],
    ]);
  });
});

describe('the deploy gate applies the written budget policy', () => {
  const policy = (spec: Record<string, unknown>) => [{ name: 'freeze', spec: errorBudgetPolicySpec.parse(spec) }];
  const rowFor = (ratio: number, overrides: Record<string, number> = {}) =>
    buildReport(slo, readings(ratio, overrides), []);

  it.each([
    [
      'allows with 75% of the budget left',
      { minBudgetRemaining: 0.1 },
      rowFor(0.00025),
      'allow',
      /75% of the budget left/,
    ],
    [
      'blocks with 5% left (< 10%)',
      { minBudgetRemaining: 0.1 },
      rowFor(0.00095),
      'block',
      /5% of the 30d budget left, below the policy's 10%/,
    ],
    [
      'blocks during a burn over the policy maximum',
      { minBudgetRemaining: 0.1, maxBurnRate: { window: '1h', above: 14.4 } },
      rowFor(0.0001, { '1h': 0.02 }),
      'block',
      /burning 20x over 1h, above the policy's 14.4x/,
    ],
    [
      'blocks on no data by default',
      { minBudgetRemaining: 0.1 },
      buildReport(slo, [], []),
      'block',
      /no data for avail; the policy says onNoData: block/,
    ],
    [
      'allows on no data when the policy says so',
      { minBudgetRemaining: 0.1, onNoData: 'allow' },
      buildReport(slo, [], []),
      'allow',
      /onNoData: allow/,
    ],
  ])('%s', (_name, spec, rows, decision, why) => {
    const result = evaluateGate(policy(spec), rows);
    expect(result.decision).toBe(decision);
    expect(result.verdicts[0]?.why).toMatch(why);
  });

  it('only judges the SLOs a policy names', () => {
    const result = evaluateGate(policy({ slos: ['other'], minBudgetRemaining: 0.1 }), rowFor(0.002));
    expect(result).toEqual({ decision: 'allow', verdicts: [] });
  });
});
