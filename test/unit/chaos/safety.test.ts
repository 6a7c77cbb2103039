import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadExperimentFile } from '../../../src/adapters/files/experiment-file.ts';
import { paths } from '../../../src/adapters/process/paths.ts';
import { checkExperimentAgainstSpec } from '../../../src/core/chaos/spec-checks.ts';
import { effectiveBlastRadius } from '../../../src/core/spec/kinds/chaos/blast-radius.ts';
import { chaosTargetSpec } from '../../../src/core/spec/kinds/chaos-target.ts';
import { parseSpec, stackOf } from '../../../src/core/spec/parse.ts';

const dir = join(paths.root(), 'chaos', 'experiments');
const stack = stackOf(parseSpec(readFileSync(join(paths.root(), 'steadystate.yaml'), 'utf8'))).spec;
const text = (name: string) => readFileSync(join(dir, `${name}.yaml`), 'utf8');

/**
 * Issue 19: a fault must not outlive its run. Every method step that leaves the system
 * changed needs a duration (the engine reverts it) or a rollback that undoes it; the rest is
 * refused at validation, naming the step, the action and the fix.
 */
describe('a fault that nothing undoes is refused', () => {
  const latency = text('latency-500ms');
  it.each<[string, string, [string, string][], RegExp]>([
    [
      'gateway-faults without duration or rollback (the run that exited with v2 errors still on)',
      'latency-500ms',
      [
        ['      duration: 10s\n', ''],
        ['  rollbacks:\n    - name: no-faults\n      action: { type: gateway-clear-faults }\n', '  rollbacks: []\n'],
      ],
      /method\[0\]\.duration: gpu-models-500ms-slower: gateway-faults changes the system and nothing undoes it .*add duration .*gateway-clear-faults/,
    ],
    [
      'a Redis paused, and the other Redis resumed in the rollbacks',
      'feature-store-down',
      [
        ['      duration: 10s\n', ''],
        ['action: { type: redis-resume, redis: feature-store }', 'action: { type: redis-resume, redis: cache }'],
      ],
      /redis-pause changes the system .*\{"type":"redis-resume","redis":"feature-store"\}/,
    ],
    [
      'two models unloaded, one loaded back',
      'model-load-oom',
      [
        ['      duration: 10s\n', ''],
        [
          'action: { type: triton-load, models: [fraud_v1, fraud_v2], strategy: if-not-ready }',
          'action: { type: triton-load, models: [fraud_v1] }',
        ],
      ],
      /triton-unload changes the system and nothing undoes it/,
    ],
    [
      'a traffic shift whose rollback ends a burst instead',
      'model-drift',
      [
        ['      duration: 10s\n', ''],
        ['action: { type: traffic-shift }', 'action: { type: traffic-burst, rate: 0 }'],
      ],
      /traffic-shift changes the system .*\{"type":"traffic-shift","scale":\{\},"set":\{\}\}/,
    ],
  ])('%s', (_name, experiment, edits, message) => {
    let changed = text(experiment);
    for (const [from, to] of edits) {
      expect(changed).toContain(from);
      changed = changed.replace(from, to);
    }
    expect(() => parseSpec(changed, `${experiment}.yaml`)).toThrow(message);
  });

  it.each<[string, string, string]>([
    [
      'a duration alone',
      '  rollbacks:\n    - name: no-faults\n      action: { type: gateway-clear-faults }\n',
      '  rollbacks: []\n',
    ],
    ['a rollback alone', '      duration: 10s\n', ''],
  ])('accepts %s', (_name, from, to) => {
    expect(latency).toContain(from);
    expect(() => parseSpec(latency.replace(from, to), 'x.yaml')).not.toThrow();
  });

  it('accepts actions that heal on their own (a flushed cache refills)', () => {
    const doc = loadExperimentFile(join(dir, 'cache-stampede.yaml'));
    expect(doc.spec.method.some((s) => s.action.type === 'redis-flush')).toBe(true);
  });
});

describe('blast-radius ceilings belong to the ChaosTarget; an experiment may only narrow them', () => {
  const doc = loadExperimentFile(join(dir, 'ab-variant-failure.yaml'));
  it('an experiment above the ceiling is refused, naming both values', () => {
    const strict = chaosTargetSpec.parse({ blastRadius: { maxTrafficShare: 0.1 } });
    expect(checkExperimentAgainstSpec(doc.spec, stack, strict)).toEqual([
      {
        path: 'spec.blastRadius.maxTrafficShare',
        message: expect.stringMatching(
          /^0\.25 is above the ChaosTarget's ceiling blastRadius\.maxTrafficShare 0\.1; an experiment may only narrow/,
        ),
      },
    ]);
  });

  it('keepReady is a floor: an experiment may keep more pods Ready, not fewer', () => {
    const k8s = loadExperimentFile(join(dir, 'k8s-gpu-pod-kill.yaml'));
    const target = chaosTargetSpec.parse({ cluster: { namespaces: ['steadystate'] }, blastRadius: { keepReady: 2 } });
    expect(checkExperimentAgainstSpec(k8s.spec, stack, target).map((p) => `${p.path}: ${p.message}`)).toEqual([
      expect.stringMatching(
        /^spec\.blastRadius\.keepReady: 1 is below the ChaosTarget's floor blastRadius\.keepReady 2/,
      ),
    ]);
  });

  it.each<[string, Record<string, number>, Record<string, number>, Record<string, number>]>([
    ['the ceilings when the experiment says nothing', { maxTrafficShare: 0.5 }, {}, { maxTrafficShare: 0.5 }],
    [
      'the narrower value of the two',
      { maxTrafficShare: 0.5, maxPods: 3 },
      { maxTrafficShare: 0.2, maxPods: 5 },
      { maxTrafficShare: 0.2, maxPods: 3 },
    ],
    ['the higher keepReady', { keepReady: 1 }, { keepReady: 2 }, { keepReady: 2 }],
  ])('the limits in force are %s', (_name, ceiling, own, expected) => {
    const limits = effectiveBlastRadius(chaosTargetSpec.parse({ blastRadius: ceiling }).blastRadius, own);
    expect(limits).toMatchObject(expected);
  });
});
