import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { paths } from '../adapters/process/paths.ts';
import { TritonClient } from '../adapters/triton/client.ts';
import { type FeatureSchema, featureSchemaFile } from '../core/spec/feature-schema.ts';
import { parseDuration } from '../core/spec/kinds/common.ts';
import type { StackSpec } from '../core/spec/kinds/stack.ts';
import { MemoryPredictionStore } from './cache/memory-store.ts';
import { RedisPredictionStore } from './cache/redis-store.ts';
import { NoPredictionStore, type PredictionStore } from './cache/store.ts';
import { OnlineFeatureStore } from './features/feature-store.ts';
import { featureSourceFromSpec } from './features/source-from-spec.ts';
import { type FeatureBinner, InferenceGateway } from './inference-gateway.ts';
import { createGatewayLog, type GatewayLog, SILENT_LOG } from './log.ts';
import { createGatewayMetrics } from './metrics.ts';
import { DoorAdmission } from './overload/door-admission.ts';
import { EventLoopLag } from './overload/event-loop-lag.ts';
import { LagShedder } from './overload/lag-shedder.ts';
import { PredictionLog } from './prediction-log.ts';
import { buildGatewayServer } from './server.ts';
import type { TritonReplicas } from './upstream/triton-replicas.ts';

export interface StartGatewayOptions {
  stack: StackSpec;
  /** Folder that relative paths in the spec (feature schemas, log) are resolved against. */
  root: string;
  host?: string;
  /** Overrides stack.gateway.port; 0 = any free port. */
  port?: number;
  /** Overrides stack.triton.url. */
  tritonUrl?: string;
  adminToken?: string;
  featureBinner?: FeatureBinner;
  /** Called once with the metrics before serving (e.g. to start feature-bin series at zero). */
  initialiseMetrics?: (metrics: ReturnType<typeof createGatewayMetrics>) => void;
  /** Wait for the warm-up prediction before resolving (default true). */
  waitReady?: boolean;
  /** Structured JSON logs (pino, stdout) for 5xx, fallbacks and breaker transitions; default on. */
  logger?: boolean;
  /** Overrides `logger`: where those lines go (tests record them). */
  log?: GatewayLog;
  /** Triton replicas from discovery (a pod watch); replaces the one `tritonUrl`. */
  tritonReplicas?: TritonReplicas;
}

export interface RunningGateway {
  url: string;
  gateway: InferenceGateway;
  server: ReturnType<typeof buildGatewayServer>;
  /** Graceful: drains in-flight requests, then closes clients. */
  close(): Promise<void>;
}

export function loadFeatureSchema(path: string): FeatureSchema {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch {
    throw new Error(`feature schema ${path} is missing; run ./scripts/setup.sh to train and export the models`);
  }
  return featureSchemaFile.parse(JSON.parse(raw));
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(paths.root(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Wires the gateway from the Stack spec and starts listening. */
export async function startGateway(options: StartGatewayOptions): Promise<RunningGateway> {
  const { stack } = options;
  const schemas = new Map(stack.models.map((m) => [m.name, loadFeatureSchema(resolve(options.root, m.featureSchema))]));
  const triton = new TritonClient({ url: options.tritonUrl ?? stack.triton.url, timeoutMs: 5_000, connections: 128 });
  let store: PredictionStore;
  if (stack.cache.backend === 'redis') {
    if (!stack.cache.redisUrl) throw new Error('spec.cache.redisUrl is required when spec.cache.backend is "redis"');
    store = new RedisPredictionStore(stack.cache.redisUrl);
  } else if (stack.cache.backend === 'none') {
    store = new NoPredictionStore();
  } else {
    store = new MemoryPredictionStore(stack.cache.maxEntries);
  }
  const log = options.log ?? (options.logger === false ? SILENT_LOG : createGatewayLog());
  const featureStore = stack.featureStore
    ? new OnlineFeatureStore(
        featureSourceFromSpec(stack.featureStore),
        parseDuration(stack.featureStore.timeout) * 1000,
        log,
      )
    : undefined;
  const predictionLog = stack.predictionLog
    ? new PredictionLog({ ...stack.predictionLog, path: resolve(options.root, stack.predictionLog.path) })
    : undefined;
  const metrics = createGatewayMetrics();
  const lagTargetMs = parseDuration(stack.resilience.eventLoopLagTarget) * 1000;
  const shedder = lagTargetMs > 0 ? new LagShedder({ targetMs: lagTargetMs }) : undefined;
  const door = new DoorAdmission({ models: stack.models.map((m) => m.name), ...(shedder ? { lag: shedder } : {}) });
  const lag = new EventLoopLag({ onWindow: (ms, utilization) => door.closeWindow(ms, utilization) });
  options.initialiseMetrics?.(metrics);
  const gateway = new InferenceGateway({
    stack,
    schemas,
    triton,
    store,
    metrics,
    log,
    lag,
    overloadFeedback: (model, admitted) => door.record(model, admitted),
    ...(featureStore ? { featureStore } : {}),
    ...(predictionLog ? { predictionLog } : {}),
    ...(options.featureBinner ? { featureBinner: options.featureBinner } : {}),
    ...(options.tritonReplicas ? { tritonReplicas: options.tritonReplicas } : {}),
  });
  metrics.overload.readings = { limits: () => gateway.concurrencyLimits(), shares: () => door.shares() };
  const server = buildGatewayServer(gateway, {
    maxBodyBytes: stack.gateway.maxBodyBytes,
    maxBatch: stack.gateway.maxBatch,
    maxInflight: stack.gateway.maxInflight,
    adminToken: options.adminToken ?? process.env[stack.gateway.adminTokenEnv] ?? '',
    log,
    version: packageVersion(),
    admission: door,
    timeouts: {
      headersMs: parseDuration(stack.gateway.headersTimeout) * 1000,
      requestMs: parseDuration(stack.gateway.requestTimeout) * 1000,
      keepAliveMs: parseDuration(stack.gateway.keepAliveTimeout) * 1000,
    },
  });
  const address = await server.app.listen({
    host: options.host ?? '127.0.0.1',
    port: options.port ?? stack.gateway.port,
  });
  const readiness = new AbortController();
  const ready = server.becomeReady(1_000, readiness.signal);
  if (options.waitReady ?? true) await ready;
  return {
    url: address,
    gateway,
    server,
    async close() {
      readiness.abort();
      await server.drain();
      lag.close();
      await Promise.allSettled([triton.close(), store.close(), featureStore?.close(), predictionLog?.close()]);
    },
  };
}
