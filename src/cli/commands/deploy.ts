import { type Command, InvalidArgumentError } from 'commander';
import { loadSpecFile } from '../../adapters/files/spec-file.ts';
import { paths } from '../../adapters/process/paths.ts';
import { describeJournal } from '../../core/deploy/journal.ts';
import { stackOf } from '../../core/spec/parse.ts';
import { loadFeatureSchema } from '../../gateway/start.ts';
import { deployPorts } from '../../services/deploy/deploy-ports.ts';
import { deploymentFromSpec } from '../../services/deploy/deployment-config.ts';
import { JournalStore } from '../../services/deploy/journal-store.ts';
import { publishDeployMetrics } from '../../services/deploy/publish-metrics.ts';
import { DeployRefusedError, runDeploy } from '../../services/deploy/run-deploy.ts';
import { sloGate } from '../../services/deploy/slo-gate.ts';
import { startWebhookReceiver } from '../../services/deploy/webhook.ts';
import { parsePort, untilSignal } from '../options.ts';

/** Exit codes of `deploy`: 0 promoted (or already champion), 1 refused or failed, 3 rolled back. */
export const DEPLOY_EXIT = { promoted: 0, refused: 1, failed: 1, rolled_back: 3, running: 1 } as const;

export function registerDeploy(program: Command): void {
  program
    .command('deploy')
    .description(
      'ship a registered model version: fetch, validate, publish to the model store and load, shadow, canary ramp, promote or roll back (resumes an interrupted deploy)',
    )
    .argument('<model>', 'the registered model (a Deployment document names it in spec.registry.name)')
    .option('--version <n>', 'the registry version to ship')
    .option('--alias <alias>', 'ship the version this alias points at (e.g. challenger)')
    .option('--spec <file>', 'the spec', 'steadystate.yaml')
    .option('--gateway <url>', 'the gateway (admin API and /metrics; default: the Stack gateway port)')
    .option('--token <token>', 'admin bearer token (default: $STEADYSTATE_ADMIN_TOKEN)')
    .option('--triton <url>', 'Triton HTTP (default: the Stack triton.url)')
    .option('--registry <url>', 'MLflow (default: the Deployment registry.url)')
    .option('--store <location>', 'model store (default: the Deployment store)')
    .option('--journal <dir>', 'deploy journals (default: .steadystate/deploys)')
    .option('--prometheus <url>', 'check the error budget policy (`slo gate`) here first (env PROMETHEUS_URL)')
    .option('--pushgateway <url>', 'push the deploy-speed histogram here afterwards (env PUSHGATEWAY_URL)')
    .option('--json', 'print the journal as JSON')
    .action(async (model: string, opts) => {
      if (Boolean(opts.version) === Boolean(opts.alias)) {
        throw new InvalidArgumentError('give exactly one of --version N or --alias NAME');
      }
      if (opts.version && !/^\d+$/.test(opts.version)) {
        throw new InvalidArgumentError(`--version must be a registry version number, got "${opts.version}"`);
      }
      const { spec, deployment, ports } = deployFromOptions(model, opts);
      const prometheus = opts.prometheus ?? process.env.PROMETHEUS_URL;
      const log = opts.json ? () => undefined : (line: string) => console.error(`deploy: ${line}`);
      if (!prometheus) log('no --prometheus: the error budget policy (slo gate) is not checked');
      try {
        const journal = await runDeploy(deployment, opts.version ? { version: opts.version } : { alias: opts.alias }, {
          ...ports,
          log,
          ...(prometheus ? { gate: () => sloGate(spec, prometheus) } : {}),
        });
        const pushgateway = opts.pushgateway ?? process.env.PUSHGATEWAY_URL;
        if (pushgateway) await publishDeployMetrics(pushgateway, deployment, ports.journals);
        if (opts.json) console.log(JSON.stringify(journal));
        else for (const line of describeJournal(journal)) console.log(line);
        process.exitCode = DEPLOY_EXIT[journal.status];
      } catch (error) {
        if (!(error instanceof DeployRefusedError)) throw error;
        if (opts.json) console.log(JSON.stringify({ status: 'refused', reason: error.message }));
        else console.error(`steadystate deploy: ${error.message}`);
        process.exitCode = DEPLOY_EXIT.refused;
      }
    });

  program
    .command('deploy-webhook')
    .description(
      'receive signed MLflow webhooks: a move of the trigger alias deploys that version (register it with `registry webhook`)',
    )
    .argument('<model>', 'the registered model')
    .option('--port <port>', 'listen on 127.0.0.1:PORT', parsePort, 9466)
    .option('--alias <alias>', 'the alias whose move ships a version', 'challenger')
    .option('--secret-env <name>', 'environment variable holding the shared secret', 'STEADYSTATE_WEBHOOK_SECRET')
    .option('--spec <file>', 'the spec', 'steadystate.yaml')
    .option('--gateway <url>', 'the gateway (default: the Stack gateway port)')
    .option('--token <token>', 'admin bearer token (default: $STEADYSTATE_ADMIN_TOKEN)')
    .option('--triton <url>', 'Triton HTTP (default: the Stack triton.url)')
    .option('--registry <url>', 'MLflow (default: the Deployment registry.url)')
    .option('--store <location>', 'model store (default: the Deployment store)')
    .option('--journal <dir>', 'deploy journals (default: .steadystate/deploys)')
    .action(async (model: string, opts) => {
      const secret = process.env[opts.secretEnv];
      if (!secret) throw new InvalidArgumentError(`set ${opts.secretEnv} to the webhook secret given to MLflow`);
      const { deployment, ports } = deployFromOptions(model, opts);
      const log = (line: string) => console.error(`deploy-webhook: ${line}`);
      const receiver = await startWebhookReceiver({
        secret,
        registeredModel: model,
        triggerAlias: opts.alias,
        port: opts.port,
        log,
        startDeploy: async (version) => {
          const journal = await runDeploy(deployment, { version }, { ...ports, log });
          for (const line of describeJournal(journal)) log(line);
        },
      });
      log(`listening on ${receiver.url}`);
      await untilSignal();
      await receiver.close();
    });

  program
    .command('deploy-status')
    .description('the latest deploy of a registered model (or every deploy), from the journals')
    .argument('[model]', 'the registered model; all deploys when omitted')
    .option('--journal <dir>', 'deploy journals (default: .steadystate/deploys)')
    .option('--json', 'print JSON')
    .action((model: string | undefined, opts) => {
      const store = new JournalStore(opts.journal ?? paths.state('deploys'));
      if (!model) {
        const all = store.all();
        if (opts.json) console.log(JSON.stringify({ deployments: all.map(summary) }));
        else for (const j of all) console.log(`${j.id}  ${j.status}  ${j.reason ?? ''}`);
        return;
      }
      const latest = store.latest(model);
      if (!latest) throw new InvalidArgumentError(`no deploy of "${model}" in ${store.dir}`);
      if (opts.json) console.log(JSON.stringify(latest));
      else for (const line of describeJournal(latest)) console.log(line);
    });
}

interface PartOptions {
  spec: string;
  gateway?: string;
  token?: string;
  triton?: string;
  registry?: string;
  store?: string;
  journal?: string;
}

/** The Deployment of `model` and its real ports, from the options both deploy commands share. */
function deployFromOptions(model: string, opts: PartOptions) {
  const spec = loadSpecFile(opts.spec);
  const deployment = deploymentFromSpec(spec, model);
  const stack = stackOf(spec).spec;
  const token = opts.token ?? process.env[stack.gateway.adminTokenEnv] ?? process.env.STEADYSTATE_ADMIN_TOKEN;
  if (!token) {
    throw new InvalidArgumentError(
      `no admin token: pass --token or set ${stack.gateway.adminTokenEnv} (the token the gateway was started with)`,
    );
  }
  const ports = deployPorts(deployment, {
    gatewayUrl: opts.gateway ?? `http://127.0.0.1:${stack.gateway.port}`,
    adminToken: token,
    tritonUrl: opts.triton ?? stack.triton.url,
    registryUrl: opts.registry,
    store: opts.store,
    journalDir: opts.journal,
    schema: loadFeatureSchema(paths.featureSchema()),
    // A promote rewrites this spec's Stack variants: the file says what serves.
    specFile: opts.spec,
  });
  return { spec, deployment, ports };
}

function summary(j: ReturnType<JournalStore['all']>[number]) {
  return { name: j.registeredModel, id: j.id, version: j.version, status: j.status, reason: j.reason };
}
