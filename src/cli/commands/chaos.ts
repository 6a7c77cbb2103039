import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { DEFAULT_STACK_STATE } from '../../adapters/chaos/local-stack.ts';
import { PushgatewayPublisher } from '../../adapters/chaos/pushgateway.ts';
import { loadExperimentFile } from '../../adapters/files/experiment-file.ts';
import { loadSpecFile } from '../../adapters/files/spec-file.ts';
import type { Journal } from '../../core/chaos/journal.ts';
import { describeRunEvent } from '../../core/chaos/run-events.ts';
import { checkExperimentAgainstSpec } from '../../core/chaos/spec-checks.ts';
import { chaosTargetOf } from '../../core/spec/kinds/chaos-target.ts';
import { stackOf } from '../../core/spec/parse.ts';
import { junitXml } from '../../generators/report/junit.ts';
import { environmentFor } from '../../services/chaos/environment.ts';
import { runExperiment } from '../../services/chaos/runner.ts';

/** Exit codes of `chaos run`: 0 the hypothesis held; then by status. */
export const EXIT = { completed: 0, failed: 1, aborted: 2, interrupted: 3 } as const;

function parseTimeScale(value: string): number {
  const x = Number(value);
  if (!(x > 0 && x <= 1))
    throw new InvalidArgumentError(`"${value}" is not a time scale; expected a number in (0, 1], e.g. 0.5`);
  return x;
}

export function registerChaos(program: Command): void {
  const chaos = program
    .command('chaos')
    .description('chaos experiments: the playbook failure table, executable (chaos/experiments/*.yaml)');

  chaos
    .command('run')
    .description(
      'run one experiment: hypothesis before, during and after; rollbacks always (also on SIGINT/SIGTERM). Exit 0 held, 1 failed or deviated, 2 aborted, 3 interrupted',
    )
    .argument('<file>', 'the experiment, e.g. chaos/experiments/gpu-server-crash.yaml')
    .option('--spec <file>', 'the spec (Stack, ChaosTarget allow-list)', 'steadystate.yaml')
    .option(
      '--dry-run',
      'validate, check every guard against the live targets (read-only) and print the plan; touch and measure nothing',
    )
    .option(
      '--stack-state <file>',
      'where the local stack runs (JSON: gatewayUrl, triton, redis, prometheus)',
      DEFAULT_STACK_STATE,
    )
    .option(
      '--gateway-url <url>',
      'the gateway (default: the stack state; on kubernetes, the ChaosTarget or the Stack Service)',
    )
    .option('--prometheus-url <url>', 'Prometheus for promql probes')
    .option(
      '--kubeconfig <file>',
      'kube config for target kubernetes (default: KUBECONFIG, ~/.kube/config, in-cluster)',
    )
    .option('--time-scale <x>', 'shrink waits, fault durations and targets by this factor in (0, 1]', parseTimeScale, 1)
    .option('--no-load', "do not run the experiment's built-in load (traffic comes from elsewhere)")
    .option('--journal <file>', 'write the JSON journal here (default .steadystate/chaos/<name>.journal.json)')
    .option('--junit <file>', 'also write JUnit XML')
    .option('--pushgateway <url>', 'push chaos_* gauges to this Pushgateway (scheduled runs)')
    .option('--quiet', 'print only the conclusion')
    .action(async (file: string, opts) => {
      const spec = loadSpecFile(opts.spec);
      const stack = stackOf(spec);
      const target = chaosTargetOf(spec);
      const document = loadExperimentFile(file);
      const env = environmentFor(document.spec, stack, target, {
        stateFile: resolve(opts.stackState),
        ...(opts.gatewayUrl ? { gatewayUrl: opts.gatewayUrl } : {}),
        ...(opts.prometheusUrl ? { prometheusUrl: opts.prometheusUrl } : {}),
        ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}),
      });
      const interrupt = new AbortController();
      const onSignal = (signal: NodeJS.Signals) => {
        if (interrupt.signal.aborted) {
          console.error(`${signal}: the rollbacks are running; they end within their own timeouts`);
          return;
        }
        console.error(`${signal}: stopping the experiment and running its rollbacks`);
        interrupt.abort(signal);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      let journal: Journal;
      try {
        journal = await runExperiment({
          document,
          file,
          stack: stack.spec,
          target,
          env,
          timeScale: opts.timeScale,
          dryRun: opts.dryRun ?? false,
          builtInLoad: opts.load,
          signal: interrupt.signal,
          ...(opts.quiet
            ? {}
            : {
                onEvent: (event) => {
                  const line = describeRunEvent(event);
                  if (line) console.error(line);
                },
              }),
        });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      const journalFile = opts.journal ?? join('.steadystate', 'chaos', `${document.metadata.name}.journal.json`);
      write(journalFile, `${JSON.stringify(journal, null, 2)}\n`);
      if (opts.junit) write(opts.junit, junitXml([journal]));
      if (opts.pushgateway && !journal.dryRun) {
        await new PushgatewayPublisher(opts.pushgateway)
          .publish(journal, Date.parse(journal.endedAt) / 1000)
          .catch((error: Error) => {
            console.error(`could not push the result: ${error.message}`);
            process.exitCode = EXIT.failed;
          });
      }
      const times = [
        journal.detection
          ? `detection ${journal.detection.measuredSeconds?.toFixed(2) ?? '-'} s (target ${journal.detection.withinSeconds} s)`
          : '',
        journal.recovery
          ? `recovery ${journal.recovery.measuredSeconds?.toFixed(2) ?? '-'} s (target ${journal.recovery.withinSeconds} s)`
          : '',
      ].filter(Boolean);
      console.log(
        journal.dryRun && !journal.error
          ? `${document.metadata.name}: dry run, ${journal.checked?.length ?? 0} checks passed; nothing was injected or measured`
          : `${document.metadata.name}: ${journal.status}${journal.deviated ? ', deviated' : ''}${times.length ? `; ${times.join(', ')}` : ''}`,
      );
      console.log(`  ${journal.reason}`);
      console.log(`  journal: ${journalFile}${opts.junit ? `, junit: ${opts.junit}` : ''}`);
      const code = journal.status === 'completed' && journal.deviated ? EXIT.failed : EXIT[journal.status];
      process.exitCode = Math.max(Number(process.exitCode ?? 0), code);
    });

  chaos
    .command('validate')
    .description('validate experiment files (schema, and the Stack and ChaosTarget they name) without running anything')
    .argument('<files...>', 'experiment files, e.g. chaos/experiments/*.yaml')
    .option('--spec <file>', 'the spec to check names and allow-lists against', 'steadystate.yaml')
    .action((files: string[], opts) => {
      const spec = loadSpecFile(opts.spec);
      const stack = stackOf(spec).spec;
      const target = chaosTargetOf(spec);
      let failed = 0;
      for (const file of files) {
        try {
          const doc = loadExperimentFile(file);
          const problems = checkExperimentAgainstSpec(doc.spec, stack, target);
          if (problems.length > 0) {
            failed++;
            console.error(
              `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'} against ${opts.spec}`,
            );
            for (const p of problems) console.error(`  - ${p.path}: ${p.message}`);
          } else console.log(`${file}: ok (${doc.metadata.name}, target ${doc.spec.target})`);
        } catch (error) {
          failed++;
          console.error((error as Error).message);
        }
      }
      if (failed > 0) process.exitCode = 1;
    });
}

function write(file: string, content: string): void {
  mkdirSync(dirname(resolve(file)), { recursive: true });
  writeFileSync(file, content);
}
