import { type Command, InvalidArgumentError } from 'commander';
import { startMlflow } from '../../adapters/process/mlflow-server.ts';
import { paths } from '../../adapters/process/paths.ts';
import { MlflowRegistry } from '../../adapters/registry/mlflow-registry.ts';
import { CANDIDATE_KINDS, type CandidateKind, seedRegistry } from '../../services/deploy/seed-registry.ts';
import { parsePort, untilSignal } from '../options.ts';

const DEFAULT_REGISTRY = 'http://127.0.0.1:5000';

export function registerRegistry(program: Command): void {
  const registry = program
    .command('registry')
    .description('the MLflow model registry: start it, register the trained models, build test candidates');

  registry
    .command('up')
    .description('start MLflow (sqlite + artifacts under --data), register the trained models, serve until Ctrl-C')
    .option('--data <dir>', 'registry data (kept across restarts)', paths.state('registry'))
    .option('--port <port>', 'port', parsePort, 5000)
    .option('--no-seed', 'do not register the trained models')
    .action(async (opts) => {
      const server = await startMlflow({ dataDir: opts.data, port: opts.port });
      console.error(`registry: MLflow at ${server.url} (data ${server.dataDir}, log ${server.logFile})`);
      if (opts.seed) console.log(JSON.stringify(await seedRegistry(server.url)));
      await untilSignal();
      await server.stop();
    });

  registry
    .command('seed')
    .description('register fraud_v1/v2/fallback as versions of `fraud` with aliases (idempotent), and any candidates')
    .option('--registry <url>', 'MLflow', process.env.MLFLOW_TRACKING_URI ?? DEFAULT_REGISTRY)
    .option(
      '--candidate <name>',
      `also build and register a candidate: ${CANDIDATE_KINDS.join(', ')} (or good-2 ...); repeatable`,
      collectCandidate,
      [],
    )
    .action(async (opts) => {
      console.log(JSON.stringify(await seedRegistry(opts.registry, opts.candidate)));
    });

  registry
    .command('webhook')
    .description('register a signed webhook for alias moves pointing at a deploy webhook receiver')
    .requiredOption('--url <url>', 'the receiver, e.g. http://127.0.0.1:9466/mlflow/webhook')
    .option('--registry <url>', 'MLflow', process.env.MLFLOW_TRACKING_URI ?? DEFAULT_REGISTRY)
    .option('--secret-env <name>', 'environment variable holding the shared secret', 'STEADYSTATE_WEBHOOK_SECRET')
    .action(async (opts) => {
      const secret = process.env[opts.secretEnv];
      if (!secret)
        throw new InvalidArgumentError(`set ${opts.secretEnv} to the webhook secret (the receiver verifies it)`);
      const id = await new MlflowRegistry(opts.registry).createAliasWebhook('steadystate-deploy', opts.url, secret);
      console.log(JSON.stringify({ webhook_id: id, url: opts.url }));
    });
}

function collectCandidate(value: string, previous: CandidateKind[]): CandidateKind[] {
  const kind = value.split('-')[0];
  if (!CANDIDATE_KINDS.includes(kind as (typeof CANDIDATE_KINDS)[number]) || !/^[a-z]+(-\d+)?$/.test(value)) {
    throw new InvalidArgumentError(
      `--candidate must be one of ${CANDIDATE_KINDS.join(', ')}, optionally with -N (good-2); got "${value}"`,
    );
  }
  return [...previous, value as CandidateKind];
}
