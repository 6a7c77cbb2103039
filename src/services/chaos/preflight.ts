import type { PodsApi } from '../../adapters/chaos/kubernetes-pods.ts';
import type { PromQuery } from '../../adapters/chaos/prometheus-query.ts';
import type { GatewayAdminClient } from '../../adapters/gateway/admin-client.ts';
import { refuseFaultBlastRadius, refuseNonLoopback } from '../../core/chaos/guards.ts';
import { checkExperimentAgainstSpec } from '../../core/chaos/spec-checks.ts';
import type { ActionSpec } from '../../core/spec/kinds/chaos/actions.ts';
import { isGatewayProbe, type ProbeSpec } from '../../core/spec/kinds/chaos/probes.ts';
import type { ChaosExperimentSpec } from '../../core/spec/kinds/chaos-experiment.ts';
import type { ChaosTargetSpec } from '../../core/spec/kinds/chaos-target.ts';
import type { StackSpec } from '../../core/spec/kinds/stack.ts';
import { selectForDeletion } from './kubernetes-driver.ts';
import type { LocalAction, LocalDriver } from './local-driver.ts';

/** What a run can reach. Local runs have a LocalDriver; Kubernetes runs have PodsApi. */
export interface ChaosEnvironment {
  gatewayUrl?: string;
  admin?: GatewayAdminClient;
  local?: LocalDriver;
  pods?: PodsApi;
  prometheus?: PromQuery;
}

/**
 * Every check that must pass before anything is touched. Reads only (the gateway's
 * weights, the pod list); collects every refusal so one run names them all.
 */
export async function preflight(input: {
  spec: ChaosExperimentSpec;
  stack: StackSpec;
  target: ChaosTargetSpec;
  env: ChaosEnvironment;
  builtInLoad: boolean;
  weightsFound: Map<string, Record<string, number>>;
}): Promise<string[]> {
  const { spec, stack, target, env } = input;
  const refusals: string[] = checkExperimentAgainstSpec(spec, stack, target).map((p) => `${p.path}: ${p.message}`);
  const models = new Map(stack.models.map((m) => [m.name, m]));
  const defaultModel = stack.models[0]?.name as string;
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
  if (spec.target === 'local') {
    if (!env.local) refusals.push('target local needs the local stack state (--stack-state)');
    if (env.gatewayUrl) {
      const r = refuseNonLoopback('the gateway', env.gatewayUrl);
      if (r) refusals.push(r);
    }
  }
  if (spec.load && input.builtInLoad && !env.gatewayUrl) refusals.push('the built-in load needs the gateway URL');

  const probes: [ProbeSpec, string][] = [
    ...spec.steadyState.probes.map((p): [ProbeSpec, string] => [p.probe, `steadyState probe ${p.name}`]),
    ...(spec.detection ? [[spec.detection.probe, 'detection'] as [ProbeSpec, string]] : []),
    ...(spec.recovery ? [[spec.recovery.probe, 'recovery'] as [ProbeSpec, string]] : []),
    ...spec.abort.map((a): [ProbeSpec, string] => [a.probe, `abort ${a.name}`]),
  ];
  for (const [probe, where] of probes) {
    if (isGatewayProbe(probe)) {
      if (!env.gatewayUrl) refusals.push(`${where}: ${probe.type} reads the gateway's metrics; pass --gateway-url`);
    } else if (probe.type === 'promql' && !env.prometheus)
      refusals.push(`${where}: a promql probe needs --prometheus-url`);
    else if (probe.type === 'triton-ready' && !env.local?.stack.triton)
      refusals.push(`${where}: triton-ready needs Triton in the stack state`);
    else if (probe.type === 'pods-ready' && !env.pods)
      refusals.push(`${where}: pods-ready needs a Kubernetes API (--kubeconfig)`);
    else if (probe.type === 'gateway-weight') {
      if (!env.admin) refusals.push(`${where}: gateway-weight ${needsAdmin}`);
    }
  }

  const steps: [ActionSpec, string][] = [
    ...spec.method.map((s): [ActionSpec, string] => [s.action, `method step ${s.name}`]),
    ...spec.rollbacks.map((s): [ActionSpec, string] => [s.action, `rollback ${s.name}`]),
  ];
  for (const [action, where] of steps) {
    const refused = await refuseAction(action);
    if (refused) refusals.push(`${where}: ${refused}`);
  }
  return refusals;

  async function refuseAction(action: ActionSpec): Promise<string | undefined> {
    switch (action.type) {
      case 'gateway-faults': {
        if (!env.admin) return needsAdmin;
        const model = action.model ?? defaultModel;
        const m = models.get(model);
        if (!m) return undefined; // named by the static checks
        const weights = input.weightsFound.get(model) ?? Object.fromEntries(m.variants.map((v) => [v.name, v.weight]));
        return refuseFaultBlastRadius(action.faults, weights, spec.blastRadius);
      }
      case 'gateway-clear-faults':
        return env.admin ? undefined : needsAdmin;
      case 'gateway-weights': {
        if (!env.admin) return needsAdmin;
        const model = action.model ?? defaultModel;
        if (action.restore && !input.weightsFound.has(model))
          return `cannot restore the weights of ${model}: they could not be read before the method`;
        return undefined;
      }
      case 'traffic-shift':
      case 'traffic-burst':
        return spec.load && input.builtInLoad
          ? undefined
          : `${action.type} changes the built-in load, which is off (--no-load)`;
      case 'pod-delete': {
        if (!env.pods) return 'needs a Kubernetes API (--kubeconfig, or run in a pod with a service account)';
        const selection = await selectForDeletion(env.pods, action, target, spec.blastRadius).catch((error: Error) => ({
          kind: 'refused' as const,
          why: `cannot list pods: ${error.message}`,
        }));
        return selection.kind === 'refused' ? selection.why : undefined;
      }
      default:
        return (
          env.local?.refuse(action as LocalAction) ??
          (env.local ? undefined : `${action.type} needs the local stack state`)
        );
    }
  }
}
