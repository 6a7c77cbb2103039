import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { loadSpecFile } from '../../adapters/files/spec-file.ts';
import { PrometheusClient, PrometheusQueryError } from '../../adapters/prometheus/client.ts';
import { readCostCounters } from '../../adapters/prometheus/cost-counters.ts';
import { parsePrometheusText } from '../../adapters/triton/metrics-text.ts';
import { attributeCost } from '../../core/cost/attribute.ts';
import { type CostCounters, countersFromSamples, isEmptyWindow } from '../../core/cost/counters.ts';
import { formatCostCsv, formatCostTable } from '../../core/cost/format.ts';
import { recommendPacking } from '../../core/cost/recommend.ts';
import { stackOf } from '../../core/spec/parse.ts';
import { collect, parseTime } from '../options.ts';

const DEFAULT_PROMETHEUS = process.env.PROMETHEUS_URL ?? 'http://127.0.0.1:9090';

/** Exit codes of `cost report`: 2 Prometheus could not be asked, 3 nothing was served in the window. */
export const COST_EXIT = { unavailable: 2, emptyWindow: 3 } as const;

function readSamples(files: string[]) {
  return files.flatMap((file) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new Error(`cannot read --metrics-file ${file}: ${(error as Error).message}`);
    }
    return parsePrometheusText(text);
  });
}

export function registerCost(program: Command): void {
  const cost = program.command('cost').description('GPU cost per model and team, chargeback CSV, packing advice');
  cost
    .command('report')
    .description('cost per model, answer tier and team over [--from, --to], and which models could share a GPU')
    .requiredOption('--from <time>', 'window start: Unix seconds or RFC 3339', parseTime)
    .requiredOption('--to <time>', 'window end: Unix seconds or RFC 3339', parseTime)
    .option('--spec <file>', 'the spec', 'steadystate.yaml')
    .option('--prometheus <url>', 'Prometheus URL (or PROMETHEUS_URL)', DEFAULT_PROMETHEUS)
    .option(
      '--metrics-file <file>',
      'recorded /metrics text of Triton and the gateway at --to instead of Prometheus (repeatable)',
      collect,
    )
    .option(
      '--baseline-file <file>',
      'recorded /metrics text at --from (repeatable; default: counters from zero)',
      collect,
    )
    .option('--csv', 'print the chargeback CSV (one row per model)')
    .option('--json', 'print JSON (report and packing)')
    .action(async (opts) => {
      const from = opts.from as number;
      const to = opts.to as number;
      if (!(to > from)) throw new InvalidArgumentError(`--to (${to}) must be after --from (${from})`);
      const stack = stackOf(loadSpecFile(opts.spec)).spec;
      if (!stack.cost) {
        throw new Error(
          `${opts.spec}: the Stack has no spec.cost block; add nodeType, gpuHourlyPrice and gpuMemoryPerNode (see steadystate.yaml)`,
        );
      }
      let counters: CostCounters;
      if (opts.metricsFile) {
        counters = countersFromSamples(readSamples(opts.baselineFile ?? []), readSamples(opts.metricsFile), to - from);
      } else {
        const client = new PrometheusClient({ url: opts.prometheus });
        try {
          counters = await readCostCounters(client, from, to);
        } catch (error) {
          if (error instanceof PrometheusQueryError) {
            console.error(`steadystate cost report: ${error.message}`);
            process.exitCode = COST_EXIT.unavailable;
            return;
          }
          throw error;
        }
      }
      if (isEmptyWindow(counters)) {
        console.error(
          `steadystate cost report: nothing was served from ${new Date(from * 1000).toISOString()} to ${new Date(to * 1000).toISOString()} (no Triton request, no gateway answer); pick a window with traffic`,
        );
        process.exitCode = COST_EXIT.emptyWindow;
        return;
      }
      const report = attributeCost(stack.models, stack.cost, counters);
      const advice = recommendPacking(stack.models, stack.cost, counters);
      if (opts.csv) process.stdout.write(formatCostCsv(report, from, to));
      else if (opts.json) console.log(JSON.stringify({ report, packing: advice }, null, 2));
      else console.log(formatCostTable(report, advice));
    });
}
