import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { SLO } from '../../core/metrics/names.ts';
import { byVariable, is, selector, sumBy } from '../../core/promql/builder.ts';
import { assemble } from './dashboard.ts';
import { stat, timeseries } from './panels.ts';
import type { StackValues } from './stack-values.ts';
import { BURN_RATE_PAGE, BURN_RATE_TICKET, COLOR } from './thresholds.ts';
import { datasourceVariable, labelVariable, specVariable } from './variables.ts';

export const SLO_UID = 'steadystate-slo';

const SLO_NAME = byVariable('slo');
const MODEL = byVariable('model');
const WINDOW = byVariable('window');

/** Budget left over the SLO period: red once spent, orange in its last quarter. */
const BUDGET_BANDS = {
  base: COLOR.bad,
  steps: [
    { value: 0, color: COLOR.warn },
    { value: 0.25, color: COLOR.ok },
  ],
};

/**
 * The SLO panels are built over the recording rules, not over the spec's SLO documents:
 * the `slo` and `window` variables read their values from the rules Prometheus has, so a
 * new SLO or a non-default window appears without regenerating the dashboard (the pyrra
 * dashboards break for non-default windows: pyrra#745, #1097). SLO rules aggregate across
 * namespaces and replicas, so this dashboard has no namespace filter.
 */
export function sloDashboard(stack: StackValues): Dashboard {
  const pageLow = Math.min(...BURN_RATE_PAGE);
  const pageHigh = Math.max(...BURN_RATE_PAGE);
  const ticketLow = Math.min(...BURN_RATE_TICKET);
  const ticketHigh = Math.max(...BURN_RATE_TICKET);
  return assemble({
    uid: SLO_UID,
    title: 'steadystate / SLOs and error budgets',
    source: 'src/generators/dashboards/slo.ts',
    summary:
      'Per SLO: error budget left over the period, burn rate per window against the page and ticket factors of the SRE workbook, the SLI per window and the alerts firing. Reads the slo:* recording rules generated from steadystate.yaml.',
    tags: ['slo'],
    variables: [
      datasourceVariable(),
      labelVariable('slo', 'slo', SLO.objective, 'SLOs that have recording rules in this Prometheus'),
      specVariable('model', 'model', stack.models, 'Logical model (steadystate.yaml, Stack)'),
      labelVariable(
        'window',
        'window',
        selector(SLO.burnRate, [SLO_NAME]),
        'Burn-rate windows of the selected SLOs, as the rules label them',
      ),
    ],
    rows: [
      {
        title: 'SLO $slo',
        repeat: 'slo',
        panels: [
          timeseries({
            title: 'Error budget remaining over the SLO period',
            description:
              '1 = untouched, 0 = spent, below 0 = the objective is missed for the period. Orange in the last quarter of the budget.',
            unit: 'percentunit',
            thresholds: BUDGET_BANDS,
            thresholdLines: 'dashed',
            queries: [
              { expr: selector(SLO.budgetRemaining, [SLO_NAME, MODEL]), legend: '{{slo}} {{model}} budget left' },
            ],
            width: 12,
          }),
          stat({
            title: 'Budget left now',
            description: 'Latest value of the remaining error budget.',
            unit: 'percentunit',
            thresholds: BUDGET_BANDS,
            decimals: 1,
            queries: [{ expr: selector(SLO.budgetRemaining, [SLO_NAME, MODEL]), legend: '{{model}}', instant: true }],
          }),
          stat({
            title: 'Objective',
            description: 'Target share of good events over the SLO period.',
            unit: 'percentunit',
            thresholds: { base: COLOR.info },
            decimals: 2,
            queries: [{ expr: selector(SLO.objective, [SLO_NAME]), legend: '{{slo}}', instant: true }],
          }),
          timeseries({
            title: `Burn rate per window (page ≥ ${BURN_RATE_PAGE.join(' / ')}, ticket ≥ ${BURN_RATE_TICKET.join(' / ')})`,
            description:
              'How many times faster than sustainable the budget burns, per window. 1 spends it exactly over the period. The lines are the multiwindow factors of the SRE workbook (table 5-8): an alert needs both its long and its short window above the factor.',
            unit: 'suffix:×',
            thresholds: {
              base: COLOR.ok,
              steps: [
                { value: ticketLow, color: 'yellow' },
                { value: ticketHigh, color: COLOR.warn },
                { value: pageLow, color: COLOR.bad },
                { value: pageHigh, color: 'dark-red' },
              ],
            },
            thresholdLines: 'dashed',
            min: 0,
            queries: [
              {
                expr: selector(SLO.burnRate, [SLO_NAME, MODEL, WINDOW]),
                legend: '{{window}} {{model}}',
              },
            ],
            width: 12,
          }),
          timeseries({
            title: 'SLI error ratio per window against the error budget',
            description:
              'Share of bad events per window; the dashed series is the error budget (1 - objective). A window above it burns faster than 1×.',
            unit: 'percentunit',
            thresholds: { base: COLOR.info },
            min: 0,
            dashedSeries: '^error budget.*',
            queries: [
              { expr: selector(SLO.errorRatio, [SLO_NAME, MODEL, WINDOW]), legend: '{{window}} {{model}}' },
              { expr: selector(SLO.errorBudget, [SLO_NAME]), legend: 'error budget {{slo}}' },
            ],
            width: 12,
          }),
          timeseries({
            title: 'Events per second (low-traffic guard)',
            description:
              'Request rate the SLI is computed from. With very few events a single failure moves the ratio a lot; burn-rate alerts are not trusted below the guard.',
            unit: 'reqps',
            thresholds: { base: COLOR.info },
            min: 0,
            queries: [{ expr: selector(SLO.eventRate, [SLO_NAME, MODEL]), legend: '{{model}}' }],
            width: 6,
          }),
          stat({
            title: 'Alerts firing',
            description: 'Alerts of this SLO firing now, by severity (page, ticket).',
            unit: 'short',
            thresholds: { base: COLOR.ok, steps: [{ value: 1, color: COLOR.bad }] },
            noValue: 'none firing',
            queries: [
              {
                expr: sumBy(['severity'], selector('ALERTS', [is('alertstate', 'firing'), SLO_NAME])),
                legend: '{{severity}}',
                instant: true,
              },
            ],
          }),
        ],
      },
    ],
  });
}
