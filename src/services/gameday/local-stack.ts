import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { type LocalStack, writeLocalStack } from '../../adapters/chaos/local-stack.ts';
import { startAlertmanager } from '../../adapters/process/alertmanager-server.ts';
import type { Daemon } from '../../adapters/process/daemon.ts';
import { type GatewayProcess, spawnGatewayProcess } from '../../adapters/process/gateway-process.ts';
import { isRunning } from '../../adapters/process/identity.ts';
import { paths } from '../../adapters/process/paths.ts';
import { freePort } from '../../adapters/process/ports.ts';
import { type PrometheusServer, startPrometheus } from '../../adapters/process/prometheus-server.ts';
import { startPushgateway } from '../../adapters/process/pushgateway-server.ts';
import { startRedis, stopRedis } from '../../adapters/process/redis-server.ts';
import { stopVerified } from '../../adapters/process/supervisor.ts';
import { startTriton, stopTriton } from '../../adapters/process/triton-server.ts';
import { type RegistryStack, startRegistryStack } from '../deploy/registry-stack.ts';
import { writeDerivedSpec } from './derived-spec.ts';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.ts';

/**
 * The whole local stack of the game day, each part a real process started by the project:
 * Triton (nvidia-pytriton), two Redis (prediction cache, online feature store), the gateway
 * (its own process), Prometheus with the generated rules, Alertmanager with the generated
 * routes delivering to a local webhook receiver, and Pushgateway. Extra scrape targets (A/B
 * controller, drift watcher) are added by the caller before Prometheus starts.
 *
 * Where the processes local chaos acts on are is `state`: the one LocalStack description
 * (src/adapters/chaos/local-stack.ts, identities recorded at launch), written to
 * `stateFile` and updated there by the chaos runner when it restarts one. `stop()` stops
 * what the state names at the end, after an identity check.
 */
export interface GameDayStack {
  state: LocalStack;
  /** <runDir>/stack.json: `steadystate chaos run --stack-state` can act on this stack too. */
  stateFile: string;
  gateway: GatewayProcess;
  prometheus: PrometheusServer;
  alertmanager: Daemon;
  pushgateway: Daemon;
  receiver: WebhookReceiver;
  /** MLflow and the S3 model store Triton also loads from (with `modelRegistry`). */
  registry: RegistryStack | undefined;
  specFile: string;
  adminToken: string;
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  runDir: string;
  specFile: string;
  fallbacks: boolean;
  /** host:port of extra scrape targets (job name -> targets). */
  extraScrapeJobs: { job: string; targets: string[] }[];
  log: (line: string) => void;
  /** Start MLflow and versitygw first and give Triton the S3 repository too (the ship-model phase). */
  modelRegistry?: boolean;
}

/** Rule files the game day loads: every generated *.rules.yml in alerts/. */
export function generatedRuleFiles(): string[] {
  const dir = join(paths.root(), 'alerts');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.rules.yml'))
    .sort()
    .map((f) => join(dir, f));
}

/**
 * The generated Alertmanager config with every webhook pointed at our receiver, and group
 * waits scaled from minutes to seconds (a game day lasts minutes, not days).
 */
export function localAlertmanagerConfig(generated: string, receiverUrl: string): Record<string, unknown> {
  const config = parse(generated) as {
    route: Record<string, unknown> & { routes?: Record<string, unknown>[] };
    receivers: { name: string; webhook_configs?: { url: string }[] }[];
  };
  const scale = (route: Record<string, unknown>) => {
    route.group_wait = '1s';
    route.group_interval = '5s';
    route.repeat_interval = '1h';
  };
  scale(config.route);
  for (const r of config.route.routes ?? []) scale(r);
  for (const receiver of config.receivers) {
    for (const hook of receiver.webhook_configs ?? []) hook.url = `${receiverUrl}/alerts/${receiver.name}`;
  }
  return config;
}

export async function startLocalStack(options: LocalStackOptions): Promise<GameDayStack> {
  const started: { stop(): Promise<void> }[] = [];
  const stopAll = async () => {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
  };
  try {
    const ports = { http: await freePort(), grpc: await freePort(), metrics: await freePort() };
    let registry: RegistryStack | undefined;
    if (options.modelRegistry) {
      options.log('starting the model registry (versitygw S3 store, MLflow) ...');
      registry = await startRegistryStack(join(options.runDir, 'registry'));
      started.push({ stop: () => (registry as RegistryStack).close() });
    }
    options.log('starting Triton (nvidia-pytriton tritonserver, CPU) ...');
    const triton = await startTriton({
      ports,
      ...(registry ? { extraArgs: [`--model-repository=${registry.store}`] } : {}),
    });
    // With a registry, its processes go in the state too: the registry outage stops them for real.
    const state: LocalStack = {
      gatewayUrl: '',
      root: paths.root(),
      triton,
      ...(registry ? { registry: registry.state } : {}),
    };
    // A chaos experiment may kill and restart Triton or Redis: stop whichever the state names then.
    started.push({ stop: async () => void (state.triton && (await stopTriton(state.triton))) });
    const cacheRedis = await startRedis(await freePort());
    const featureStoreRedis = await startRedis(await freePort());
    state.redis = { cache: cacheRedis, featureStore: featureStoreRedis };
    started.push({
      stop: async () => {
        for (const r of [state.redis?.cache, state.redis?.featureStore])
          if (r?.dir) await stopRedis({ ...r, dir: r.dir });
      },
    });
    const specFile = join(options.runDir, 'steadystate.yaml');
    const gatewayPort = await freePort();
    writeDerivedSpec(readFileSync(options.specFile, 'utf8'), specFile, {
      tritonUrl: triton.url,
      tritonMetricsUrl: triton.metricsUrl,
      cacheRedisUrl: cacheRedis.url,
      featureStoreRedisUrl: featureStoreRedis.url,
      gatewayPort,
      fallbacks: options.fallbacks,
      predictionLogPath: join(options.runDir, 'predictions.jsonl'),
    });
    const adminToken = `gameday-${Math.random().toString(36).slice(2)}`;
    options.log('starting the gateway ...');
    const gateway = await spawnGatewayProcess({
      specFile,
      port: gatewayPort,
      adminToken,
      logFile: join(options.runDir, 'gateway.log'),
    });
    started.push(gateway);
    state.gatewayUrl = gateway.url;
    const receiver = await startWebhookReceiver();
    started.push({ stop: () => receiver.close() });
    const alertmanager = await startAlertmanager({
      config: localAlertmanagerConfig(
        readFileSync(join(paths.root(), 'alerts', 'alertmanager.yml'), 'utf8'),
        receiver.url,
      ),
    });
    started.push(alertmanager);
    const pushgateway = await startPushgateway();
    started.push(pushgateway);
    const hostPort = (url: string) => new URL(url).host;
    options.log('starting Prometheus with the generated rules ...');
    const prometheus = await startPrometheus({
      scrapeInterval: '1s',
      evaluationInterval: '1s',
      ruleFiles: generatedRuleFiles(),
      alertmanagers: [hostPort(alertmanager.url)],
      jobs: [
        { job: 'gateway', targets: [hostPort(gateway.url)] },
        { job: 'triton', targets: [hostPort(triton.metricsUrl)] },
        { job: 'pushgateway', targets: [hostPort(pushgateway.url)] },
        ...options.extraScrapeJobs,
      ],
    });
    started.push(prometheus);
    // Prometheus runs as our child; a chaos restart replaces it with a detached one the state names.
    state.prometheus = { ...prometheus.identity, cwd: prometheus.dir, url: prometheus.url };
    started.push({
      stop: async () => {
        const p = state.prometheus;
        if (p && p.pid !== prometheus.pid && isRunning(p)) await stopVerified(p, 'prometheus');
      },
    });
    const stateFile = join(options.runDir, 'stack.json');
    writeLocalStack(stateFile, state);
    return {
      state,
      stateFile,
      gateway,
      prometheus,
      alertmanager,
      pushgateway,
      receiver,
      registry,
      specFile,
      adminToken,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
