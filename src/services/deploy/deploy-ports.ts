import { GatewayAdminClient } from '../../adapters/gateway/admin-client.ts';
import { paths } from '../../adapters/process/paths.ts';
import { MlflowRegistry } from '../../adapters/registry/mlflow-registry.ts';
import { openObjectStore } from '../../adapters/storage/open-object-store.ts';
import { TritonClient } from '../../adapters/triton/client.ts';
import type { FeatureSchema } from '../../core/spec/feature-schema.ts';
import type { DeploymentSpec } from '../../core/spec/kinds/deployment.ts';
import { gatewayCounterSource } from '../abtest/gateway-counter-source.ts';
import { JournalStore } from './journal-store.ts';
import type { DeployPorts } from './run-deploy.ts';
import { specFileOnDisk } from './spec-file.ts';

/** Where a deploy's parts are, from the CLI, the game day or the webhook receiver. */
export interface DeployTargets {
  gatewayUrl: string;
  adminToken: string;
  tritonUrl: string;
  /** Overrides spec.registry.url. */
  registryUrl?: string;
  /** Overrides spec.store (a folder, s3://bucket/prefix, s3://http://host:port/bucket/prefix). */
  store?: string;
  journalDir?: string;
  schema: FeatureSchema;
  env?: NodeJS.ProcessEnv;
  /** The spec file whose Stack variants a promote rewrites; none: the file is not touched. */
  specFile?: string;
}

/** The real ports of a deploy: MLflow, the object store, Triton, the gateway's admin API and /metrics. */
export function deployPorts(spec: DeploymentSpec, t: DeployTargets): DeployPorts {
  return {
    registry: new MlflowRegistry(t.registryUrl ?? spec.registry.url),
    store: openObjectStore(t.store ?? spec.store, t.env ?? process.env),
    triton: new TritonClient({ url: t.tritonUrl, timeoutMs: 30_000 }),
    gateway: new GatewayAdminClient({ url: t.gatewayUrl, token: t.adminToken }),
    counters: gatewayCounterSource({
      metricsUrl: new URL('/metrics', t.gatewayUrl).toString(),
      model: spec.model,
      errorServedBy: spec.canary.errorServedBy,
      positiveLabel: '1',
    }),
    schema: t.schema,
    journals: new JournalStore(t.journalDir ?? paths.state('deploys')),
    ...(t.specFile ? { specFile: specFileOnDisk(t.specFile) } : {}),
  };
}
