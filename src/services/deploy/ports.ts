import type { GatewayAdminClient } from '../../adapters/gateway/admin-client.ts';
import type { TritonClient } from '../../adapters/triton/client.ts';
import type { DeployJournal } from '../../core/deploy/journal.ts';
import type { ModelRegistry } from '../../core/deploy/registry.ts';
import type { VariantsEdit } from '../../core/deploy/spec-variants.ts';
import type { FeatureSchema } from '../../core/spec/feature-schema.ts';
import type { ObjectStore } from '../../core/storage/object-store.ts';
import type { CounterSource } from '../abtest/counter-source.ts';
import type { JournalStore } from './journal-store.ts';

/** What a deploy talks to: real parts in deploy-ports.ts, in-memory fakes in unit tests. */

/** Triton's model control and inference, as far as a deploy uses them (a fake in unit tests). */
export type DeployTriton = Pick<TritonClient, 'loadModel' | 'unloadModel' | 'infer'>;
/** The gateway admin API, as far as a deploy uses it. */
export type DeployGateway = Pick<GatewayAdminClient, 'getWeights' | 'setWeights' | 'getRoutes' | 'setRoutes'>;

export interface DeployPorts {
  registry: ModelRegistry;
  store: ObjectStore;
  triton: DeployTriton;
  gateway: DeployGateway;
  counters: CounterSource;
  schema: FeatureSchema;
  journals: JournalStore;
  /** The spec file the Stack's variants are recorded in on promote (services/deploy/spec-file.ts); none: not recorded. */
  specFile?: SpecFilePort;
  /** The error budget policy (`slo gate`): a deploy does not start while it blocks. */
  gate?: () => Promise<{ allow: boolean; reason: string }>;
  now?: () => Date;
  log?: (line: string) => void;
  /** Called after every journal change (the game day draws stages and looks from it). */
  onJournal?: (journal: DeployJournal) => void;
}

/** Where a promote records what now serves: the spec file's Stack variants. */
export interface SpecFilePort {
  readonly file: string;
  /** Applies the edit; returns the changes made ("v1.tritonModel fraud_v1 -> fraud_v6"), none when the file already said so. */
  recordVariants(edit: VariantsEdit): Promise<string[]>;
}
