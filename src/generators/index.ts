import { chaosScheduleGenerator } from './chaos-schedule.ts';
import { k8sServingGenerator } from './k8s-serving.ts';
import { specSchemaGenerator } from './spec-schema.ts';
import type { Generator } from './types.ts';

/** Every artifact generator; `npm run gen` runs them all in this order. */
export const GENERATORS: Generator[] = [specSchemaGenerator, k8sServingGenerator, chaosScheduleGenerator];
