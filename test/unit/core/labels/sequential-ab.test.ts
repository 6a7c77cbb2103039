import { describe, expect, it } from 'vitest';
import { type LabelledOutcome, sequentialLabelAb } from '../../../../src/core/labels/sequential-ab.ts';
import { mulberry32 } from '../../../../src/core/random/mulberry32.ts';
import { proportionArm } from '../../../../src/core/stats/arm-statistics.ts';
import { DEFAULT_MSPRT, msprtLook } from '../../../../src/core/stats/msprt.ts';

/** Labels for n transactions per arm at a 5% fraud rate; each arm catches its share of the fraud. */
function outcomes(n: number, recallA: number, recallB: number, seed: number): LabelledOutcome[] {
  const random = mulberry32(seed);
  const out: LabelledOutcome[] = [];
  for (let i = 0; i < 2 * n; i++) {
    const variant = i % 2 === 0 ? 'v1' : 'v2';
    const actual = random() < 0.05 ? 1 : 0;
    const caught = actual === 1 && random() < (variant === 'v1' ? recallA : recallB);
    out.push({ variant, actual, predicted: caught ? 1 : 0, labelledAtMs: random() * 1e9 });
  }
  return out;
}
const OPTIONS = {
  control: 'v1',
  treatment: 'v2',
  alpha: 0.05,
  plannedSamples: 5000,
  lookEvery: 200,
  minSamplesPerArm: 200,
};

describe('sequentialLabelAb (fraud caught per 1,000 transactions)', () => {
  it('ships the variant that catches more fraud, before all labels are in', () => {
    const r = sequentialLabelAb(outcomes(6000, 0.3, 0.8, 1), OPTIONS);
    expect(r.decision).toBe('ship_b');
    expect(r.treatment.per1000).toBeGreaterThan(r.control.per1000 as number);
    expect(r.decidedAtLabels).toBeLessThan(12_000);
    expect(r.intervalPer1000?.[0]).toBeGreaterThan(0);
  });

  it('keeps A when B catches less', () => {
    expect(sequentialLabelAb(outcomes(6000, 0.8, 0.3, 2), OPTIONS).decision).toBe('keep_a');
  });

  it('is no data with too few labels per arm, whatever they say', () => {
    const r = sequentialLabelAb(outcomes(150, 0, 1, 3), OPTIONS);
    expect(r.decision).toBe('no_data');
    expect(r.pValue).toBe(1);
  });

  it('the last look equals the mSPRT on the final counts (one test, not a new one)', () => {
    const data = outcomes(3000, 0.5, 0.5, 4);
    const r = sequentialLabelAb(data, { ...OPTIONS, lookEvery: data.length });
    const arm = (v: string) =>
      proportionArm(
        data.filter((x) => x.variant === v).length,
        data.filter((x) => x.variant === v && x.predicted === 1 && x.actual === 1).length,
      );
    const look = msprtLook(arm('v1'), arm('v2'), DEFAULT_MSPRT);
    expect(r.looks).toBe(1);
    expect(r.pValue).toBeCloseTo(look.pValue, 12);
  });

  it('keeps the false-decision rate near alpha on A/A with many looks', () => {
    let decided = 0;
    for (let seed = 100; seed < 200; seed++) {
      if (sequentialLabelAb(outcomes(2000, 0.5, 0.5, seed), { ...OPTIONS, lookEvery: 100 }).decision !== 'continue')
        decided++;
    }
    expect(decided).toBeLessThanOrEqual(10);
  });
});
