import { describe, expect, it } from 'vitest';
import type { LoadRecord } from '../../../src/core/load/record.ts';
import type { DeployRecord, ExperimentOutcome } from '../../../src/core/report/types.ts';
import { judgeDeploysUnderLoad } from '../../../src/services/gameday/ship-model-phase.ts';

/**
 * The ship-model phase's hypotheses include "no request failed during the deploy": judged once
 * the load has ended, from the load driver's own records. A failed request while the good
 * version ships turns a held verdict into deviated, and says how many.
 */
const T0 = 1_800_000_000_000;

function outcome(name: string): ExperimentOutcome {
  return {
    name,
    title: name,
    hypothesis: '',
    verdict: 'held',
    explanation: [],
    detectionSeconds: null,
    detectionTargetSeconds: null,
    recoverySeconds: null,
    recoveryTargetSeconds: null,
    pagesExpected: [],
    pagesReceived: [],
  };
}

function deploy(kind: string, fromS: number, toS: number): DeployRecord {
  return {
    title: `fraud v6 (${kind})`,
    status: 'promoted',
    reason: '',
    startMs: T0 + fromS * 1000,
    endMs: T0 + toS * 1000,
    stages: [],
    decisions: [],
    requests: null,
    failedRequests: null,
  };
}

const answer = (atS: number, status: number, servedBy: string | null) =>
  ({ scheduledMs: atS * 1000, status, servedBy, dropped: false }) as LoadRecord;

describe('judgeDeploysUnderLoad', () => {
  it('keeps held when every request during the deploys was answered well', () => {
    const outcomes = [outcome('ship-model'), outcome('bad-model')];
    const records = [answer(10, 200, 'primary'), answer(20, 200, 'cache'), answer(30, 503, 'shed')];
    const deploys = judgeDeploysUnderLoad(outcomes, [deploy('failing', 5, 15), deploy('good', 16, 25)], {
      records,
      startedAtEpochMs: T0,
    });
    expect(deploys.map((d) => [d.requests, d.failedRequests])).toEqual([
      [1, 0],
      [1, 0],
    ]);
    expect(outcomes.map((o) => o.verdict)).toEqual(['held', 'held']);
    expect(outcomes[0]?.explanation).toEqual(['fraud v6 (good): 0 of 1 requests failed during the deploy']);
  });

  it('turns the ship-model verdict to deviated when a request failed while the good version shipped', () => {
    const outcomes = [outcome('ship-model'), outcome('bad-model')];
    const records = [answer(17, 200, 'primary'), answer(18, 0, null), answer(19, 200, 'default')];
    judgeDeploysUnderLoad(outcomes, [deploy('good', 16, 25)], { records, startedAtEpochMs: T0 });
    expect(outcomes[0]?.verdict).toBe('deviated');
    expect(outcomes[0]?.explanation).toEqual(['fraud v6 (good): 2 of 3 requests failed during the deploy']);
    expect(outcomes[1]?.verdict).toBe('held');
  });
});
