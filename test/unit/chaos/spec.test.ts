import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadExperimentFile } from '../../../src/adapters/files/experiment-file.ts';
import { paths } from '../../../src/adapters/process/paths.ts';
import { checkExperimentAgainstSpec } from '../../../src/core/chaos/spec-checks.ts';
import { chaosTargetSpec, defaultChaosTarget } from '../../../src/core/spec/kinds/chaos-target.ts';
import { documentsOfKind, parseSpec, stackOf } from '../../../src/core/spec/parse.ts';

const dir = join(paths.root(), 'chaos', 'experiments');
const spec = parseSpec(readFileSync(join(paths.root(), 'steadystate.yaml'), 'utf8'));
const stack = stackOf(spec).spec;
const target = documentsOfKind(spec, 'ChaosTarget')[0]!.spec;
const base = readFileSync(join(dir, 'gpu-server-crash.yaml'), 'utf8');

describe('the shipped experiments', () => {
  it.each(readdirSync(dir).filter((f) => f.endsWith('.yaml')))(
    '%s is valid and names only what steadystate.yaml has',
    (file) => {
      const doc = loadExperimentFile(join(dir, file));
      expect(`${doc.metadata.name}.yaml`).toBe(file);
      expect(checkExperimentAgainstSpec(doc.spec, stack, target)).toEqual([]);
      // Every experiment asserts the playbook's mitigation through its hypothesis, and rolls back what it does.
      expect(doc.spec.steadyState.probes.length).toBeGreaterThan(0);
      expect(doc.spec.abort.length).toBeGreaterThan(0);
    },
  );
});

describe('invalid experiments fail validation naming the field', () => {
  it.each<[string, string, string, RegExp]>([
    [
      'the apiVersion',
      'apiVersion: steadystate.dev/v1alpha1',
      'apiVersion: steadystate.dev/v1',
      /apiVersion must be "steadystate\.dev\/v1alpha1"/,
    ],
    ['the target', 'target: local', 'target: laptop', /spec\.target/],
    [
      'an unknown field',
      '  probeInterval: 500ms',
      '  probeInterval: 500ms\n  retries: 3',
      /spec: unknown field "retries"/,
    ],
    ['a quantile of 99', 'quantile: 0.99', 'quantile: 99', /steadyState\.probes\[1\]\.probe\.quantile/],
    [
      'a tier that does not exist',
      'tiers: [primary, cache], window: 1s }',
      'tiers: [primary, gpu], window: 1s }',
      /recovery\.probe\.tiers\[1\]: must be a serving tier: primary, cache/,
    ],
    [
      'min above max',
      'tolerance: { max: 0.01 }',
      'tolerance: { min: 0.5, max: 0.01 }',
      /steadyState\.probes\[0\]\.tolerance: min is above max/,
    ],
    ['a signal Triton is not sent', 'signal: SIGKILL', 'signal: SIGHUP', /method\[0\]\.action\.signal/],
    ['an action type that does not exist', 'type: triton-kill', 'type: triton-explode', /method\[0\]\.action\.type/],
    ['a step name with capitals', 'name: kill-tritonserver', 'name: Kill', /method\[0\]\.name: must be lowercase/],
    [
      'twice the same probe name',
      'name: p99-within-slo',
      'name: every-request-answered',
      /steadyState\.probes\[1\]\.name: "every-request-answered" is used twice/,
    ],
    ['a recovery clock that does not exist', 'from: fault-start', 'from: lunch', /recovery\.from/],
    [
      'a gateway probe on target kubernetes',
      'target: local',
      'target: kubernetes',
      /acts on a local process; on target kubernetes use pod-delete/,
    ],
  ])('%s', (_name, from, to, message) => {
    expect(base).toContain(from);
    expect(() => parseSpec(base.replace(from, to), 'x.yaml')).toThrow(message);
  });
});

describe('experiments checked against the Stack and the ChaosTarget allow-list', () => {
  const parse = (text: string) => {
    const doc = documentsOfKind(parseSpec(text), 'ChaosExperiment')[0]!;
    return checkExperimentAgainstSpec(doc.spec, stack, target);
  };
  it.each<[string, string, string, RegExp]>([
    [
      'a model the Stack does not serve',
      'type: failed-ratio }',
      'type: failed-ratio, model: churn }',
      /spec\.steadyState\.probes\[0\]\.probe\.model: model churn is not in the Stack \(fraud\)/,
    ],
    [
      'a Triton model the Stack does not have',
      'action: { type: triton-start }',
      'action: { type: triton-load, models: [fraud_v9] }',
      /rollbacks\[0\]\.action\.models\[0\]: fraud_v9 is not a Triton model of the Stack/,
    ],
  ])('%s', (_name, from, to, message) => {
    expect(base).toContain(from);
    expect(
      parse(base.replace(from, to))
        .map((p) => `${p.path}: ${p.message}`)
        .join('\n'),
    ).toMatch(message);
  });

  it('a local target the allow-list leaves out', () => {
    const doc = loadExperimentFile(join(dir, 'gpu-server-crash.yaml'));
    const narrow = chaosTargetSpec.parse({ local: { allow: ['gateway'] } });
    expect(checkExperimentAgainstSpec(doc.spec, stack, narrow)).toEqual([
      {
        path: 'spec.method[0].action.type',
        message: expect.stringMatching(
          /triton-kill acts on triton-process, which ChaosTarget spec\.local\.allow does not list \(gateway\)/,
        ),
      },
      { path: 'spec.rollbacks[0].action.type', message: expect.stringMatching(/triton-start acts on triton-process/) },
    ]);
  });

  it('without a ChaosTarget no namespace may be touched', () => {
    const doc = loadExperimentFile(join(dir, 'k8s-gpu-pod-kill.yaml'));
    const problems = checkExperimentAgainstSpec(doc.spec, stack, defaultChaosTarget());
    expect(problems.map((p) => p.path)).toEqual(['spec.recovery.probe.namespace', 'spec.method[0].action.namespace']);
    expect(problems[0]?.message).toMatch(
      /namespace steadystate is not in ChaosTarget spec\.cluster\.namespaces \(none allowed\)/,
    );
  });
});
