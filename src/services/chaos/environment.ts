import { existsSync } from 'node:fs';
import type { PodsApi } from '../../adapters/chaos/kubernetes-pods.ts';
import { KubernetesPodsApi, loadKubeConfig } from '../../adapters/chaos/kubernetes-pods.ts';
import { type LocalStack, readLocalStack } from '../../adapters/chaos/local-stack.ts';
import { HttpPromQuery, type PromQuery } from '../../adapters/chaos/prometheus-query.ts';
import { GatewayAdminClient } from '../../adapters/gateway/admin-client.ts';
import { recordedInstances } from '../../adapters/process/triton-server.ts';
import { inClusterServices } from '../../core/cluster/service-addresses.ts';
import type { ChaosExperimentSpec } from '../../core/spec/kinds/chaos-experiment.ts';
import type { ChaosTargetSpec } from '../../core/spec/kinds/chaos-target.ts';
import type { StackDocument } from '../../core/spec/kinds/stack.ts';
import type { GatewayAdminPort } from './ports.ts';
import { LocalState } from './providers/local-state.ts';

/** What a run can reach. Local runs have the local stack state; Kubernetes runs have a pods API. */
export interface ChaosEnvironment {
  gatewayUrl?: string;
  admin?: GatewayAdminPort;
  local?: LocalState;
  pods?: PodsApi;
  prometheus?: PromQuery;
}

export interface EnvironmentOptions {
  stateFile: string;
  gatewayUrl?: string;
  prometheusUrl?: string;
  kubeconfig?: string;
  adminToken?: string;
}

/**
 * Where a CLI run acts: for target local, the stack state file (or the gateway URL alone,
 * plus a Triton recorded by `steadystate triton up`); for target kubernetes, the cluster
 * from the kube config and the in-cluster URLs of the ChaosTarget.
 */
export function environmentFor(
  spec: ChaosExperimentSpec,
  stack: StackDocument,
  target: ChaosTargetSpec,
  options: EnvironmentOptions,
): ChaosEnvironment {
  const token = options.adminToken ?? process.env[stack.spec.gateway.adminTokenEnv];
  // Without a token there is no admin API: preflight refuses the steps and probes that need it.
  const admin = (url: string) => (token ? { admin: new GatewayAdminClient({ url, token }) } : {});
  if (spec.target === 'kubernetes') {
    const services = inClusterServices(stack, target);
    const gatewayUrl = options.gatewayUrl ?? services.gateway;
    return {
      gatewayUrl,
      ...admin(gatewayUrl),
      pods: new KubernetesPodsApi(loadKubeConfig(options.kubeconfig)),
      prometheus: new HttpPromQuery(options.prometheusUrl ?? services.prometheus),
    };
  }
  let local: LocalStack;
  if (existsSync(options.stateFile)) {
    local = readLocalStack(options.stateFile);
    if (options.gatewayUrl) local.gatewayUrl = options.gatewayUrl;
  } else {
    local = { gatewayUrl: options.gatewayUrl ?? `http://127.0.0.1:${stack.spec.gateway.port}` };
  }
  if (!local.triton) {
    const port = new URL(stack.spec.triton.url).port;
    const recorded = recordedInstances().find((i) => String(i.ports.http) === port);
    if (recorded) local.triton = recorded;
  }
  const prometheusUrl = options.prometheusUrl ?? local.prometheus?.url;
  return {
    gatewayUrl: local.gatewayUrl,
    ...admin(local.gatewayUrl),
    local: new LocalState(local, existsSync(options.stateFile) ? options.stateFile : undefined),
    ...(prometheusUrl ? { prometheus: new HttpPromQuery(prometheusUrl) } : {}),
  };
}
