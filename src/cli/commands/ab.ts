import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { loadSpecFile } from '../../adapters/files/spec-file.ts';
import { GatewayAdminClient } from '../../adapters/gateway/admin-client.ts';
import { paths } from '../../adapters/process/paths.ts';
import { zeroCounters } from '../../core/abtest/counters.ts';
import { experimentFromSpec } from '../../core/abtest/experiment-config.ts';
import { type ExperimentState, initialExperimentState, observeCounters } from '../../core/abtest/experiment-state.ts';
import { evaluateExperiment, type Verdict } from '../../core/abtest/verdict.ts';
import { stackOf } from '../../core/spec/parse.ts';
import {
  estimationSampleSize,
  expectedDurationSeconds,
  proportionSampleSize,
  twoSampleSize,
} from '../../core/stats/sample-size.ts';
import { AbController } from '../../services/abtest/controller.ts';
import type { CounterSource } from '../../services/abtest/counter-source.ts';
import { gatewayCounterSource } from '../../services/abtest/gateway-counter-source.ts';
import { abtestGauges } from '../../services/abtest/gauges.ts';
import { fileJournal } from '../../services/abtest/journal.ts';
import { experimentCounterSource } from '../../services/abtest/label-counter-source.ts';
import { startMetricsServer } from '../../services/abtest/metrics-server.ts';
import { prometheusCounterSource } from '../../services/abtest/prometheus-counter-source.ts';
import { parsePort } from '../options.ts';

function probability(name: string) {
  return (value: string): number => {
    const x = Number(value);
    if (!(x > 0 && x < 1))
      throw new InvalidArgumentError(`${name} "${value}" must be a number between 0 and 1, e.g. 0.05`);
    return x;
  };
}

function positiveNumber(name: string) {
  return (value: string): number => {
    const x = Number(value);
    if (!(x > 0) || !Number.isFinite(x)) throw new InvalidArgumentError(`${name} "${value}" must be a number above 0`);
    return x;
  };
}

function count(value: string): number {
  const x = Number(value);
  if (!Number.isInteger(x) || x < 0) throw new InvalidArgumentError(`"${value}" is not a count (an integer >= 0)`);
  return x;
}

/** "80/20" -> { control: 80, treatment: 20 }. */
function split(value: string): { control: number; treatment: number } {
  const m = /^(\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)$/.exec(value);
  if (!m || !(Number(m[1]) > 0) || !(Number(m[2]) > 0)) {
    throw new InvalidArgumentError(`split "${value}" must look like 80/20 (control/treatment, both above 0)`);
  }
  return { control: Number(m[1]), treatment: Number(m[2]) };
}

function duration(seconds: number): string {
  if (seconds < 120) return `${seconds.toFixed(0)} s`;
  if (seconds < 7200) return `${(seconds / 60).toFixed(1)} min`;
  if (seconds < 172800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} days`;
}

function printVerdict(v: Verdict): void {
  console.log(`${v.decision}: ${v.reason}`);
  console.log(`  n: control ${v.n.control}, treatment ${v.n.treatment}`);
  for (const m of v.metrics) {
    console.log(
      `  ${m.metric}: A ${m.control.mean.toPrecision(4)} B ${m.treatment.mean.toPrecision(4)}  diff ${m.estimate.toPrecision(3)}  ` +
        `p ${m.pValue.toPrecision(3)}  interval ${m.interval ? `[${m.interval[0].toPrecision(3)}, ${m.interval[1].toPrecision(3)}]` : '(-inf, inf): not enough data'}`,
    );
  }
  if (v.guardrail) {
    console.log(`  guardrail: e-value ${v.guardrail.eValue.toPrecision(3)} (rollback at ${v.guardrail.threshold})`);
  }
  if (v.srm)
    console.log(
      `  SRM: chi-squared p ${v.srm.chiSquaredPValue.toPrecision(3)}, e-value ${v.srm.eValue.toPrecision(3)}`,
    );
  if (v.bayesian) {
    console.log(
      `  beside the verdict (Bayesian, ${v.bayesian.metric}): P(B better) ${v.bayesian.probabilityTreatmentBetter.toFixed(4)}, ` +
        `expected loss of B ${v.bayesian.expectedLossChoosingTreatment.toExponential(2)}, of A ${v.bayesian.expectedLossChoosingControl.toExponential(2)}`,
    );
  }
}

export function registerAb(program: Command): void {
  const ab = program
    .command('ab')
    .description('sequential A/B significance (mSPRT), the error-ratio guardrail and automatic rollback');

  ab.command('watch')
    .description(
      'read per-variant counters every evaluateEvery, decide, roll back to 100% control on a guardrail breach',
    )
    .option('--spec <file>', 'the spec', 'steadystate.yaml')
    .option('--experiment <name>', 'the Experiment document (default: the only one)')
    .option('--prometheus <url>', 'read counters from Prometheus (summed over gateway replicas)')
    .option('--gateway <url>', "embedded mode: scrape this gateway's /metrics (one replica)")
    .option('--admin <url>', 'gateway admin API base URL (default: the --gateway URL, else the Stack gateway port)')
    .option('--token <token>', 'admin bearer token (default: $STEADYSTATE_ADMIN_TOKEN)')
    .option('--dry-run', 'decide and export, never change weights')
    .option('--journal <file>', 'JSON Lines journal (default: .steadystate/abtest/<experiment>.jsonl)')
    .option('--state <file>', 'persist the experiment state here and resume from it')
    .option('--from-now', "count from the first reading instead of from the counters' origin")
    .option('--metrics-port <port>', 'serve abtest_* gauges on this port (/metrics, /verdict)', parsePort)
    .option('--once', 'one evaluation, print it, exit')
    .option('--duration <seconds>', 'stop after this long', positiveNumber('--duration'))
    .action(async (opts) => {
      const spec = loadSpecFile(opts.spec);
      const config = experimentFromSpec(spec, opts.experiment);
      const stack = stackOf(spec);
      if (opts.prometheus && opts.gateway) throw new InvalidArgumentError('pass --prometheus or --gateway, not both');
      const gatewayUrl: string = opts.gateway ?? `http://127.0.0.1:${stack.spec.gateway.port}`;
      const selection = {
        model: config.model,
        errorServedBy: config.errorServedBy,
        positiveLabel: config.positiveLabel,
      };
      const counters: CounterSource = opts.prometheus
        ? prometheusCounterSource({ url: opts.prometheus, ...selection })
        : gatewayCounterSource({ metricsUrl: new URL('/metrics', gatewayUrl).toString(), ...selection });
      // A label metric (fraud_caught_per_1000, label_precision) joins the LabelMonitor's counts.
      const source = experimentCounterSource(spec, dirname(resolve(opts.spec)), config, counters, (line) =>
        console.log(`${new Date().toISOString()} ${line}`),
      );
      const token: string | undefined = opts.token ?? process.env.STEADYSTATE_ADMIN_TOKEN;
      if (!opts.dryRun && !token) {
        throw new InvalidArgumentError(
          'rolling back needs the admin token: pass --token, set STEADYSTATE_ADMIN_TOKEN, or use --dry-run',
        );
      }
      const admin = opts.dryRun
        ? undefined
        : new GatewayAdminClient({ url: opts.admin ?? gatewayUrl, token: token as string });
      const gauges = abtestGauges();
      const state: ExperimentState | undefined =
        opts.state && existsSync(opts.state)
          ? (JSON.parse(readFileSync(opts.state, 'utf8')) as ExperimentState)
          : undefined;
      const controller = new AbController({
        config,
        source,
        ...(admin ? { admin } : {}),
        journal: fileJournal(opts.journal ?? paths.state('abtest', `${config.name}.jsonl`)),
        gauges,
        ...(state ? { state } : {}),
        countFromNow: Boolean(opts.fromNow),
        ...(opts.state ? { onState: (s: ExperimentState) => writeFileSync(opts.state, JSON.stringify(s)) } : {}),
        log: (line) => console.log(`${new Date().toISOString()} ${line}`),
      });
      if (opts.once) {
        const result = await controller.tick();
        printVerdict(result.verdict);
        for (const s of result.shadow) console.log(`  beside the verdict: ${s.reason}`);
        if (result.applied) console.log(`action: ${JSON.stringify(result.applied)}`);
        return;
      }
      const server =
        opts.metricsPort !== undefined
          ? await startMetricsServer({
              registry: gauges.registry,
              port: opts.metricsPort,
              verdict: () => controller.lastVerdict,
            })
          : undefined;
      if (server) console.log(`abtest gauges on ${server.url}/metrics, last verdict on ${server.url}/verdict`);
      console.log(
        `watching ${config.name}: ${config.control} vs ${config.treatment} of ${config.model} every ${config.evaluateEverySeconds}s ` +
          `from ${opts.prometheus ?? `${gatewayUrl}/metrics`}${admin ? '' : ' (dry run)'}`,
      );
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const timer = opts.duration ? setTimeout(onSignal, opts.duration * 1000) : undefined;
      try {
        await controller.run(stop.signal);
      } finally {
        if (timer) clearTimeout(timer);
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await server?.close();
      }
    });

  ab.command('plan')
    .description('fixed-horizon sample size and expected duration for a given traffic (and a suggested N*)')
    .requiredOption(
      '--traffic <rps>',
      'requests per second reaching the model (both arms)',
      positiveNumber('--traffic'),
    )
    .option(
      '--baseline-rate <p>',
      'control rate of the metric (e.g. error rate 0.01)',
      probability('--baseline-rate'),
      0.01,
    )
    .option(
      '--mde <delta>',
      'smallest absolute change worth detecting (e.g. 0.005 = half a point)',
      positiveNumber('--mde'),
    )
    .option(
      '--sigma <sd>',
      'for a mean metric: per-request standard deviation (then --mde is in its units)',
      positiveNumber('--sigma'),
    )
    .option('--alpha <a>', 'type I error', probability('--alpha'), 0.05)
    .option('--power <p>', '1 - type II error', probability('--power'), 0.8)
    .option('--split <a/b>', "control/treatment traffic split (default: the spec experiment's, else 80/20)", split)
    .option('--spec <file>', "take the split from this spec's Experiment", 'steadystate.yaml')
    .option('--json', 'print the figures as JSON')
    .action((opts) => {
      let shares = opts.split as { control: number; treatment: number } | undefined;
      if (!shares && existsSync(opts.spec)) shares = experimentFromSpec(loadSpecFile(opts.spec)).plannedWeights;
      shares ??= { control: 80, treatment: 20 };
      const allocationRatio = shares.treatment / shares.control;
      const mde: number = opts.mde ?? (opts.sigma ? opts.sigma / 10 : opts.baselineRate / 2);
      const size = opts.sigma
        ? twoSampleSize({
            sigmaControl: opts.sigma,
            sigmaTreatment: opts.sigma,
            minimumEffect: mde,
            alpha: opts.alpha,
            power: opts.power,
            allocationRatio,
            sides: 2,
          })
        : proportionSampleSize({
            baselineRate: opts.baselineRate,
            minimumEffect: mde,
            alpha: opts.alpha,
            power: opts.power,
            allocationRatio,
            sides: 2,
          });
      const seconds = expectedDurationSeconds(size, opts.traffic, shares);
      const sigma: number = opts.sigma ?? Math.sqrt(opts.baselineRate * (1 - opts.baselineRate));
      const estimation = estimationSampleSize({ sigma, margin: mde, alpha: opts.alpha });
      const figures = {
        metric: opts.sigma ? `mean (sigma ${opts.sigma})` : `rate (baseline ${opts.baselineRate})`,
        minimumEffect: mde,
        alpha: opts.alpha,
        power: opts.power,
        split: `${shares.control}/${shares.treatment}`,
        perArm: { control: size.control, treatment: size.treatment },
        total: size.total,
        expectedSeconds: seconds,
        playbookEstimationSize: estimation,
        suggestedPlannedSamples: size.total,
      };
      if (opts.json) {
        console.log(JSON.stringify(figures));
        return;
      }
      console.log(
        `fixed-horizon two-sample test of a ${figures.metric}, detecting ${mde} at alpha ${opts.alpha}, power ${opts.power}, split ${figures.split}:`,
      );
      console.log(`  control ${size.control} + treatment ${size.treatment} = ${size.total} requests`);
      console.log(`  at ${opts.traffic} req/s: ${duration(seconds)}`);
      console.log(`  playbook n = (Z*sigma/margin)^2 = ${estimation} requests to know one arm's value within ±${mde}`);
      console.log(
        `  the sequential test may stop earlier; set plannedSamples (N*) near ${size.total} so its interval is tightest there`,
      );
    });

  ab.command('evaluate')
    .description('one verdict from counts (a single look), e.g. from a dashboard or a postmortem')
    .option('--spec <file>', 'the spec', 'steadystate.yaml')
    .option('--experiment <name>', 'the Experiment document (default: the only one)')
    .requiredOption('--control-requests <n>', 'requests served to control', count)
    .requiredOption('--control-errors <n>', 'of which errors', count)
    .requiredOption('--treatment-requests <n>', 'requests served to treatment', count)
    .requiredOption('--treatment-errors <n>', 'of which errors', count)
    .option('--control-positives <n>', 'positive predictions of control', count, 0)
    .option('--treatment-positives <n>', 'positive predictions of treatment', count, 0)
    .option('--json', 'print the verdict as JSON')
    .action((opts) => {
      const config = experimentFromSpec(loadSpecFile(opts.spec), opts.experiment);
      for (const arm of ['control', 'treatment'] as const) {
        if (opts[`${arm}Errors`] > opts[`${arm}Requests`]) {
          throw new InvalidArgumentError(
            `--${arm}-errors (${opts[`${arm}Errors`]}) exceeds --${arm}-requests (${opts[`${arm}Requests`]})`,
          );
        }
      }
      const counters = (arm: 'control' | 'treatment') => ({
        ...zeroCounters(),
        requests: opts[`${arm}Requests`] as number,
        errors: opts[`${arm}Errors`] as number,
        predictions: opts[`${arm}Requests`] as number,
        positives: Math.min(opts[`${arm}Positives`] as number, opts[`${arm}Requests`] as number),
      });
      // Counts only: the metrics they can carry (positive_rate only when positives were given).
      const hasPositives = opts.controlPositives > 0 || opts.treatmentPositives > 0;
      const metrics = config.metrics.filter((m) => m === 'error_rate' || (m === 'positive_rate' && hasPositives));
      const countsConfig = { ...config, metrics: metrics.length > 0 ? metrics : ['error_rate' as const] };
      const state = observeCounters(
        initialExperimentState(countsConfig),
        { [config.control]: counters('control'), [config.treatment]: counters('treatment') },
        countsConfig,
      );
      const verdict = evaluateExperiment(state, countsConfig);
      if (opts.json) console.log(JSON.stringify(verdict));
      else printVerdict(verdict);
    });
}
