import type { Options, Scenario } from 'k6/options';
import { thresholds } from '../thresholds.ts';

/**
 * Options every script shares: the SLO thresholds (generated from steadystate.yaml), p99 in
 * the summary (k6 reports p90/p95 by default), and one scenario.
 */
export function optionsFor(scenario: Scenario, extraThresholds: Options['thresholds'] = {}): Options {
  return {
    scenarios: { load: scenario },
    thresholds: { ...thresholds, ...extraThresholds },
    summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
    discardResponseBodies: false,
  };
}
