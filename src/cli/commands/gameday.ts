import { resolve } from 'node:path';
import type { Command } from 'commander';
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
    .action(async (opts) => {
      const quick = Boolean(opts.quick);
      const spec = loadSpecFile(opts.spec);
      const run = await runGameDay({
        chaosSuite: chaosSuite(spec, quick ? QUICK_SUITE : FULL_SUITE),
        quick,
        specFile: resolve(opts.spec),
        reportsDir: resolve(opts.reports),
        fallbacks: opts.fallbacks,
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
