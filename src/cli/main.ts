#!/usr/bin/env node
import { Command } from 'commander';
import { registerAb } from './commands/ab.ts';
import { registerBatch } from './commands/batch.ts';
import { registerBatching } from './commands/batching.ts';
import { registerChaos } from './commands/chaos.ts';
import { registerCluster } from './commands/cluster.ts';
import { registerCost } from './commands/cost.ts';
import { registerDeploy } from './commands/deploy.ts';
import { registerDrift } from './commands/drift.ts';
import { registerGameday } from './commands/gameday.ts';
import { registerGateway } from './commands/gateway.ts';
import { registerGen } from './commands/gen.ts';
import { registerLabels } from './commands/labels.ts';
import { registerPredict } from './commands/predict.ts';
import { registerRegistry } from './commands/registry.ts';
import { registerSlo } from './commands/slo.ts';
import { registerTriton } from './commands/triton.ts';

const program = new Command()
  .name('steadystate')
  .description('Keep ML inference on NVIDIA Triton inside its SLOs, and prove it.')
  .showHelpAfterError();

registerTriton(program);
registerGameday(program);
registerPredict(program);
registerGen(program);
registerGateway(program);
registerAb(program);
registerSlo(program);
registerDrift(program);
registerChaos(program);
registerLabels(program);
registerCost(program);
registerBatch(program);
registerBatching(program);
registerCluster(program);
registerDeploy(program);
registerRegistry(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  const err = error as Error;
  console.error(`steadystate: ${err.name === 'Error' ? '' : `${err.name}: `}${err.message}`);
  process.exitCode = 1;
});
