import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { availabilityHypothesis, judgeAnswers } from '../../../src/core/cluster/availability-hypothesis.ts';
import { documentsOfKind, parseSpec } from '../../../src/core/spec/parse.ts';

const root = join(import.meta.dirname, '..', '..', '..');
const slos = documentsOfKind(parseSpec(readFileSync(join(root, 'steadystate.yaml'), 'utf8')), 'SLO');
const hypothesis = availabilityHypothesis(slos, 'fraud');
const answers = (n: number, status: number, servedBy: string | null) =>
  Array.from({ length: n }, () => ({ status, servedBy }));

describe("a cluster experiment judged by the model's availability SLO", () => {
  it("takes the SLO's good tiers and its fast-burn page threshold (14.4 x the 0.05% budget)", () => {
    expect(hypothesis.slo).toBe('fraud-availability');
    expect(hypothesis.goodServedBy).toEqual(['primary', 'cache', 'stale_cache', 'fallback_model']);
    expect(hypothesis.maxBadRatio).toBeCloseTo(14.4 * 0.0005, 10);
  });

  it('counts cache and fallback answers as good, a shed or an error as bad', () => {
    const j = judgeAnswers(
      [...answers(1500, 200, 'primary'), ...answers(410, 200, 'cache'), ...answers(1, 503, 'shed')],
      hypothesis,
    );
    expect(j).toMatchObject({ total: 1911, bad: 1, held: true });
    expect(j.notPrimary).toEqual({ '200 cache': 410, '503 shed (bad)': 1 });
  });

  it('deviates once the bad share would page; no answers is no evidence', () => {
    expect(judgeAnswers([...answers(990, 200, 'primary'), ...answers(10, 0, null)], hypothesis).held).toBe(false);
    expect(judgeAnswers([], hypothesis).held).toBe(false);
    // A tier the SLO does not list is bad even with a 200 (here: the spec's default score).
    const strict = { ...hypothesis, goodServedBy: ['primary'] };
    expect(judgeAnswers(answers(10, 200, 'default'), strict).bad).toBe(10);
  });

  it('refuses a model without an availability SLO, naming the fix', () => {
    expect(() => availabilityHypothesis(slos, 'churn')).toThrow(
      /no availability SLO for model churn .*add a kind: SLO with spec.model: churn and sli.availability/,
    );
  });
});
