import { GOOD_SERVED_BY } from '../metrics/names.ts';
import { BURN_TIERS, burnFactor, periodSeconds } from '../slo/windows.ts';
import type { SloDocument } from '../spec/kinds/slo.ts';

/**
 * "Users did not notice" for a cluster experiment, in the terms of the model's availability
 * SLO rather than a hard-coded list: an answer is good when it came back 200 from a tier the
 * SLO counts as good (`goodServedBy`: a cache or fallback answer is good, a shed or error is
 * not). The fault holds when the bad share over the experiment stays under what would page
 * (the SLO's fast burn tier: 14.4 x the error budget for a 30d period), so a platform
 * mitigation that works never wakes anyone, while one that lets a real fraction fail does.
 */
export interface AvailabilityHypothesis {
  slo: string;
  goodServedBy: readonly string[];
  /** The bad share at which the SLO's page-severity fast burn alert fires. */
  maxBadRatio: number;
}

export function availabilityHypothesis(slos: readonly SloDocument[], model: string): AvailabilityHypothesis {
  const slo = slos.find((s) => s.spec.model === model && s.spec.sli.availability);
  if (!slo?.spec.sli.availability) {
    throw new Error(
      `no availability SLO for model ${model} in the spec: add a kind: SLO with spec.model: ${model} and sli.availability, whose good tiers judge the cluster experiments`,
    );
  }
  const fast = BURN_TIERS.find((t) => t.severity === 'page');
  if (!fast) throw new Error('no page-severity burn tier');
  return {
    slo: slo.metadata.name,
    goodServedBy: slo.spec.sli.availability.goodServedBy ?? [...GOOD_SERVED_BY],
    maxBadRatio: burnFactor(fast, periodSeconds(slo.spec.period)) * (1 - slo.spec.objective),
  };
}

export interface AnswerJudgement {
  total: number;
  bad: number;
  badRatio: number;
  held: boolean;
  /** "status tier" -> count, for every answer not from the primary (what users got instead). */
  notPrimary: Record<string, number>;
}

export function judgeAnswers(
  records: readonly { status: number; servedBy: string | null }[],
  hypothesis: AvailabilityHypothesis,
): AnswerJudgement {
  const good = new Set(hypothesis.goodServedBy);
  let bad = 0;
  const notPrimary: Record<string, number> = {};
  for (const r of records) {
    const isGood = r.status === 200 && r.servedBy !== null && good.has(r.servedBy);
    if (!isGood) bad++;
    if (r.status !== 200 || r.servedBy !== 'primary') {
      const key = `${r.status} ${r.servedBy ?? '-'}${isGood ? '' : ' (bad)'}`;
      notPrimary[key] = (notPrimary[key] ?? 0) + 1;
    }
  }
  const total = records.length;
  const badRatio = total === 0 ? 0 : bad / total;
  // No answers at all is no evidence: never a hold.
  return { total, bad, badRatio, held: total > 0 && badRatio <= hypothesis.maxBadRatio, notPrimary };
}
