import { resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { loadSpecFile } from '../../adapters/files/spec-file.ts';
import { chaosSuite, FULL_SUITE, QUICK_SUITE } from '../../services/gameday/chaos-suite.ts';
import { runGameDay } from '../../services/gameday/run-gameday.ts';

export function registerGameday(program: Command): void {
  program
    .command('gameday')
    .description(
      'the main job: start the local stack, drive production-shaped load, break things per the playbook, and write reports/gameday-<time>/',
    )
    .option('--quick', 'the short run CI uses (about 3 minutes)')
    .option('--spec <file>', 'the spec', 'steadystate.yaml')
    .option('--reports <dir>', 'where the report folder goes', 'reports')
    .option('--no-fallbacks', 'switch the fallback tiers off, to show that the hypotheses can fail')
    .option(
      '--ship-model',
      'ship models under load (the full run does by default; this adds it to --quick): MLflow and the S3 model store start with the stack, then a bad version (refused), a failing one (rolled back) and a good one (promoted)',
    )
    .option('--no-ship-model', 'skip shipping models in the full run (MLflow and the S3 store are then not started)')
    .option(
      '--no-cluster',
      'skip the cluster phase of the full run (a local Kubernetes control plane with two Triton pods as processes: a GPU pod kill and a GPU node loss)',
    )
    .option(
      '--only <experiments>',
      `comma-separated chaos experiments to run instead of the suite, e.g. to rerun one that deviated (any of: ${FULL_SUITE.join(', ')})`,
      parseOnly,
    )
    .action(async (opts) => {
      const quick = Boolean(opts.quick);
      const spec = loadSpecFile(opts.spec);
      const suite: string[] = opts.only ?? (quick ? QUICK_SUITE : FULL_SUITE);
      const run = await runGameDay({
        chaosSuite: chaosSuite(spec, suite),
        quick,
        specFile: resolve(opts.spec),
        reportsDir: resolve(opts.reports),
        fallbacks: opts.fallbacks,
        // Both flags defined: undefined unless one was given; the full run ships by default.
        shipModel: opts.shipModel ?? !quick,
        cluster: opts.cluster !== false,
        log: (line) => console.log(line),
      });
      console.log(run.consoleTable);
      console.log(`report: ${run.dir}/report.html`);
      if (run.outcome.status !== 'passed') {
        console.error(`game day ${run.outcome.status}:\n${run.outcome.failures.map((f) => `  - ${f}`).join('\n')}`);
        process.exitCode = 1;
      }
    });
}

/** `--only a,b`: names from the full suite, in the order given; anything else is refused by name. */
export function parseOnly(value: string): string[] {
  const names = value
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  const unknown = names.filter((n) => !FULL_SUITE.includes(n));
  if (names.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(
      `--only "${value}": ${names.length === 0 ? 'names no experiment' : `unknown experiment ${unknown.map((n) => `"${n}"`).join(', ')}`}; choose from ${FULL_SUITE.join(', ')}`,
    );
  }
  return names;
}
