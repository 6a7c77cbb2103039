import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { readDatasetCsv } from '../../adapters/files/dataset-csv.ts';
import { paths } from '../../adapters/process/paths.ts';
import { isPortFree } from '../../adapters/process/ports.ts';
import {
  DEFAULT_TRITON_PORTS,
  startTriton,
  stopTriton,
  type TritonInstance,
} from '../../adapters/process/triton-server.ts';
import { TritonClient } from '../../adapters/triton/client.ts';
import { encodeFeatures, featureSchemaFile } from '../../core/spec/feature-schema.ts';
import { parsePositiveInt } from '../options.ts';

/**
 * A first look: bring up the local Triton stack (or reuse one), send real predictions from
 * the held-out test split through all three models and print them side by side.
 */
export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description('start the local Triton stack, send real predictions and print them')
    .option('-n, --rows <n>', 'test rows to predict', parsePositiveInt, 12)
    .option('--keep', 'leave Triton running afterwards')
    .action(async (opts) => {
      const schema = featureSchemaFile.parse(JSON.parse(readFileSync(paths.featureSchema(), 'utf8')));
      let started: TritonInstance | undefined;
      const url = `http://127.0.0.1:${DEFAULT_TRITON_PORTS.http}`;
      if (await isPortFree(DEFAULT_TRITON_PORTS.http)) {
        console.log('starting Triton (nvidia-pytriton tritonserver, python backend on CPU) ...');
        started = await startTriton();
        console.log(`Triton ready: ${started.models.join(', ')}`);
      } else {
        console.log(`reusing the server already on ${url}`);
      }
      const client = new TritonClient({ url });
      try {
        // A few fraud cases first so the table shows both classes.
        const rows = readDatasetCsv(join(paths.root(), 'serving', 'data', 'test.csv'), schema, 20_000);
        const picked = [...rows.filter((r) => r.label === 1).slice(0, 3), ...rows.filter((r) => r.label === 0)].slice(
          0,
          opts.rows,
        );
        const models = Object.keys(schema.models);
        const table = [];
        for (const row of picked) {
          const input = encodeFeatures(schema, row.features);
          const line: Record<string, string | number> = {
            amount: Number(row.features.amount).toFixed(2),
            hour: row.features.hour as number,
            merchant: row.features.merchant_category as string,
            channel: row.features.channel as string,
            is_fraud: row.label,
          };
          for (const model of models) {
            const res = await client.infer(model, {
              inputs: [{ name: schema.input, shape: [1, input.length], datatype: 'FP32', data: input }],
            });
            const score = res.outputs[0]?.data[0] ?? Number.NaN;
            const threshold = schema.models[model]?.decision_threshold ?? 0.5;
            line[model] = `${score.toFixed(4)}${score >= threshold ? ' FRAUD' : ''}`;
          }
          table.push(line);
        }
        console.table(table);
      } finally {
        await client.close();
        if (started && !opts.keep) {
          await stopTriton(started);
          console.log('stopped Triton');
        }
      }
    });
}
