import { type Command, InvalidArgumentError } from 'commander';
import { loadSpecFile } from '../../adapters/files/spec-file.ts';
import { TritonClient } from '../../adapters/triton/client.ts';
import { adaptiveLimits } from '../../core/spec/kinds/adaptive-batching.ts';
import { parseDuration } from '../../core/spec/kinds/common.ts';
import { stackOf } from '../../core/spec/parse.ts';
import { startMetricsServer } from '../../services/abtest/metrics-server.ts';
import { BatchingController } from '../../services/batching/controller.ts';
import { batchingGauges } from '../../services/batching/gauges.ts';
import { tritonBatchingPort } from '../../services/batching/triton-batching-port.ts';
import { parsePort } from '../options.ts';

export function registerBatching(program: Command): void {
  const batching = program.command('batching').description("adaptive batching (the playbook's stage 3)");
  batching
    .command('watch')
    .description(
      "raise/lower max_batch_size and the queue delay of a model's Triton models from Triton's queue time and batch sizes, within Stack.spec.models[].adaptiveBatching (reloads through Triton's repository API; Triton must run with --model-control-mode=explicit)",
    )
    .option('--spec <file>', 'the spec', 'steadystate.yaml')
    .option('--model <name>', 'the Stack model (default: the only one with adaptiveBatching)')
    .option('--triton-url <url>', "Triton's HTTP endpoint (default: the Stack's triton.url)")
    .option('--journal <file>', 'JSON Lines journal', '.steadystate/batching/journal.jsonl')
    .option('--metrics-port <port>', 'serve batching_* gauges on this port (/metrics, /verdict)', parsePort)
    .option('--duration <seconds>', 'stop after this long', (v) => {
      const n = Number(v);
      if (!(n > 0)) throw new InvalidArgumentError(`--duration "${v}": expected seconds > 0, e.g. 600`);
      return n;
    })
    .action(async (opts) => {
      const stack = stackOf(loadSpecFile(opts.spec));
      const candidates = stack.spec.models.filter((m) => m.adaptiveBatching && (!opts.model || m.name === opts.model));
      if (candidates.length !== 1) {
        const names = stack.spec.models.filter((m) => m.adaptiveBatching).map((m) => m.name);
        throw new InvalidArgumentError(
          opts.model
            ? `model "${opts.model}" has no adaptiveBatching in ${opts.spec}; models that have it: ${names.join(', ') || 'none'} (add Stack.spec.models[].adaptiveBatching)`
            : `expected one model with adaptiveBatching in ${opts.spec}, found ${names.length} (${names.join(', ') || 'none'}); add Stack.spec.models[].adaptiveBatching or pass --model`,
        );
      }
      const model = candidates[0] as (typeof candidates)[number];
      const spec = model.adaptiveBatching as NonNullable<typeof model.adaptiveBatching>;
      const client = new TritonClient({ url: opts.tritonUrl ?? stack.spec.triton.url, timeoutMs: 60_000 });
      const port = tritonBatchingPort(client);
      const gauges = batchingGauges();
      const controllers = [...new Set(model.variants.map((v) => v.tritonModel))].map(
        (tritonModel) =>
          new BatchingController({
            model: tritonModel,
            limits: adaptiveLimits(spec),
            port,
            journal: opts.journal,
            gauges,
            log: (line) => console.log(`${new Date().toISOString()} ${line}`),
          }),
      );
      const server = opts.metricsPort
        ? await startMetricsServer({
            registry: gauges.registry,
            port: opts.metricsPort,
            verdict: () => controllers.map((c) => c.decisions.at(-1) ?? null),
          })
        : undefined;
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      process.once('SIGTERM', () => stop.abort());
      if (opts.duration) setTimeout(() => stop.abort(), opts.duration * 1000).unref();
      for (const c of controllers) await c.start();
      console.log(
        `watching ${controllers.length} Triton model(s) of ${model.name} every ${spec.interval}: max_batch_size ${spec.minBatchSize}..${spec.maxBatchSize}, queue delay ${spec.minQueueDelay}..${spec.maxQueueDelay}; journal ${opts.journal}${server ? `; metrics ${server.url}/metrics` : ''}`,
      );
      try {
        await Promise.all(controllers.map((c) => c.run(parseDuration(spec.interval) * 1000, stop.signal)));
      } finally {
        await server?.close();
        await client.close();
      }
    });
}
