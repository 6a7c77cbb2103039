import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { paths } from '../../adapters/process/paths.ts';
import { freePort } from '../../adapters/process/ports.ts';
import { PrometheusClient } from '../../adapters/prometheus/client.ts';
import { experimentFromSpec } from '../../core/abtest/experiment-config.ts';
import { asMixSchema, createPayloadMix, type LoadRequest } from '../../core/load/payload-mix.ts';
import { summarizeLoad } from '../../core/load/series.ts';
import { reportSeriesFromLoad } from '../../core/report/from-load.ts';
import { type GameDayOutcome, gameDayOutcome } from '../../core/report/outcome.ts';
import type {
  AbDecision,
  ErrorBudgetUse,
  ExperimentOutcome,
  FaultWindow,
  GameDayResult,
} from '../../core/report/types.ts';
import { parseSpec } from '../../core/spec/parse.ts';
import { AbController } from '../abtest/controller.ts';
import { gatewayAdminClient } from '../abtest/gateway-admin.ts';
import { abtestGauges } from '../abtest/gauges.ts';
import { fileJournal } from '../abtest/journal.ts';
import { startMetricsServer } from '../abtest/metrics-server.ts';
import { prometheusCounterSource } from '../abtest/prometheus-counter-source.ts';
import { runOpenLoad } from '../load/open-load.ts';
import { writeGameDayReport } from '../report/write-report.ts';
import { badVariantPhase } from './bad-variant-phase.ts';
import { type LocalStack, startLocalStack } from './local-stack.ts';

export interface GameDayOptions {
  quick: boolean;
  specFile: string;
  /** Where reports/gameday-<time>/ goes. */
  reportsDir: string;
  /** false: run with the fallback tiers switched off, to show the hypotheses can fail. */
  fallbacks: boolean;
  log: (line: string) => void;
  /** Experiments to run between the baseline and the A/B phase; filled by the chaos suite. */
  chaosSuite?: (ctx: GameDayContext) => Promise<{ outcomes: ExperimentOutcome[]; windows: FaultWindow[] }>;
}

export interface GameDayContext {
  stack: LocalStack;
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
  const abPort = await freePort();
  const stack = await startLocalStack({
    runDir: dir,
    specFile: options.specFile,
    fallbacks: options.fallbacks,
    extraScrapeJobs: [{ job: 'abtest', targets: [`127.0.0.1:${abPort}`] }],
    log,
  });
  const decisions: AbDecision[] = [];
  const windows: FaultWindow[] = [];
  const outcomes: ExperimentOutcome[] = [];
  const gauges = abtestGauges();
  const controller = new AbController({
    config: { ...experiment, evaluateEverySeconds: 2 },
    source: prometheusCounterSource({
      url: stack.prometheus.url,
      model: experiment.model,
      errorServedBy: experiment.errorServedBy,
      positiveLabel: experiment.positiveLabel,
    }),
    admin: gatewayAdminClient({ url: stack.gateway.url, token: stack.adminToken }),
    journal: fileJournal(join(dir, 'abtest-journal.jsonl')),
    gauges,
    countFromNow: true,
  });
  const abServer = await startMetricsServer({
    registry: gauges.registry,
    port: abPort,
    verdict: () => controller.lastVerdict,
  });
  const abLoop = setInterval(() => void controller.tick().catch(() => undefined), 2_000);

  const schema = asMixSchema(JSON.parse(readFileSync(paths.featureSchema(), 'utf8')));
  const mix = createPayloadMix(schema, { seed: 7, populationSeed: 7 });
  const rate = options.quick ? 40 : 80;
  const loadAbort = new AbortController();
  let lastProgress = '';
  const load = runOpenLoad({
    url: stack.gateway.url,
    ratePerSecond: rate,
    durationMs: (options.quick ? 6 : 20) * 60_000,
    next: (): LoadRequest => mix.next(),
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

  let result: GameDayResult;
  try {
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
      });
    }
    await phase('bad variant (A/B guardrail)', async () => {
      const bad = await badVariantPhase({
        gatewayUrl: stack.gateway.url,
        adminToken: stack.adminToken,
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
    await phase('cool-down', async () => {
      await sleep(options.quick ? 5_000 : 20_000);
    });
  } finally {
    clearInterval(ticker);
    clearInterval(abLoop);
    loadAbort.abort();
  }
  const loadResult = await load;
  const budget = await errorBudget(stack.prometheus.url, startedAtMs);
  const summary = summarizeLoad(loadResult.records);
  await sleep(3_000); // let the last notifications reach the receiver
  for (const o of outcomes) {
    const during = windows.find((w) => w.experiment === o.name);
    if (!during) continue;
    o.pagesReceived = [
      ...new Set(
        stack.receiver.pages
          .filter(
            (p) => p.status === 'firing' && p.atMs >= during.startMs && p.atMs <= (during.endMs ?? Date.now()) + 60_000,
          )
          .map((p) => p.alertname),
      ),
    ];
  }
  result = {
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
    drift: [],
    experiments: outcomes,
    pages: [...stack.receiver.pages],
  };
  await abServer.close();
  await stack.stop();
  const written = await writeGameDayReport(dir, result);
  return { dir, result, outcome: gameDayOutcome(result), consoleTable: written.consoleTable };
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

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}
