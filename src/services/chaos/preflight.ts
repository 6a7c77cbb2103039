import { refuseNonLoopback } from '../../core/chaos/guards.ts';
import { checkExperimentAgainstSpec } from '../../core/chaos/spec-checks.ts';
import type { ActionSpec } from '../../core/spec/kinds/chaos/actions.ts';
import { isGatewayProbe, type ProbeSpec } from '../../core/spec/kinds/chaos/probes.ts';
import type { ChaosTargetSpec } from '../../core/spec/kinds/chaos-target.ts';
import type { StackSpec } from '../../core/spec/kinds/stack.ts';
import type { ChaosEnvironment } from './environment.ts';
import type { ActionContext, ActionRegistry } from './providers/provider.ts';

export interface PreflightResult {
  /** Every refusal, so one run names them all. */
  refusals: string[];
  /** What was checked and passed (a dry run reports it). */
  checked: string[];
}

/**
 * Every check that must pass before anything is touched: the experiment against the Stack
 * and the ChaosTarget, what the experiment requires, the sources of its probes, and each
 * action's (and each automatic revert's) provider preflight against the live targets.
 * Reads only.
 */
export async function preflight(input: {
  stack: StackSpec;
  target: ChaosTargetSpec;
  env: ChaosEnvironment;
  registry: ActionRegistry;
  ctx: ActionContext;
}): Promise<PreflightResult> {
  const { stack, target, env, registry, ctx } = input;
  const spec = ctx.spec;
  const refusals: string[] = checkExperimentAgainstSpec(spec, stack, target).map((p) => `${p.path}: ${p.message}`);
  const checked: string[] = [
    `the experiment against the Stack and the ChaosTarget (models, variants, allow-list, blast-radius ceilings: ${JSON.stringify(ctx.limits)})`,
  ];
  const needsAdmin = `needs the gateway admin API: set ${stack.gateway.adminTokenEnv} to the gateway's admin token`;

  for (const need of spec.requires) {
    if (need === 'feature-store' && !stack.featureStore)
      refusals.push('requires a feature store: set Stack spec.featureStore.redisUrl');
    if (need === 'redis-cache' && stack.cache.backend !== 'redis') {
      refusals.push(
        `requires the prediction cache in Redis: set Stack spec.cache.backend: redis (it is ${stack.cache.backend})`,
      );
    }
    if (need === 'prometheus' && !env.prometheus)
      refusals.push('requires Prometheus: pass --prometheus-url (or prometheus.url in the stack state)');
  }
  if (spec.requires.length > 0) checked.push(`requirements: ${spec.requires.join(', ')}`);
  if (spec.target === 'local') {
    if (!env.local) refusals.push('target local needs the local stack state (--stack-state)');
    if (env.gatewayUrl) {
      const r = refuseNonLoopback('the gateway', env.gatewayUrl);
      if (r) refusals.push(r);
      else checked.push(`the gateway ${env.gatewayUrl} is on this machine`);
    }
  }
  if (spec.load && ctx.builtInLoad) {
    if (!env.gatewayUrl) refusals.push('the built-in load needs the gateway URL');
    else if (refuseNonLoopback('the gateway', env.gatewayUrl))
      refusals.push(
        `the built-in load only targets this machine, and the gateway is ${env.gatewayUrl}; on a cluster the traffic is real (or k6's, loadtests/): run with --no-load`,
      );
  }

  const probes: [ProbeSpec, string][] = [
    ...spec.steadyState.probes.map((p): [ProbeSpec, string] => [p.probe, `steadyState probe ${p.name}`]),
    ...(spec.detection ? [[spec.detection.probe, 'detection'] as [ProbeSpec, string]] : []),
    ...(spec.recovery ? [[spec.recovery.probe, 'recovery'] as [ProbeSpec, string]] : []),
    ...spec.abort.map((a): [ProbeSpec, string] => [a.probe, `abort ${a.name}`]),
  ];
  const before = refusals.length;
  for (const [probe, where] of probes) {
    if (isGatewayProbe(probe)) {
      if (!env.gatewayUrl) refusals.push(`${where}: ${probe.type} reads the gateway's metrics; pass --gateway-url`);
    } else if (probe.type === 'promql' && !env.prometheus)
      refusals.push(`${where}: a promql probe needs --prometheus-url`);
    else if (probe.type === 'triton-ready' && !env.local?.stack.triton)
      refusals.push(`${where}: triton-ready needs Triton in the stack state`);
    else if (probe.type === 'pods-ready' && !env.pods)
      refusals.push(`${where}: pods-ready needs a Kubernetes API (--kubeconfig)`);
    else if (probe.type === 'gateway-weight' && !env.admin) refusals.push(`${where}: gateway-weight ${needsAdmin}`);
  }
  if (refusals.length === before) checked.push(`a source for each of the ${probes.length} probes (none was read)`);

  const steps: [ActionSpec, string][] = [
    ...spec.method.flatMap((s): [ActionSpec, string][] => {
      const inverse = s.duration ? registry.revert(s.action) : undefined;
      return [
        [s.action, `method step ${s.name}`],
        ...(inverse
          ? [[inverse, `method step ${s.name} (its revert after ${s.duration})`] as [ActionSpec, string]]
          : []),
      ];
    }),
    ...spec.rollbacks.map((s): [ActionSpec, string] => [s.action, `rollback ${s.name}`]),
  ];
  const named = new Set<string>();
  for (const [action, where] of steps) {
    const refused = await registry.preflight(action, ctx);
    // One missing backend refuses every step on it: each backend's reason is named once.
    const key = `${registry.backendOf(action)}: ${refused}`;
    if (refused && named.has(key)) continue;
    if (refused) named.add(key);
    if (refused) refusals.push(`${where}: ${refused}`);
    else checked.push(`${where}: ${action.type} on the ${registry.backendOf(action)} passed its guards`);
  }
  return { refusals, checked };
}
