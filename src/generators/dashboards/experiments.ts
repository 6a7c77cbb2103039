import { AnnotationQueryBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { ABTEST, CHAOS, DRIFT, GATEWAY } from '../../core/metrics/names.ts';
import { aggregateBy, byVariable, rate, selector, sumBy } from '../../core/promql/builder.ts';
import { assemble } from './dashboard.ts';
import { deployRow } from './deploy-row.ts';
import { labelQualityRow } from './labels-row.ts';
import { errorRatioPanel, LATENCY_LINES, latencyQueries } from './overview.ts';
import { stat, stateTimeline, timeseries } from './panels.ts';
import type { StackValues } from './stack-values.ts';
import { ABTEST_ALPHA, COLOR } from './thresholds.ts';
import { DATASOURCE, datasourceVariable, labelVariable, specVariable } from './variables.ts';

export const EXPERIMENTS_UID = 'steadystate-experiments';

const NAMESPACE = byVariable('namespace');
const MODEL = byVariable('model');
const VARIANT = byVariable('variant');
const EXPERIMENT = byVariable('experiment');
const REQUESTS = [NAMESPACE, MODEL, VARIANT];
const AB = [NAMESPACE, EXPERIMENT];

/**
 * A chaos run shows as a mark where its last-run timestamp changed; held and deviated runs
 * get their own colour (the Chaos Toolkit journal's "deviated" status).
 */
function chaosRunAnnotation(name: string, success: 0 | 1, color: string): AnnotationQueryBuilder {
  const changed = `changes(${selector(CHAOS.lastRun, [NAMESPACE])}[2m]) > 0`;
  return new AnnotationQueryBuilder()
    .name(name)
    .datasource(DATASOURCE)
    .enable(true)
    .iconColor(color)
    .expr(`${changed} and on (experiment) ${selector(CHAOS.success, [NAMESPACE])} == ${success}`)
    .step('60s')
    .titleFormat('chaos: {{experiment}}')
    .textFormat(success === 1 ? 'steady state held' : 'steady state deviated')
    .tagKeys('experiment');
}

export function experimentsDashboard(stack: StackValues): Dashboard {
  const observedShare = `${sumBy(['model', 'variant'], rate(selector(GATEWAY.requests, [NAMESPACE, MODEL])))} / ignoring (variant) group_left ${sumBy(['model'], rate(selector(GATEWAY.requests, [NAMESPACE, MODEL])))}`;
  return assemble({
    uid: EXPERIMENTS_UID,
    title: 'steadystate / Experiments: A/B, drift, chaos',
    source: 'src/generators/dashboards/experiments.ts',
    summary:
      "Per A/B experiment the traffic split, per-variant errors and latency, and the sequential test's p-value, confidence sequence and decision; drift score per feature and the prediction-rate shift; chaos runs as annotations with their detection and recovery times.",
    tags: ['abtest', 'drift', 'chaos'],
    variables: [
      datasourceVariable(),
      labelVariable(
        'namespace',
        'namespace',
        GATEWAY.requests,
        'Kubernetes namespace of the gateway and services (All also matches a local, unlabelled scrape)',
      ),
      specVariable('model', 'model', stack.models, 'Logical model (steadystate.yaml, Stack)'),
      specVariable('variant', 'variant', stack.variants, 'Model variant (steadystate.yaml, Stack)'),
      labelVariable(
        'experiment',
        'experiment',
        selector(ABTEST.weight, [NAMESPACE]),
        'A/B experiments the controller reports on',
      ),
    ],
    annotations: [
      chaosRunAnnotation('Chaos run: steady state held', 1, 'green'),
      chaosRunAnnotation('Chaos run: steady state deviated', 0, 'red'),
    ],
    rows: [
      {
        title: 'A/B traffic and guardrails',
        panels: [
          timeseries({
            title: 'Traffic split: observed share against the configured weight',
            description:
              "Share of the model's requests each variant answered (solid) and the weight the A/B controller set (dashed). A gap means assignment or a fallback tier moves traffic away from a variant.",
            unit: 'percentunit',
            thresholds: { base: COLOR.info },
            min: 0,
            max: 1,
            dashedSeries: '^configured.*',
            queries: [
              { expr: observedShare, legend: 'observed {{model}} {{variant}}' },
              {
                expr: `${selector(ABTEST.weight, [...AB, MODEL, VARIANT])} / 100`,
                legend: 'configured {{experiment}} {{variant}}',
              },
            ],
            width: 24,
            height: 9,
          }),
          errorRatioPanel(
            'Error ratio per variant (guardrail)',
            'Bad events per variant, as in the availability SLO. A challenger above the champion here is a guardrail breach whatever the primary metric says.',
          ),
          timeseries({
            title: 'Latency p95 per variant against the SLO lines (guardrail)',
            description: 'p95 gateway latency per variant; dashed lines at the SLO thresholds (100 ms, 500 ms).',
            unit: 's',
            thresholds: LATENCY_LINES,
            thresholdLines: 'dashed',
            min: 0,
            queries: latencyQueries(REQUESTS, ['model', 'variant'], [0.95]),
          }),
        ],
      },
      {
        title: 'Sequential test',
        panels: [
          timeseries({
            title: `Always-valid p-value (significant below ${ABTEST_ALPHA})`,
            description:
              'p-value of the sequential test (mSPRT), valid at every look, so the experiment may stop as soon as it crosses the line without inflating false positives (Johari et al. 2017, "Peeking at A/B tests").',
            unit: 'none',
            decimals: 3,
            thresholds: { base: COLOR.info, steps: [{ value: ABTEST_ALPHA, color: COLOR.neutral }] },
            thresholdLines: 'dashed',
            min: 0,
            max: 1,
            queries: [{ expr: selector(ABTEST.pValue, AB), legend: '{{experiment}} {{metric}}' }],
          }),
          timeseries({
            title: `E-value (reject at ≥ ${1 / ABTEST_ALPHA} = 1/α)`,
            description:
              "Evidence against no difference; by Ville's inequality rejecting when it reaches 1/α keeps the error rate at α under continuous monitoring.",
            unit: 'none',
            thresholds: { base: COLOR.neutral, steps: [{ value: 1 / ABTEST_ALPHA, color: COLOR.info }] },
            thresholdLines: 'dashed',
            min: 0,
            queries: [{ expr: selector(ABTEST.eValue, AB), legend: '{{experiment}} {{test}}' }],
          }),
          timeseries({
            title: 'Confidence sequence for the effect (challenger - champion)',
            description:
              'Lower and upper bound of the always-valid interval for the difference per metric. An interval that excludes 0 (dashed line) is a significant effect; its sign says which way.',
            unit: 'none',
            decimals: 4,
            thresholds: { base: COLOR.neutral, steps: [{ value: 0, color: COLOR.neutral }] },
            thresholdLines: 'dashed',
            queries: [
              { expr: selector(ABTEST.intervalLower, AB), legend: 'lower {{experiment}} {{metric}}' },
              { expr: selector(ABTEST.intervalUpper, AB), legend: 'upper {{experiment}} {{metric}}' },
            ],
          }),
          stat({
            title: 'Decision',
            description:
              'The controller\'s current decision per experiment (e.g. continue, ship, rollback, no data); "no data" is its own outcome, never a pass.',
            unit: 'none',
            thresholds: { base: COLOR.info },
            showName: true,
            queries: [
              {
                expr: `${aggregateBy('max', ['experiment', 'decision'], selector(ABTEST.decision, AB))} == 1`,
                legend: '{{experiment}}: {{decision}}',
                instant: true,
              },
            ],
            width: 6,
            height: 8,
          }),
          timeseries({
            title: 'Samples per variant',
            description: 'Units the test has seen per variant; the interval narrows roughly as 1/sqrt(n).',
            unit: 'short',
            thresholds: { base: COLOR.info },
            min: 0,
            queries: [{ expr: selector(ABTEST.samples, AB), legend: '{{experiment}} {{variant}}' }],
            width: 6,
          }),
        ],
      },
      {
        title: 'Drift',
        panels: [
          timeseries({
            title: 'Drift score per feature against its threshold',
            description:
              "Each feature's drift statistic against the training reference (e.g. PSI, Jensen-Shannon, KS), with the drift watcher's threshold for it dashed.",
            unit: 'none',
            decimals: 3,
            thresholds: { base: COLOR.info },
            min: 0,
            dashedSeries: '^threshold.*',
            queries: [
              {
                expr: selector(DRIFT.score, [NAMESPACE, MODEL]),
                legend: '{{model}} {{feature}} ({{statistic}})',
              },
              {
                expr: selector(DRIFT.threshold, [NAMESPACE, MODEL]),
                legend: 'threshold {{model}} {{feature}} ({{statistic}})',
              },
            ],
          }),
          stat({
            title: 'Features drifting',
            description: 'Number of features whose drift test fires now. Absent means no data, not "no drift".',
            unit: 'short',
            thresholds: { base: COLOR.ok, steps: [{ value: 1, color: COLOR.bad }] },
            noValue: 'no data',
            queries: [
              {
                expr: sumBy(['model'], selector(DRIFT.detected, [NAMESPACE, MODEL])),
                legend: '{{model}}',
                instant: true,
              },
            ],
          }),
          timeseries({
            title: 'Drift window samples',
            description: 'Requests in the current drift window; a verdict needs enough of them.',
            unit: 'short',
            thresholds: { base: COLOR.info },
            min: 0,
            queries: [{ expr: selector(DRIFT.samples, [NAMESPACE, MODEL]), legend: '{{model}}' }],
            width: 6,
          }),
          timeseries({
            title: 'Prediction-rate shift against the reference',
            description:
              'Relative change of the share of each predicted label against the training reference: a model that suddenly flags twice as much fraud shows here before any label arrives. Orange beyond ±20%, red beyond ±50%.',
            unit: 'percentunit',
            thresholds: {
              base: COLOR.bad,
              steps: [
                { value: -0.5, color: COLOR.warn },
                { value: -0.2, color: COLOR.ok },
                { value: 0.2, color: COLOR.warn },
                { value: 0.5, color: COLOR.bad },
              ],
            },
            thresholdLines: 'dashed',
            queries: [
              {
                expr: selector(DRIFT.predictionRateShift, [NAMESPACE, MODEL]),
                legend: '{{model}} {{label}}',
              },
            ],
            width: 24,
          }),
        ],
      },
      {
        title: 'Chaos',
        panels: [
          stateTimeline({
            title: 'Chaos experiments: last outcome',
            description:
              'Whether the steady-state hypothesis held during the last run of each chaos experiment. Runs are also marked on every time series (annotations).',
            unit: 'none',
            thresholds: { base: COLOR.bad, steps: [{ value: 1, color: COLOR.ok }] },
            mappings: [
              { value: 0, text: 'deviated', color: COLOR.bad },
              { value: 1, text: 'held', color: COLOR.ok },
            ],
            queries: [{ expr: selector(CHAOS.success, [NAMESPACE]), legend: '{{experiment}}' }],
          }),
          timeseries({
            title: 'Chaos experiments: time to detect and to recover',
            description:
              'Seconds from the injected fault until the SLO signal noticed it, and until the steady state was back. Orange above 1 minute, red above 5.',
            unit: 's',
            thresholds: {
              base: COLOR.ok,
              steps: [
                { value: 60, color: COLOR.warn },
                { value: 300, color: COLOR.bad },
              ],
            },
            thresholdLines: 'dashed',
            min: 0,
            queries: [
              { expr: selector(CHAOS.detection, [NAMESPACE]), legend: 'detect {{experiment}}' },
              { expr: selector(CHAOS.recovery, [NAMESPACE]), legend: 'recover {{experiment}}' },
            ],
          }),
        ],
      },
      labelQualityRow(),
      ...(stack.deployObjective !== undefined ? [deployRow(stack.deployObjective)] : []),
    ],
  });
}
