import type { Command } from 'commander';
import {
  DEFAULT_TRITON_PORTS,
  isProcessAlive,
  recordedInstances,
  startTriton,
  stopTriton,
} from '../../adapters/process/triton-server.ts';
import { TritonClient } from '../../adapters/triton/client.ts';
import { parsePort } from '../options.ts';

export function registerTriton(program: Command): void {
  const triton = program
    .command('triton')
    .description('run the bundled Triton Inference Server (from the nvidia-pytriton wheel) with our models');

  triton
    .command('up')
    .description(
      'start tritonserver in the background; returns once every model is ready and a test prediction succeeded',
    )
    .option('--http-port <port>', 'KServe v2 HTTP port', parsePort, DEFAULT_TRITON_PORTS.http)
    .option('--grpc-port <port>', 'gRPC port', parsePort, DEFAULT_TRITON_PORTS.grpc)
    .option('--metrics-port <port>', 'Prometheus metrics port', parsePort, DEFAULT_TRITON_PORTS.metrics)
    .option('--model-repository <dir>', 'Triton model repository (default: serving/model_repository)')
    .option('--timeout <seconds>', 'how long to wait for readiness', (v) => Number(v), 120)
    .action(async (opts) => {
      const started = Date.now();
      const instance = await startTriton({
        ports: { http: opts.httpPort, grpc: opts.grpcPort, metrics: opts.metricsPort },
        modelRepository: opts.modelRepository,
        readyTimeoutMs: opts.timeout * 1000,
      });
      console.log(
        `Triton ready in ${((Date.now() - started) / 1000).toFixed(1)} s (pid ${instance.pid}): ${instance.url}, metrics ${instance.metricsUrl}/metrics`,
      );
      console.log(`models: ${instance.models.join(', ')} (each answered a test prediction)`);
      console.log(`log: ${instance.logFile}`);
    });

  triton
    .command('down')
    .description('stop the Triton instances started by `triton up`')
    .option('--http-port <port>', 'stop only the instance on this port', parsePort)
    .action(async (opts) => {
      const instances = recordedInstances().filter((i) => !opts.httpPort || i.ports.http === opts.httpPort);
      if (instances.length === 0) console.log('no Triton instance recorded as running');
      for (const instance of instances) {
        await stopTriton(instance);
        console.log(`stopped Triton pid ${instance.pid} (port ${instance.ports.http})`);
      }
    });

  triton
    .command('status')
    .description('show recorded Triton instances, their readiness and models')
    .action(async () => {
      const instances = recordedInstances();
      if (instances.length === 0) {
        console.log('no Triton instance recorded as running');
        return;
      }
      for (const instance of instances) {
        const client = new TritonClient({ url: instance.url, timeoutMs: 2_000 });
        const alive = isProcessAlive(instance);
        const ready = alive && (await client.isReady());
        const index = ready ? await client.repositoryIndex() : [];
        console.log(
          `pid ${instance.pid} ${alive ? 'alive' : 'dead'}, ${ready ? 'ready' : 'not ready'}: ${instance.url}`,
        );
        for (const m of index)
          console.log(`  ${m.name} v${m.version ?? '-'} ${m.state ?? ''} ${m.reason ?? ''}`.trimEnd());
        await client.close();
      }
    });
}
