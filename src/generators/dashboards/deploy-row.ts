import { DEPLOY } from '../../core/metrics/names.ts';
import { byVariable, selector } from '../../core/promql/builder.ts';
import type { Row } from './dashboard.ts';
import { timeseries } from './panels.ts';
import { COLOR } from './thresholds.ts';

const SCOPE = [byVariable('namespace'), byVariable('model')];

/**
 * Shipping models (`steadystate deploy`): the deploy-speed SLO (share of deploys in
 * production within the target, alerts/deploy-*.rules.yml) and where the last deploy spent
 * its time, stage by stage. Pushed by the deploy CLI, so the series step at each deploy.
 */
export function deployRow(objective: number): Row {
  return {
    title: 'Deploys: speed SLO and stages',
    panels: [
      timeseries({
        title: 'Deploys within the target',
        description: `Share of finished deploys (registration to 100% or rollback) within the Deployment SLO's target; the objective is ${objective * 100}%. DeploySpeedSLOMissed opens a ticket below it.`,
        unit: 'percentunit',
        thresholds: { base: COLOR.info },
        min: 0,
        max: 1,
        queries: [{ expr: selector(DEPLOY.speedRatio, SCOPE), legend: '{{model}}' }],
        width: 12,
      }),
      timeseries({
        title: 'Last deploy: seconds per stage',
        description:
          'fetch, validate, publish (upload, load, p99 and test prediction on Triton), shadow, canary, promote or rollback: where the last deploy spent its time.',
        unit: 's',
        thresholds: { base: COLOR.info },
        min: 0,
        queries: [{ expr: selector(DEPLOY.lastStageDuration, SCOPE), legend: '{{stage}}' }],
        width: 12,
      }),
    ],
  };
}
