import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { pushGauges } from '../../adapters/feast/pushgateway-gauges.ts';
import { loadReferenceProfile, writeReferenceProfile } from '../../adapters/files/drift-profile.ts';
import { loadSpecFile } from '../../adapters/files/spec-file.ts';
import { formatOf } from '../../adapters/files/tabular.ts';
import { DEFAULT_PROFILE_OPTIONS } from '../../core/drift/build-profile.ts';
import type { ReferenceProfile } from '../../core/drift/profile.ts';
import { DEFAULT_SKEW_TOLERANCE } from '../../core/drift/skew.ts';
import { type DriftReport, formatNumber, formatPercent, type Outcome } from '../../core/drift/verdict.ts';
import { FEATURE_STORE_PUSH_JOB } from '../../core/features/freshness.ts';
import { skewGaugesText } from '../../core/features/skew-gauges.ts';
import { parseDuration } from '../../core/spec/kinds/common.ts';
import { driftMonitorDocument, driftSettingsOf } from '../../core/spec/kinds/drift-monitor.ts';
import { DEFAULT_FEAST_VIEWS } from '../../core/spec/kinds/stack-feature-store.ts';
import { buildProfileFromCsv, readFeatureSchema } from '../../services/drift/build-profile-file.ts';
import { checkFile } from '../../services/drift/check-file.ts';
import { LogFollower } from '../../services/drift/follow-log.ts';
import { type LoadedMonitor, loadMonitor } from '../../services/drift/monitor.ts';
import { prometheusInstantQuery, windowFromPrometheus } from '../../services/drift/prometheus-counts.ts';
import { skewFromFeast } from '../../services/drift/skew-feast.ts';
import type { SkewFilesResult } from '../../services/drift/skew-files.ts';
import { skewFromFiles } from '../../services/drift/skew-files.ts';
import { startWatch } from '../../services/drift/watch.ts';
import { parsePort, parsePositiveInt } from '../options.ts';

/** Exit codes of `drift check`: scripts can branch on the outcome. */
export const CHECK_EXIT_CODES: Record<Outcome, number> = { ok: 0, drift: 2, no_data: 3 };

function parseFraction(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`"${value}" is not a non-negative number`);
  return n;
}

function parseDurationOption(value: string): string {
  try {
    parseDuration(value);
  } catch {
    throw new InvalidArgumentError(`"${value}" is not a duration like 30s, 5m, 1h`);
  }
  return value;
}

export function registerDrift(program: Command): void {
  const drift = program
    .command('drift')
    .description('drift of model inputs and predictions against the training split, and train/serve skew');

  drift
    .command('profile')
    .description('build the reference profile (bins, moments, samples, base rates) from the training split, once')
    .requiredOption('--data <csv>', 'the training split (header row), e.g. serving/data/train.csv')
    .requiredOption('--out <json>', 'where to write it, e.g. serving/model_repository/reference_profile.json')
    .option('--schema <file>', 'feature schema', 'serving/model_repository/feature_schema.json')
    .option('--label-column <name>', 'label column whose base rate to record', 'is_fraud')
    .option('--no-label', 'the data has no label column')
    .option('--no-scores', 'do not score the reference with the exported ONNX models (no predicted-label base rates)')
    .option('--bins <n>', 'bins per continuous feature', parsePositiveInt, DEFAULT_PROFILE_OPTIONS.bins)
    .option(
      '--sample-size <n>',
      'reference values kept per numeric feature for exact tests',
      parsePositiveInt,
      DEFAULT_PROFILE_OPTIONS.sampleSize,
    )
    .option('--seed <n>', 'seed of the reservoir samples', parsePositiveInt, DEFAULT_PROFILE_OPTIONS.seed)
    .action((opts) => {
      const started = Date.now();
      const profile = buildProfileFromCsv({
        data: opts.data,
        schemaFile: opts.schema,
        labelColumn: opts.label === false ? undefined : opts.labelColumn,
        scores: opts.scores !== false,
        options: { ...DEFAULT_PROFILE_OPTIONS, bins: opts.bins, sampleSize: opts.sampleSize, seed: opts.seed },
      });
      writeReferenceProfile(opts.out, profile);
      const models = Object.entries(profile.predictions ?? {})
        .map(([m, p]) => `${m} P(1)=${formatNumber((p.counts['1'] ?? 0) / p.n)}`)
        .join(', ');
      console.log(
        `wrote ${opts.out}: ${profile.features.length} features from ${profile.source.rows} rows of ${opts.data}` +
          `${models ? `; predicted-label base rates: ${models}` : ''} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
      );
    });

  drift
    .command('check')
    .description('judge a batch file (CSV or JSONL) against the reference profile; exit 0 no drift, 2 drift, 3 no data')
    .requiredOption(
      '--current <file>',
      'rows to check: CSV with a header, or JSONL (flat rows or prediction-log lines with a features object)',
    )
    .option('--reference <json>', "reference profile (default: the DriftMonitor's spec.reference)")
    .option('--spec <file>', 'the spec', 'steadystate.yaml')
    .option('--monitor <name>', 'which DriftMonitor (default: the only one)')
    .option('--format <format>', 'csv or jsonl (default: from the file name)')
    .option('--label-field <name>', 'field holding the predicted label', 'label')
    .option('--variant-field <name>', 'field holding the variant', 'variant')
    .option('--score-field <name>', "field holding the score (labelled with the variant model's threshold)", 'score')
    .option('--json', 'print the full report as JSON')
    .action(async (opts) => {
      const monitor = monitorForCheck(opts.spec, opts.monitor, opts.reference);
      const result = await checkFile({
        file: opts.current,
        format: formatOf(opts.current, opts.format),
        profile: monitor.profile,
        settings: monitor.settings,
        variantModels: monitor.variantModels,
        fields: { label: opts.labelField, variant: opts.variantField, score: opts.scoreField },
        model: monitor.document.metadata.name === 'default' ? undefined : monitor.settings.model,
      });
      if (opts.json) {
        console.log(
          JSON.stringify(
            { file: opts.current, rows: result.rows, badLines: result.badLines, report: result.report },
            jsonNumbers,
            2,
          ),
        );
      } else {
        console.log(
          `drift check: ${opts.current} (${result.rows} rows) against ${monitor.profileFile} (${monitor.profile.source.data}, ${monitor.profile.source.rows} rows)`,
        );
        for (const b of result.badLines.slice(0, 5)) console.log(`  skipped line ${b.line}: ${b.why}`);
        printReport(result.report);
      }
      process.exitCode = CHECK_EXIT_CODES[result.report.outcome];
    });

  drift
    .command('watch')
    .description(
      'evaluate drift every interval from Prometheus counters (or a prediction log) and export drift_* gauges on /metrics',
    )
    .option('--spec <file>', 'the spec', 'steadystate.yaml')
    .option('--monitor <name>', 'which DriftMonitor (default: the only one)')
    .option('--reference <json>', "reference profile (default: the DriftMonitor's spec.reference)")
    .option('--prometheus <url>', 'read the gateway counters summed in this Prometheus (the scalable path)')
    .option('--log <file>', 'or follow this gateway prediction log (JSONL; the embedded path)')
    .option('--window <duration>', "window (default: the DriftMonitor's spec.window)", parseDurationOption)
    .option(
      '--interval <duration>',
      "evaluation interval (default: the DriftMonitor's spec.interval)",
      parseDurationOption,
    )
    .option('--port <port>', 'port of the /metrics endpoint', parsePort, 9464)
    .option('--host <host>', 'address to bind /metrics to', '127.0.0.1')
    .option('--once', 'evaluate once, print the report, exit with the check exit codes')
    .action(async (opts) => {
      if (Boolean(opts.prometheus) === Boolean(opts.log)) {
        throw new InvalidArgumentError('pass exactly one of --prometheus URL or --log FILE');
      }
      const monitor = loadMonitor(loadSpecFile(opts.spec), opts.monitor, { reference: opts.reference });
      const window = opts.window ?? monitor.document.spec.window;
      const intervalMs = parseDuration(opts.interval ?? monitor.document.spec.interval) * 1000;
      let source: () => Promise<import('../../core/drift/window.ts').WindowCounts>;
      if (opts.prometheus) {
        const prometheus = prometheusInstantQuery(opts.prometheus);
        source = () => windowFromPrometheus(prometheus, monitor.settings.model, window);
      } else {
        const follower = new LogFollower(
          opts.log,
          monitor.profile,
          monitor.variantModels,
          parseDuration(window) * 1000,
        );
        source = async () => follower.poll(Date.now());
      }
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      let last: DriftReport | undefined;
      const watcher = await startWatch({
        monitor,
        source,
        intervalMs,
        port: opts.port,
        host: opts.host,
        signal: controller.signal,
        ...(opts.once ? { maxEvaluations: 1 } : {}),
        onReport: (report) => {
          last = report;
          if (opts.once) printReport(report);
          else
            console.log(
              `${new Date().toISOString()} ${report.model}: ${report.outcome} (n=${formatNumber(report.n)}): ${report.reason}`,
            );
        },
        onError: (error) => console.error(`${new Date().toISOString()} drift watch: ${error.message}`),
      });
      if (!opts.once)
        console.log(
          `drift watch: ${monitor.document.metadata.name} every ${intervalMs / 1000} s over ${window}; gauges on ${watcher.url}`,
        );
      await watcher.done;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      if (opts.once) process.exitCode = last ? CHECK_EXIT_CODES[last.outcome] : 1;
    });

  drift
    .command('skew')
    .description(
      'train/serve skew: join the gateway prediction log with offline features by entity id, per-feature mismatch rates',
    )
    .requiredOption(
      '--log <jsonl>',
      'gateway prediction log: {request_id, user_id, features, score, variant, served_by} per line',
    )
    .option('--offline <csv>', 'offline features, one row per entity, with a header')
    .option(
      '--feast-data <dir>',
      'instead of --offline: point-in-time offline features from the Feast repository serving/feature_repo (its Parquet and registry folder, e.g. serving/data/feast), per logged user and time',
    )
    .option(
      '--schema <file>',
      'feature schema (which features to compare, and their types)',
      'serving/model_repository/feature_schema.json',
    )
    .option('--entity-field <name>', 'entity id field in the log', 'user_id')
    .option('--entity-column <name>', 'entity id column in the offline file (default: same as --entity-field)')
    .option('--rtol <x>', 'relative tolerance for numeric values', parseFraction, DEFAULT_SKEW_TOLERANCE.rtol)
    .option('--atol <x>', 'absolute tolerance for numeric values', parseFraction, DEFAULT_SKEW_TOLERANCE.atol)
    .option('--top <n>', 'largest differences listed per feature', parsePositiveInt, 5)
    .option('--json', 'print the full report as JSON')
    .option(
      '--pushgateway <url>',
      'with --feast-data: push feature_skew_* gauges (the FeatureTrainServeSkew alert reads them)',
    )
    .action(async (opts) => {
      const schema = readFeatureSchema(opts.schema);
      if (Boolean(opts.offline) === Boolean(opts.feastData))
        throw new InvalidArgumentError('pass exactly one of --offline <csv> and --feast-data <dir>');
      if (opts.feastData) {
        const result = await skewFromFeast({
          log: opts.log,
          feast: { dataDir: resolve(opts.feastData), redis: '127.0.0.1:1' },
          features: skewFeaturesOf(schema),
          storeFeatures: DEFAULT_FEAST_VIEWS.flatMap((v) => v.features),
          logEntityField: opts.entityField,
          tolerance: { rtol: opts.rtol, atol: opts.atol },
          keepLargest: opts.top,
        });
        if (opts.pushgateway)
          await pushGauges(opts.pushgateway, `${FEATURE_STORE_PUSH_JOB}-skew`, skewGaugesText(result.report));
        if (opts.json) console.log(JSON.stringify(result, jsonNumbers, 2));
        else
          printSkew({
            ...result,
            offlineRows: result.logRows - result.withoutEntity,
            unmatched: 0,
            duplicateOfflineEntities: 0,
          });
        return;
      }
      const result = await skewFromFiles({
        log: opts.log,
        offline: opts.offline,
        features: skewFeaturesOf(schema),
        logEntityField: opts.entityField,
        offlineEntityColumn: opts.entityColumn ?? opts.entityField,
        tolerance: { rtol: opts.rtol, atol: opts.atol },
        keepLargest: opts.top,
      });
      if (opts.json) console.log(JSON.stringify(result, jsonNumbers, 2));
      else printSkew(result);
    });
}

/** The monitor for `drift check`: the spec's DriftMonitor, or the defaults when there is none. */
function monitorForCheck(specFile: string, name: string | undefined, reference: string | undefined): LoadedMonitor {
  const spec = existsSync(specFile) ? loadSpecFile(specFile) : undefined;
  const hasMonitor = spec?.documents.some((d) => d.kind === 'DriftMonitor');
  if (spec && hasMonitor) return loadMonitor(spec, name, { reference });
  if (!reference) {
    throw new Error(
      `${specFile} has no DriftMonitor; pass --reference PROFILE to check against a profile with the default thresholds`,
    );
  }
  const profile: ReferenceProfile = loadReferenceProfile(reference);
  const document = driftMonitorDocument.parse({
    apiVersion: 'steadystate.dev/v1alpha1',
    kind: 'DriftMonitor',
    metadata: { name: 'default' },
    spec: { model: 'model', reference },
  });
  return {
    document,
    settings: driftSettingsOf(document.spec),
    profile,
    profileFile: resolve(reference),
    variantModels: {},
  };
}

/** The schema's features as the skew comparison takes them (categoricals with their categories). */
function skewFeaturesOf(schema: ReturnType<typeof readFeatureSchema>) {
  return schema.features.map((f) =>
    f.type === 'categorical'
      ? { name: f.name, type: f.type, categories: f.categories }
      : { name: f.name, type: f.type },
  );
}

/** JSON.stringify replacer: NaN and Infinity have no JSON form; null says "not computed". */
function jsonNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

function pad(text: string, width: number): string {
  return text.length >= width ? `${text} ` : text + ' '.repeat(width - text.length);
}

export function printReport(report: DriftReport): void {
  console.log(`outcome: ${report.outcome.toUpperCase()} (${report.reason})`);
  console.log(`${pad('feature', 24)}${pad('outcome', 9)}${pad('n', 9)}verdict`);
  for (const f of report.features) {
    const tests: string[] = [];
    if (f.tests.ks)
      tests.push(
        `KS D=${formatNumber(f.tests.ks.statistic)} p=${formatNumber(f.tests.ks.pValue)} (${f.tests.ks.method})`,
      );
    if (f.tests.chisquare) tests.push(`chi2 p=${formatNumber(f.tests.chisquare.pValue)}`);
    const extra = [
      f.shares.missing > 0 ? `missing ${formatPercent(f.shares.missing).slice(1)}` : '',
      (f.shares.outOfRange ?? 0) > 0 ? `out of range ${formatPercent(f.shares.outOfRange ?? 0).slice(1)}` : '',
      (f.shares.unseen ?? 0) > 0 ? `unseen ${formatPercent(f.shares.unseen ?? 0).slice(1)}` : '',
    ].filter(Boolean);
    console.log(`${pad(f.feature, 24)}${pad(f.outcome, 9)}${pad(formatNumber(f.n), 9)}${f.reason}`);
    if (tests.length + extra.length > 0) console.log(`${' '.repeat(42)}(${[...extra, ...tests].join('; ')})`);
  }
  const p = report.predictions;
  console.log(`${pad(`P(label=${p.label})`, 24)}${pad(p.outcome, 9)}${pad(formatNumber(p.n), 9)}${p.reason}`);
  for (const v of p.variants) console.log(`${' '.repeat(4)}${pad(`variant ${v.variant}`, 29)}${v.reason}`);
  if (report.unknownFeatures.length > 0) {
    console.log(`not in the reference profile (ignored): ${report.unknownFeatures.join(', ')}`);
  }
}

function printSkew(result: SkewFilesResult): void {
  const r = result.report;
  console.log(
    `skew: ${r.pairs} log rows joined with offline features (${result.logRows} log rows, ${result.offlineRows} offline rows; ${result.unmatched} without an offline row, ${result.withoutEntity} without an entity id)`,
  );
  console.log(
    `${pad('feature', 24)}${pad('compared', 10)}${pad('mismatch', 10)}${pad('mean |diff|', 13)}largest differences (entity: online vs offline)`,
  );
  for (const f of r.features) {
    const largest = f.largest
      .slice(0, 3)
      .map((d) => `${d.entity}: ${String(d.online)} vs ${String(d.offline)}`)
      .join('; ');
    console.log(
      `${pad(f.feature, 24)}${pad(String(f.compared), 10)}${pad(Number.isFinite(f.mismatchRate) ? `${(f.mismatchRate * 100).toFixed(2)}%` : '-', 10)}${pad(formatNumber(f.meanAbsoluteDifference), 13)}${largest}`,
    );
  }
}
