import { sloAlertsGenerator } from './alerts/generator.ts';
import { batchJobsGenerator } from './batch/generator.ts';
import { chaosScheduleGenerator } from './chaos/generator.ts';
import { dashboardsGenerator } from './dashboards/generator.ts';
import { deployAlertsGenerator } from './deploy-alerts/generator.ts';
import { driftAlertsGenerator } from './drift-alerts/generator.ts';
import { featureStoreAlertsGenerator } from './feature-store-alerts/generator.ts';
import { k6ThresholdsGenerator } from './k6/generator.ts';
import { k8sServingGenerator } from './k8s/generator.ts';
import { labelAlertsGenerator } from './label-alerts/generator.ts';
import { specSchemaGenerator } from './spec-schema/generator.ts';
import type { Generator } from './types.ts';

/** Every artifact generator; `npm run gen` runs them all in this order. */
export const GENERATORS: Generator[] = [
  specSchemaGenerator,
  sloAlertsGenerator,
  driftAlertsGenerator,
  labelAlertsGenerator,
  featureStoreAlertsGenerator,
  deployAlertsGenerator,
  k6ThresholdsGenerator,
  k8sServingGenerator,
  dashboardsGenerator,
  chaosScheduleGenerator,
  batchJobsGenerator,
];
