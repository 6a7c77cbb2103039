import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chaosGaugesText } from '../../../../src/adapters/chaos/pushgateway.ts';
import { parsePrometheusText } from '../../../../src/adapters/triton/metrics-text.ts';
import type { Journal } from '../../../../src/core/chaos/journal.ts';
import { junitXml } from '../../../../src/generators/report/junit.ts';

const golden = join(import.meta.dirname, '..', '..', '..', 'golden', 'chaos', 'junit.xml');

/** A journal as the runner writes it for a run whose p99 deviated during the method. */
function sampleJournal(over: Partial<Journal> = {}): Journal {
  const ok = (probe: string, value: number, max: number) => ({
    probe,
    outcome: 'ok' as const,
    value,
    tolerance: { max },
    n: 240,
    why: `${value} is <= ${max}`,
  });
  return {
    journalVersion: 1,
    experiment: {
      name: 'latency-500ms',
      description: 'Calls take 500 ms more.',
      file: 'chaos/experiments/latency-500ms.yaml',
      target: 'local',
      playbook: {
        failure: '500 ms latency',
        detection: 'breakers',
        mitigation: 'deadline & fallbacks',
        recoveryTarget: '1m',
      },
    },
    status: 'failed',
    deviated: true,
    dryRun: false,
    reason:
      'hypothesis deviated: p99-within-slo deviated: 0.12 (p99 of 360 requests) is not <= 0.1 (during, over the method)',
    startedAt: '2026-11-28T10:00:00.000Z',
    endedAt: '2026-11-28T10:00:12.500Z',
    durationSeconds: 12.5,
    timeScale: 0.3,
    before: {
      atSeconds: 3,
      held: true,
      verdicts: [ok('every-request-answered', 0, 0.01), ok('p99-within-slo', 0.04, 0.1)],
    },
    during: {
      held: false,
      probes: ['every-request-answered', 'p99-within-slo'],
      final: {
        atSeconds: 9,
        held: false,
        verdicts: [
          ok('every-request-answered', 0, 0.01),
          {
            probe: 'p99-within-slo',
            outcome: 'deviated',
            value: 0.12,
            tolerance: { max: 0.1 },
            n: 360,
            why: '0.12 (p99 of 360 requests) is not <= 0.1',
          },
        ],
      },
      ticks: [{ atSeconds: 3.5, verdicts: [{ ...ok('p99-within-slo', 0.08, 0.1), scope: 'phase' }] }],
    },
    after: { atSeconds: 12, held: true, verdicts: [ok('every-request-answered', 0, 0.01)] },
    detection: {
      kind: 'detection',
      probe: 'tier-share',
      tolerance: { min: 0.2 },
      declaredWithinSeconds: 10,
      withinSeconds: 3,
      fromSeconds: 3,
      measuredSeconds: 0.42,
      met: true,
      why: 'ok',
    },
    recovery: {
      kind: 'recovery',
      probe: 'tier-share',
      tolerance: { min: 0.9 },
      declaredWithinSeconds: 20,
      withinSeconds: 6,
      fromSeconds: 6,
      measuredSeconds: null,
      met: false,
      why: 'tier-share >= 0.9 not reached within 6 s; last check: 0.5 <dubious> & "quoted"',
    },
    method: [
      {
        name: 'gpu-models-500ms-slower',
        type: 'gateway-faults',
        startSeconds: 3,
        endSeconds: 3.02,
        outcome: 'succeeded',
        expected: 'success',
        detail: 'gateway faults: fraud/v1 latency p=1 500 ms',
        revert: {
          name: 'gpu-models-500ms-slower',
          type: 'gateway-clear-faults',
          startSeconds: 6,
          endSeconds: 6.01,
          outcome: 'succeeded',
          expected: 'success',
        },
      },
    ],
    rollbacks: [
      {
        name: 'no-faults',
        type: 'gateway-clear-faults',
        startSeconds: 12.4,
        endSeconds: 12.41,
        outcome: 'failed',
        expected: 'success',
        error: 'HTTP 500',
      },
    ],
    ...over,
  };
}

function wellFormed(xml: string): string {
  // Python's XML parser (expat) as the reference: it rejects anything malformed.
  return execFileSync(
    'python3',
    [
      '-c',
      'import sys, xml.etree.ElementTree as E; r = E.fromstring(sys.stdin.read()); print(r.tag, len(r.findall(".//testcase")), len(r.findall(".//failure")), len(r.findall(".//error")))',
    ],
    {
      input: xml,
      encoding: 'utf8',
    },
  ).trim();
}

describe('JUnit XML', () => {
  it('matches the golden file (UPDATE_GOLDEN=1 rewrites it)', () => {
    const xml = junitXml([sampleJournal()]);
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(golden)) {
      mkdirSync(join(golden, '..'), { recursive: true });
      writeFileSync(golden, xml);
    }
    expect(xml).toBe(readFileSync(golden, 'utf8'));
  });

  it('is well-formed, with a failure per deviation and an error per failed rollback', () => {
    // testcases: 2 before + 2 during + 1 after + detection + recovery + method + its revert + rollback = 10
    expect(wellFormed(junitXml([sampleJournal()]))).toBe('testsuites 10 2 1');
  });

  it('stays well-formed whatever the probes and errors say (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string(), (reason, error) => {
        const j = sampleJournal({
          reason,
          rollbacks: [
            {
              name: 'x',
              type: 'gateway-clear-faults',
              startSeconds: 0,
              endSeconds: 1,
              outcome: 'failed',
              expected: 'success',
              error,
            },
          ],
        });
        return wellFormed(junitXml([j])).startsWith('testsuites 10 ');
      }),
      { numRuns: 40 },
    );
  });
});

describe('chaos_* gauges pushed for a run', () => {
  it.each<[string, Partial<Journal>, Record<string, number>]>([
    [
      'a failed run: success 0, the measured detection, no recovery',
      {},
      { chaos_experiment_success: 0, chaos_experiment_detection_seconds: 0.42 },
    ],
    [
      'a completed run with both measures',
      {
        status: 'completed',
        deviated: false,
        recovery: { ...sampleJournal().recovery!, measuredSeconds: 4.5, met: true },
      },
      { chaos_experiment_success: 1, chaos_experiment_detection_seconds: 0.42, chaos_experiment_recovery_seconds: 4.5 },
    ],
    [
      'an interrupted run never counts as a success',
      { status: 'interrupted', deviated: false },
      { chaos_experiment_success: 0, chaos_experiment_detection_seconds: 0.42 },
    ],
  ])('%s', (_name, over, expected) => {
    const samples = parsePrometheusText(chaosGaugesText(sampleJournal(over), 1_800_000_000));
    const values = Object.fromEntries(samples.map((s) => [s.name, s.value]));
    expect(values).toEqual({ chaos_experiment_last_run_timestamp_seconds: 1_800_000_000, ...expected });
  });
});
