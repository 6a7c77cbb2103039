import type { ActionSpec } from '../spec/kinds/chaos/actions.ts';
import { blastRadiusProblems } from '../spec/kinds/chaos/blast-radius.ts';
import type { ProbeSpec } from '../spec/kinds/chaos/probes.ts';
import type { ChaosExperimentSpec } from '../spec/kinds/chaos-experiment.ts';
import type { ChaosTargetSpec } from '../spec/kinds/chaos-target.ts';
import type { StackSpec } from '../spec/kinds/stack.ts';
import { refuseLocalTarget } from './guards.ts';
import { refuseNamespace } from './pod-selection.ts';

/**
 * What an experiment names that steadystate.yaml must have: its models and variants in the
 * Stack, its targets in the ChaosTarget allow-list. Static, so `chaos validate` catches it
 * in CI; the runner repeats it before acting. The blast-radius limits an experiment states
 * must lie within the ChaosTarget's ceilings. Each problem names the field and the fix.
 */
export interface SpecProblem {
  path: string;
  message: string;
}

export function checkExperimentAgainstSpec(
  spec: ChaosExperimentSpec,
  stack: StackSpec,
  target: ChaosTargetSpec,
): SpecProblem[] {
  const problems: SpecProblem[] = [...blastRadiusProblems(target.blastRadius, spec.blastRadius)];
  const models = new Map(stack.models.map((m) => [m.name, m]));
  const defaultModel = stack.models[0]?.name as string;
  const modelNames = [...models.keys()].join(', ');

  const checkProbe = (probe: ProbeSpec, path: string) => {
    if (probe.type === 'promql' || probe.type === 'triton-ready') return;
    if (probe.type === 'pods-ready') {
      const refused = refuseNamespace(probe.namespace, target.cluster.namespaces);
      if (refused) problems.push({ path: `${path}.namespace`, message: refused });
      return;
    }
    const model = probe.model ?? defaultModel;
    const m = models.get(model);
    if (!m) {
      problems.push({ path: `${path}.model`, message: `model ${model} is not in the Stack (${modelNames})` });
      return;
    }
    const variant = probe.variant;
    const variants = [...m.variants.map((v) => v.name), 'fallback'];
    if (variant !== undefined && !variants.includes(variant)) {
      problems.push({
        path: `${path}.variant`,
        message: `${model} has no variant ${variant} (${variants.join(', ')})`,
      });
    }
  };
  spec.steadyState.probes.forEach((p, i) => {
    checkProbe(p.probe, `spec.steadyState.probes[${i}].probe`);
  });
  if (spec.detection) checkProbe(spec.detection.probe, 'spec.detection.probe');
  if (spec.recovery) checkProbe(spec.recovery.probe, 'spec.recovery.probe');
  spec.abort.forEach((a, i) => {
    checkProbe(a.probe, `spec.abort[${i}].probe`);
  });

  const checkAction = (action: ActionSpec, path: string) => {
    if (spec.target === 'local') {
      const refused = refuseLocalTarget(action, target.local.allow);
      if (refused) problems.push({ path: `${path}.type`, message: refused });
    }
    if (action.type === 'pod-delete') {
      const refused = refuseNamespace(action.namespace, target.cluster.namespaces);
      if (refused) problems.push({ path: `${path}.namespace`, message: refused });
    }
    if (action.type === 'gateway-faults' || action.type === 'gateway-weights') {
      const model = action.model ?? defaultModel;
      const m = models.get(model);
      if (!m) {
        problems.push({ path: `${path}.model`, message: `model ${model} is not in the Stack (${modelNames})` });
        return;
      }
      const names = m.variants.map((v) => v.name);
      if (action.type === 'gateway-faults') {
        const allowed = [...names, '*', ...(m.fallbackModel ? ['fallback'] : [])];
        action.faults.forEach((f, i) => {
          if (!allowed.includes(f.variant))
            problems.push({
              path: `${path}.faults[${i}].variant`,
              message: `${model} has no variant ${f.variant} (${allowed.join(', ')})`,
            });
        });
      } else if (action.weights) {
        const unknown = Object.keys(action.weights).filter((v) => !names.includes(v));
        if (unknown.length > 0)
          problems.push({
            path: `${path}.weights`,
            message: `${model} has no variant ${unknown.join(', ')} (${names.join(', ')})`,
          });
        const total = Object.values(action.weights).reduce((a, b) => a + b, 0);
        if (Math.abs(total - 100) > 1e-9)
          problems.push({ path: `${path}.weights`, message: `weights add up to ${total}; they must add up to 100` });
      }
    }
    if (action.type === 'triton-unload' || action.type === 'triton-load') {
      const known = new Set(
        stack.models.flatMap((m) => [
          ...m.variants.map((v) => v.tritonModel),
          ...(m.fallbackModel ? [m.fallbackModel] : []),
        ]),
      );
      action.models.forEach((name, i) => {
        if (!known.has(name))
          problems.push({
            path: `${path}.models[${i}]`,
            message: `${name} is not a Triton model of the Stack (${[...known].join(', ')})`,
          });
      });
    }
  };
  spec.method.forEach((s, i) => {
    checkAction(s.action, `spec.method[${i}].action`);
  });
  spec.rollbacks.forEach((s, i) => {
    checkAction(s.action, `spec.rollbacks[${i}].action`);
  });
  return problems;
}
