import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadSpecFile } from '../../adapters/files/spec-file.ts';
import { stackOf } from '../../core/spec/parse.ts';
import { featureBinnerFromSpec } from '../../gateway/feature-bins.ts';
import { startGateway } from '../../gateway/start.ts';
import { parsePort } from '../options.ts';

export function registerGateway(program: Command): void {
  program
    .command('gateway')
    .description('serve the inference gateway (routing, cache, fallbacks, metrics, admin API) configured by the spec')
    .option('--spec <file>', 'the spec', 'steadystate.yaml')
    .option('--port <port>', 'listen port (default: spec.gateway.port)', parsePort)
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('--triton-url <url>', 'Triton HTTP endpoint (default: spec.triton.url)')
    .option('--no-wait-ready', 'listen at once; /readyz turns 200 after the warm-up prediction')
    .action(async (opts) => {
      const spec = loadSpecFile(opts.spec);
      const stack = stackOf(spec).spec;
      const adminEnv = stack.gateway.adminTokenEnv;
      if (!process.env[adminEnv]) console.error(`note: ${adminEnv} is not set; the admin API answers 401 to everyone`);
      const bins = featureBinnerFromSpec(spec, resolve('.'), (line) => console.error(`note: ${line}`));
      const running = await startGateway({
        ...(bins ? { featureBinner: bins.binner, initialiseMetrics: bins.initialise } : {}),
        stack,
        root: resolve('.'),
        host: opts.host,
        ...(opts.port ? { port: opts.port } : {}),
        ...(opts.tritonUrl ? { tritonUrl: opts.tritonUrl } : {}),
        waitReady: opts.waitReady,
      });
      console.log(`gateway listening on ${running.url} (models: ${running.gateway.modelNames().join(', ')})`);
      const shutdown = async (signal: string) => {
        console.log(`${signal}: draining in-flight requests`);
        await running.close();
        process.exit(0);
      };
      process.once('SIGTERM', () => void shutdown('SIGTERM'));
      process.once('SIGINT', () => void shutdown('SIGINT'));
    });
}
