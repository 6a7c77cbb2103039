/**
 * Chaos experiments as a library, for the game day and other callers: load an experiment,
 * describe where the stack runs, run it (subscribing to its events), render its journal.
 * The CLI (`steadystate chaos`) is a thin shell over exactly these.
 */
export { KubernetesPodsApi, loadKubeConfig, type PodsApi } from '../../adapters/chaos/kubernetes-pods.ts';
export {
  DEFAULT_STACK_STATE,
  type LocalStack,
  readLocalStack,
  writeLocalStack,
} from '../../adapters/chaos/local-stack.ts';
export { HttpPromQuery, type PromQuery } from '../../adapters/chaos/prometheus-query.ts';
export { PushgatewayPublisher, type ResultPublisher } from '../../adapters/chaos/pushgateway.ts';
export { loadExperimentFile } from '../../adapters/files/experiment-file.ts';
export { GatewayAdminClient } from '../../adapters/gateway/admin-client.ts';
export type { Journal, RunStatus } from '../../core/chaos/journal.ts';
export { describeRunEvent, type RunEvent, type RunListener } from '../../core/chaos/run-events.ts';
export { checkExperimentAgainstSpec } from '../../core/chaos/spec-checks.ts';
export { junitXml } from '../../generators/report/junit.ts';
export { startTrafficLoad } from './built-in-load.ts';
export { type EngineOptions, runEngine } from './engine.ts';
export { type ChaosEnvironment, environmentFor } from './environment.ts';
export type { Clock, GatewayAdminPort, LoadControl, ProbePort } from './ports.ts';
export {
  type ActionContext,
  type ActionProvider,
  ActionRegistry,
  defaultRegistry,
  LocalState,
  provider,
} from './providers/index.ts';
export { type RunOptions, runExperiment } from './runner.ts';
