import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GatewayAdminClient } from '../../adapters/gateway/admin-client.ts';
import { paths } from '../../adapters/process/paths.ts';
import { freePort } from '../../adapters/process/ports.ts';
import { PrometheusClient } from '../../adapters/prometheus/client.ts';
import { experimentFromSpec } from '../../core/abtest/experiment-config.ts';
import type { Journal } from '../../core/chaos/journal.ts';
import { summarizeLoad } from '../../core/load/series.ts';
import { reportSeriesFromLoad } from '../../core/report/from-load.ts';
import { isPage } from '../../core/report/notifications.ts';
import { type GameDayOutcome, gameDayOutcome } from '../../core/report/outcome.ts';
import type {
  AbDecision,
  DeployRecord,
  ErrorBudgetUse,
  ExperimentOutcome,
  FaultWindow,
  GameDayResult,
} from '../../core/report/types.ts';
import { featureSchemaFile } from '../../core/spec/feature-schema.ts';
import { documentsOfKind, parseSpec, stackOf } from '../../core/spec/parse.ts';
import { junitXml } from '../../generators/report/junit.ts';
import { AbController } from '../abtest/controller.ts';
import { abtestGauges } from '../abtest/gauges.ts';
import { fileJournal } from '../abtest/journal.ts';
import { startMetricsServer } from '../abtest/metrics-server.ts';
import { prometheusCounterSource } from '../abtest/prometheus-counter-source.ts';
import { loadMonitor } from '../drift/monitor.ts';
import { prometheusInstantQuery, windowFromPrometheus } from '../drift/prometheus-counts.ts';
import { startWatch } from '../drift/watch.ts';
import { runOpenLoad } from '../load/open-load.ts';
import { writeGameDayReport } from '../report/write-report.ts';
import { badVariantPhase } from './bad-variant-phase.ts';
import { gameDayTraffic, referenceRows } from './baseline-traffic.ts';
import { clusterPhase } from './cluster-phase.ts';
import { featureSkewPhase } from './feature-skew-phase.ts';
import { type FeatureStoreSchedule, startFeatureStoreSchedule } from './feature-store-phase.ts';
import { LATE_LABELS, lateLabelsPhase } from './late-labels-phase.ts';
import { type GameDayStack, startLocalStack } from './local-stack.ts';
import { driftSeries, driftWindowClearAt, shiftedTrafficPhase } from './shifted-traffic-phase.ts';
import { judgeDeploysUnderLoad, shipModelPhase } from './ship-model-phase.ts';
import { spotInterruptionPhase } from './spot-interruption-phase.ts';
import { TruthLedger } from './truth-ledger.ts';

export interface GameDayOptions {
  quick: boolean;
  specFile: string;
  /** Where reports/gameday-<time>/ goes. */
  reportsDir: string;
  /** false: run with the fallback tiers switched off, to show the hypotheses can fail. */
  fallbacks: boolean;
  log: (line: string) => void;
  /** Run the ship-model phase (MLflow + S3 started with the stack; bad, failing and good candidates deployed). */
  shipModel?: boolean;
  /** Run the cluster phase (full run; default true): GPU pod kill and GPU node lost on a local control plane. */
  cluster?: boolean;
  /** Experiments to run between the baseline and the A/B phase; filled by the chaos suite. */
  chaosSuite?: (
    ctx: GameDayContext,
  ) => Promise<{ outcomes: ExperimentOutcome[]; windows: FaultWindow[]; journals: Journal[] }>;
}

export interface GameDayContext {
  stack: GameDayStack;
  quick: boolean;
  runDir: string;
  log: (line: string) => void;
}

export interface GameDayRun {
  dir: string;
  result: GameDayResult;
  outcome: GameDayOutcome;
  consoleTable: string;
}

/**
 * The main job: bring up the local stack, drive production-shaped open-model load the whole
 * time, break things one at a time (chaos suite, then a bad variant for the A/B
 * controller), and write the report. Everything started here is stopped here.
 */
export async function runGameDay(options: GameDayOptions): Promise<GameDayRun> {
  const startedAtMs = Date.now();
  const stamp = new Date(startedAtMs).toISOString().replace(/[:.]/g, '-');
  const dir = join(options.reportsDir, `gameday-${stamp}`);
  mkdirSync(dir, { recursive: true });
  const log = options.log;
  const specText = readFileSync(options.specFile, 'utf8');
  const spec = parseSpec(specText, options.specFile);
  const experiment = experimentFromSpec(spec);
  const monitor = loadMonitor(spec, undefined, { root: paths.root() });
  // Baseline traffic drawn from the data the drift reference was built from (issue 19): a
  // healthy run raises no drift ticket; the drift phase shifts it on purpose. Read before
  // anything starts, so a missing or stale data file stops nothing half-way.
  const schema = featureSchemaFile.parse(JSON.parse(readFileSync(paths.featureSchema(), 'utf8')));
  const traffic = gameDayTraffic(schema, referenceRows(monitor.profile, schema, paths.root()));
  // Every request's id and true class, for the late-labels phase.
  const truth = new TruthLedger();
  const abPort = await freePort();
  const driftPort = await freePort();
  const stack = await startLocalStack({
    runDir: dir,
    specFile: options.specFile,
    fallbacks: options.fallbacks,
    modelRegistry: options.shipModel ?? false,
    extraScrapeJobs: [
      { job: 'abtest', targets: [`127.0.0.1:${abPort}`] },
      { job: 'drift', targets: [`127.0.0.1:${driftPort}`] },
    ],
    log,
  });
  // Whatever throws from here on (a phase, the report), or a Ctrl-C / SIGTERM, the processes
  // this run started are stopped: left running they hold ports, CPU and the next run's lock.
  const releases: (() => unknown)[] = [];
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping the stack ...`);
    for (const release of releases) release();
    void stack.stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const decisions: AbDecision[] = [];
    const deploys: DeployRecord[] = [];
    const windows: FaultWindow[] = [];
    const outcomes: ExperimentOutcome[] = [];
    const journals: Journal[] = [];
    const gauges = abtestGauges();
    // The A/B controller watches Prometheus all game day. It starts a fresh look (counts from
    // now) before the bad-variant phase: the chaos suite's outage hit both variants and is not
    // evidence about v2.
    const newController = () =>
      new AbController({
        config: { ...experiment, evaluateEverySeconds: 2 },
        source: prometheusCounterSource({
          url: stack.prometheus.url,
          model: experiment.model,
          errorServedBy: experiment.errorServedBy,
          positiveLabel: experiment.positiveLabel,
        }),
        admin: new GatewayAdminClient({ url: stack.gateway.url, token: stack.adminToken }),
        journal: fileJournal(join(dir, 'abtest-journal.jsonl')),
        gauges,
        countFromNow: true,
      });
    let controller = newController();
    const abServer = await startMetricsServer({
      registry: gauges.registry,
      port: abPort,
      verdict: () => controller.lastVerdict,
    });
    // Paused while a deploy owns the v2 slot: its canary sets the weights, not the A/B controller.
    let abPaused = false;
    const abLoop = setInterval(() => void (abPaused || controller.tick().catch(() => undefined)), 2_000);
    releases.push(
      () => clearInterval(abLoop),
      () => abServer.close().catch(() => undefined),
    );

    // The drift watcher judges the gateway's bin counters in Prometheus (the scalable path).
    // One minute in both runs: 4,800 rows at 80 req/s is ample for the shift, and a shorter
    // window clears sooner of the chaos experiments' own load (see driftWindowClearAt).
    const driftWindowSeconds = 60;
    const driftWindow = `${driftWindowSeconds}s`;
    if (options.quick) monitor.settings.minSamples = 300;
    const driftStop = new AbortController();
    const watcher = await startWatch({
      monitor,
      source: () =>
        windowFromPrometheus(prometheusInstantQuery(stack.prometheus.url), monitor.settings.model, driftWindow),
      intervalMs: 2_000,
      port: driftPort,
      host: '127.0.0.1',
      signal: driftStop.signal,
    });
    releases.push(() => driftStop.abort());

    const rate = options.quick ? 40 : 80;
    const loadAbort = new AbortController();
    let lastProgress = '';
    const load = runOpenLoad({
      url: stack.gateway.url,
      ratePerSecond: rate,
      // The ship-model phase (~4 min) runs last: its canary needs the load until it ends.
      durationMs: ((options.quick ? 6 : 20) + (options.shipModel ? 6 : 0)) * 60_000,
      next: () => truth.stamp(traffic.next()),
      signal: loadAbort.signal,
      onProgress: (p) => {
        lastProgress = `sent ${p.sent}, in flight ${p.inflight}, live p99 ${Number.isFinite(p.p99Ms) ? p.p99Ms.toFixed(0) : '-'} ms`;
      },
    });
    const phase = async (name: string, body: () => Promise<void>) => {
      const t0 = Date.now();
      log(`[${((t0 - startedAtMs) / 1000).toFixed(0)} s] phase: ${name} (${lastProgress || 'load starting'})`);
      await body();
    };
    const ticker = setInterval(
      () => log(`  ... ${((Date.now() - startedAtMs) / 1000).toFixed(0)} s: ${lastProgress}`),
      10_000,
    );
    releases.push(
      () => clearInterval(ticker),
      () => loadAbort.abort(),
    );

    let featureStore: FeatureStoreSchedule | undefined;
    /** When the last phase that sends its own (chaos built-in) load through the gateway ended. */
    let syntheticLoadEndedAtMs = 0;
    try {
      if (!options.quick && stack.state.redis?.featureStore) {
        const redisUrl = stack.state.redis.featureStore.url;
        await phase('feature store (Feast materialization, then every 60 s)', async () => {
          featureStore = await startFeatureStoreSchedule({
            runDir: dir,
            redisUrl,
            pushgatewayUrl: stack.pushgateway.url,
            everyMs: 60_000,
            // With the registry's S3 store running (the ship-model phase), the offline tables live there.
            ...(stack.registry
              ? {
                  offlineS3: {
                    uri: 's3://feast-offline/gameday',
                    endpoint: stack.registry.s3.endpoint,
                    credentials: stack.registry.s3.clientEnv,
                  },
                }
              : {}),
            log,
          });
        });
      }
      await phase('baseline', async () => {
        await sleep(options.quick ? 10_000 : 30_000);
      });
      if (options.chaosSuite) {
        await phase('chaos suite', async () => {
          const suite = await (options.chaosSuite as NonNullable<GameDayOptions['chaosSuite']>)({
            stack,
            quick: options.quick,
            runDir: dir,
            log,
          });
          outcomes.push(...suite.outcomes);
          windows.push(...suite.windows);
          journals.push(...suite.journals);
        });
        syntheticLoadEndedAtMs = Date.now();
      }
      if (!options.quick) {
        await phase('spot interruption (batch job)', async () => {
          const spot = await spotInterruptionPhase({ stack, quick: false, runDir: dir, log }, options.specFile);
          outcomes.push(...spot.outcomes);
          windows.push(...spot.windows);
          journals.push(...spot.journals);
        });
        syntheticLoadEndedAtMs = Date.now();
        // Full run (~2 min; --no-cluster skips it): a local Kubernetes control plane, two Triton
        // pods as processes, a GPU pod kill and a GPU node loss.
        if (options.cluster ?? true) {
          await phase('cluster: GPU pod kill and GPU node lost', async () => {
            const cluster = await clusterPhase({ stack: stackOf(spec).spec, slos: documentsOfKind(spec, 'SLO'), log });
            outcomes.push(...cluster.outcomes);
            windows.push(...cluster.windows);
          });
          syntheticLoadEndedAtMs = Date.now();
        }
      }
      await phase('shifted traffic (drift)', async () => {
        const drift = await shiftedTrafficPhase({
          prometheusUrl: stack.prometheus.url,
          seconds: options.quick ? 35 : 90,
          setShifted: (on) => traffic.setShifted(on),
          log,
          notBeforeMs: driftWindowClearAt(syntheticLoadEndedAtMs, driftWindowSeconds),
        });
        outcomes.push(drift.outcome);
        windows.push(drift.window);
      });
      await phase('bad variant (A/B guardrail)', async () => {
        controller = newController();
        await controller.tick().catch(() => undefined);
        const bad = await badVariantPhase({
          admin: new GatewayAdminClient({ url: stack.gateway.url, token: stack.adminToken }),
          controller,
          model: experiment.model,
          badVariant: experiment.treatment,
          timeoutSeconds: 40,
          log,
          decisions,
        });
        outcomes.push(bad.outcome);
        windows.push(bad.window);
      });
      await phase('late labels (ground truth)', async () => {
        const labels = await lateLabelsPhase({
          specFile: stack.specFile,
          root: paths.root(),
          runDir: dir,
          ledger: truth,
          startedAtMs,
          settings: options.quick ? LATE_LABELS.quick : LATE_LABELS.full,
          log,
        });
        outcomes.push(labels.outcome);
        windows.push(labels.window);
      });
      if (stack.registry) {
        const registry = stack.registry;
        await phase('ship a model under load (bad, failing, good)', async () => {
          abPaused = true; // the deploy owns the v2 slot now
          const ship = await shipModelPhase({
            registry,
            specFile: stack.specFile,
            gatewayUrl: stack.gateway.url,
            adminToken: stack.adminToken,
            tritonUrl: stack.state.triton?.url ?? '',
            journalDir: join(dir, 'deploys'),
            log,
            decisions,
          });
          outcomes.push(...ship.outcomes);
          windows.push(...ship.windows);
          deploys.push(...ship.deploys);
        }).finally(() => {
          abPaused = false;
        });
      }
      if (featureStore) {
        const feast = featureStore;
        await phase('train/serve skew check (feature store)', async () => {
          const skew = await featureSkewPhase({
            gatewayUrl: stack.gateway.url,
            predictionLog: join(dir, 'predictions.jsonl'),
            feast: feast.env,
            schema,
            prometheusUrl: stack.prometheus.url,
            pushgatewayUrl: stack.pushgateway.url,
            users: feast.prepared.users,
            requests: 300,
            ratePerSecond: 30,
            runDir: dir,
            log,
          });
          outcomes.push(skew.outcome);
          windows.push(skew.window);
        });
      }
      await phase('cool-down', async () => {
        await sleep(options.quick ? 5_000 : 20_000);
      });
    } finally {
      await featureStore?.stop();
      clearInterval(ticker);
      clearInterval(abLoop);
      loadAbort.abort();
    }
    const loadResult = await load;
    driftStop.abort();
    await watcher.done;
    const drift = await driftSeries(stack.prometheus.url, startedAtMs);
    const budget = await errorBudget(stack.prometheus.url, startedAtMs);
    const summary = summarizeLoad(loadResult.records);
    await sleep(3_000); // let the last notifications reach the receiver
    for (const o of outcomes) {
      const during = windows.find((w) => w.experiment === o.name);
      if (!during) continue;
      o.pagesReceived = [
        ...new Set(
          stack.receiver.pages
            // Pages only: a ticket (severity=ticket, e.g. FeatureDrift) woke no one.
            .filter(
              (p) =>
                p.status === 'firing' &&
                isPage(p) &&
                p.atMs >= during.startMs &&
                p.atMs <= (during.endMs ?? Date.now()) + 60_000,
            )
            .map((p) => p.alertname),
        ),
      ];
    }
    const result: GameDayResult = {
      title: `steadystate game day (${options.quick ? 'quick' : 'full'}${options.fallbacks ? '' : ', fallbacks OFF'})`,
      mode: options.quick ? 'quick' : 'full',
      startedAtMs,
      endedAtMs: Date.now(),
      slo: { latencyQuantile: 0.99, latencyThresholdMs: 100, availabilityObjective: 0.9995 },
      load: {
        ratePerSecond: rate,
        achievedRatePerSecond: loadResult.achievedRatePerSecond,
        sent: loadResult.sent,
        dropped: loadResult.dropped,
        p99Ms: summary.p99Ms,
        errorRatio: summary.errorRatio,
      },
      series: reportSeriesFromLoad(loadResult.records, loadResult.startedAtEpochMs, 5_000),
      faultWindows: windows,
      errorBudget: budget,
      abDecisions: decisions,
      drift,
      experiments: outcomes,
      pages: [...stack.receiver.pages],
      deploys: judgeDeploysUnderLoad(outcomes, deploys, loadResult),
    };
    await abServer.close();
    await stack.stop();
    const written = await writeGameDayReport(dir, result);
    writeFileSync(join(dir, 'journal.json'), `${JSON.stringify({ chaos: journals, pages: result.pages }, null, 2)}\n`);
    writeFileSync(join(dir, 'junit.xml'), junitXml(journals));
    return { dir, result, outcome: gameDayOutcome(result), consoleTable: written.consoleTable };
  } catch (error) {
    for (const release of releases) release();
    await stack.stop().catch(() => undefined);
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Share of the 30-day availability budget this run consumed, from the gateway's counters. */
async function errorBudget(prometheusUrl: string, startedAtMs: number): Promise<ErrorBudgetUse[]> {
  const client = new PrometheusClient({ url: prometheusUrl });
  const seconds = Math.max(60, Math.ceil((Date.now() - startedAtMs) / 1000));
  const objective = 0.9995;
  const bad = `sum(increase(inference_requests_total{served_by!~"primary|cache|stale_cache|fallback_model"}[${seconds}s]))`;
  const all = `sum(increase(inference_requests_total[${seconds}s]))`;
  try {
    const [b, a] = await Promise.all([client.instant(bad), client.instant(all)]);
    const badN = b.status === 'values' ? (b.samples[0]?.value ?? 0) : 0;
    const allN = a.status === 'values' ? (a.samples[0]?.value ?? 0) : Number.NaN;
    // Budget of a 30-day period at this run's request rate: (1 - objective) x rate x 30 d.
    const ratePerSecond = allN / seconds;
    const periodBudget = (1 - objective) * ratePerSecond * 30 * 86_400;
    return [{ slo: 'fraud-availability', objective, consumedRatio: badN / periodBudget, remainingRatio: null }];
  } catch {
    return [{ slo: 'fraud-availability', objective, consumedRatio: Number.NaN, remainingRatio: null }];
  }
}
