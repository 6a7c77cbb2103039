import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { CACHE_RESULTS, GATEWAY, GOOD_SERVED_BY, SERVED_BY, type ServedBy } from '../../core/metrics/names.ts';
import {
  aggregateBy,
  byVariable,
  histogramQuantile,
  is,
  isNot,
  rate,
  ratioOfRates,
  selector,
  sumBy,
} from '../../core/promql/builder.ts';
import { assemble } from './dashboard.ts';
import { type PanelBuilderAny, stateTimeline, timeseries } from './panels.ts';
import type { StackValues } from './stack-values.ts';
import { COLOR, LATENCY_SLO_SECONDS } from './thresholds.ts';
import { datasourceVariable, labelVariable, specVariable } from './variables.ts';

export const OVERVIEW_UID = 'steadystate-overview';

const NAMESPACE = byVariable('namespace');
const MODEL = byVariable('model');
const VARIANT = byVariable('variant');
const REQUESTS = [NAMESPACE, MODEL, VARIANT];

/** Colours of the fallback chain, from "answered by the model" to "not answered". */
const TIER_COLORS: Record<ServedBy, string> = {
  primary: 'green',
  cache: 'blue',
  stale_cache: 'light-blue',
  fallback_model: 'yellow',
  default: 'orange',
  shed: 'purple',
  error: 'red',
};

/** The latency thresholds of the SLOs, drawn as dashed lines on every latency panel. */
export const LATENCY_LINES = {
  base: COLOR.ok,
  steps: [
    { value: LATENCY_SLO_SECONDS.target, color: COLOR.warn },
    { value: LATENCY_SLO_SECONDS.limit, color: COLOR.bad },
  ],
};

/** Requests not answered by a good tier (ARCHITECTURE.md: good = primary, cache, stale cache, fallback model). */
export function errorRatio(matchers: readonly string[], by: readonly string[]): string {
  return ratioOfRates(GATEWAY.requests, [...matchers, isNot('served_by', GOOD_SERVED_BY)], matchers, by);
}

export function latencyQueries(matchers: readonly string[], by: readonly string[], quantiles: readonly number[]) {
  const legend = by.map((l) => `{{${l}}}`).join(' ');
  return quantiles.map((q) => ({
    expr: histogramQuantile(q, GATEWAY.duration, matchers, by),
    legend: `p${Math.round(q * 100)} ${legend}`.trim(),
  }));
}

export function overviewDashboard(stack: StackValues): Dashboard {
  const share = `${sumBy(['served_by'], rate(selector(GATEWAY.requests, REQUESTS)))} / ignoring (served_by) group_left ${sumBy([], rate(selector(GATEWAY.requests, REQUESTS)))}`;
  return assemble({
    uid: OVERVIEW_UID,
    title: 'steadystate / Inference service overview',
    source: 'src/generators/dashboards/overview.ts',
    summary:
      'The gateway in front of Triton: traffic, errors and latency per model and variant against the SLO lines, which tier of the fallback chain answered, cache, circuit breakers and load.',
    tags: ['gateway', 'slo'],
    variables: [
      datasourceVariable(),
      labelVariable(
        'namespace',
        'namespace',
        GATEWAY.requests,
        'Kubernetes namespace of the gateway pods (All also matches a local, unlabelled scrape)',
      ),
      specVariable('model', 'model', stack.models, 'Logical model, as served by the gateway (steadystate.yaml, Stack)'),
      specVariable('variant', 'variant', stack.variants, 'Model variant (steadystate.yaml, Stack)'),
    ],
    rows: [
      {
        title: 'Traffic, errors and latency',
        panels: [
          timeseries({
            title: 'Latency p50 / p95 / p99 against the SLO lines (100 ms, 500 ms)',
            description:
              'End-to-end gateway latency per model and variant, from the inference_request_duration_seconds histogram. The dashed lines are the SLO thresholds; both are histogram buckets, so the line and the SLI measure the same edge.',
            unit: 's',
            thresholds: LATENCY_LINES,
            thresholdLines: 'dashed',
            queries: latencyQueries(REQUESTS, ['model', 'variant'], [0.5, 0.95, 0.99]),
            width: 24,
            height: 9,
          }),
          timeseries({
            title: 'Requests per second by model and variant',
            description: 'Every request the gateway answered or refused, whatever tier served it.',
            unit: 'reqps',
            thresholds: { base: COLOR.info },
            queries: [
              {
                expr: sumBy(['model', 'variant'], rate(selector(GATEWAY.requests, REQUESTS))),
                legend: '{{model}} {{variant}}',
              },
            ],
          }),
          errorRatioPanel(
            'Error ratio (answered by none of primary, cache, stale cache, fallback model)',
            'Share of requests that got the default answer, were shed or failed: the bad events of the availability SLO. The orange line is a 99.9% objective, the red one 99%.',
          ),
        ],
      },
      {
        title: 'Fallback chain',
        panels: [
          timeseries({
            title: 'Share of requests by serving tier',
            description: `Which tier answered: ${SERVED_BY.join(', ')}. Anything but primary means the model path was skipped or failed; default, shed and error are bad events.`,
            unit: 'percentunit',
            thresholds: { base: COLOR.info },
            stack: 'normal',
            min: 0,
            max: 1,
            colors: TIER_COLORS,
            queries: [{ expr: share, legend: '{{served_by}}' }],
          }),
          timeseries({
            title: 'Upstream (Triton) errors by reason',
            description:
              'Calls from the gateway to Triton that failed, by reason (timeout, unavailable, http_5xx, circuit_open, injected ...). Each may still have been answered by a fallback tier.',
            unit: 'reqps',
            thresholds: {
              base: COLOR.ok,
              steps: [
                { value: 0.1, color: COLOR.warn },
                { value: 1, color: COLOR.bad },
              ],
            },
            thresholdLines: 'dashed',
            min: 0,
            queries: [
              {
                expr: sumBy(['variant', 'reason'], rate(selector(GATEWAY.upstreamErrors, REQUESTS))),
                legend: '{{variant}} {{reason}}',
              },
            ],
          }),
          timeseries({
            title: 'Upstream (Triton) latency p99 against the request deadline',
            description:
              'Time the gateway waited for Triton. Above the per-request deadline (steadystate.yaml, red line) the gateway answers from a fallback tier instead.',
            unit: 's',
            thresholds: {
              base: COLOR.ok,
              steps: stack.deadlineSeconds === undefined ? [] : [{ value: stack.deadlineSeconds, color: COLOR.bad }],
            },
            thresholdLines: 'dashed',
            queries: [
              {
                expr: histogramQuantile(0.99, GATEWAY.upstreamDuration, REQUESTS, ['model', 'variant']),
                legend: 'p99 {{model}} {{variant}}',
              },
            ],
          }),
          stateTimeline({
            title: 'Circuit breaker state per variant',
            description:
              'The gateway stops calling a variant whose breaker is open and answers from the fallback chain; half-open lets a probe through.',
            unit: 'none',
            thresholds: {
              base: COLOR.ok,
              steps: [
                { value: 1, color: COLOR.warn },
                { value: 2, color: COLOR.bad },
              ],
            },
            mappings: [
              { value: 0, text: 'closed', color: COLOR.ok },
              { value: 1, text: 'half-open', color: COLOR.warn },
              { value: 2, text: 'open', color: COLOR.bad },
            ],
            queries: [
              {
                expr: aggregateBy('max', ['model', 'variant'], selector(GATEWAY.circuitState, REQUESTS)),
                legend: '{{model}} {{variant}}',
              },
            ],
          }),
        ],
      },
      {
        title: 'Cache and load',
        panels: [
          timeseries({
            title: 'Cache hit ratio',
            description:
              'Share of cache lookups answered from a fresh entry. Coalesced lookups waited for an identical in-flight request instead of calling Triton again.',
            unit: 'percentunit',
            thresholds: { base: COLOR.info },
            min: 0,
            max: 1,
            queries: [
              {
                expr: ratioOfRates(
                  GATEWAY.cacheRequests,
                  [NAMESPACE, MODEL, is('result', 'hit')],
                  [NAMESPACE, MODEL],
                  ['model'],
                ),
                legend: 'hit ratio {{model}}',
              },
              {
                expr: ratioOfRates(
                  GATEWAY.cacheRequests,
                  [NAMESPACE, MODEL, is('result', 'coalesced')],
                  [NAMESPACE, MODEL],
                  ['model'],
                ),
                legend: 'coalesced {{model}}',
              },
            ],
          }),
          timeseries({
            title: `Cache lookups by result (${CACHE_RESULTS.join(', ')})`,
            description: 'Lookups per second by result; stale entries answer only while the primary fails.',
            unit: 'reqps',
            thresholds: { base: COLOR.info },
            stack: 'normal',
            min: 0,
            queries: [
              {
                expr: sumBy(['result'], rate(selector(GATEWAY.cacheRequests, [NAMESPACE, MODEL]))),
                legend: '{{result}}',
              },
            ],
          }),
          timeseries({
            title: 'In-flight requests per gateway replica (red: admission limit)',
            description:
              'Requests being processed. At gateway.maxInflight (steadystate.yaml, red line) new requests are shed; orange at 80% of it.',
            unit: 'short',
            thresholds: {
              base: COLOR.ok,
              steps:
                stack.maxInflight === undefined
                  ? []
                  : [
                      { value: Math.floor(stack.maxInflight * 0.8), color: COLOR.warn },
                      { value: stack.maxInflight, color: COLOR.bad },
                    ],
            },
            thresholdLines: 'dashed',
            min: 0,
            queries: [
              {
                expr: sumBy(['instance'], selector(GATEWAY.inflight, [NAMESPACE])),
                legend: '{{instance}}',
              },
            ],
          }),
          timeseries({
            title: 'Adaptive concurrency limit and calls in flight per upstream',
            description:
              'The gradient limit per Triton model (summed over gateway replicas) and the calls in flight under it. In flight at the limit means the model is the bottleneck: the excess is refused (503) at the door.',
            unit: 'short',
            thresholds: { base: COLOR.info },
            min: 0,
            queries: [
              {
                expr: sumBy(['model', 'variant'], selector(GATEWAY.concurrencyLimit, [NAMESPACE, MODEL])),
                legend: 'limit {{model}} {{variant}}',
              },
              {
                expr: sumBy(['model', 'variant'], selector(GATEWAY.upstreamInflight, [NAMESPACE, MODEL])),
                legend: 'in flight {{model}} {{variant}}',
              },
            ],
          }),
          timeseries({
            title: 'Share of requests shed at the door',
            description:
              'upstream_limit: a model\'s requests refused before they are read because its models are full; event_loop_lag: every request, because the gateway itself is short of CPU (model "all"). Highest replica shown.',
            unit: 'percentunit',
            thresholds: {
              base: COLOR.ok,
              steps: [
                { value: 0.01, color: COLOR.warn },
                { value: 0.2, color: COLOR.bad },
              ],
            },
            min: 0,
            max: 1,
            queries: [
              {
                expr: aggregateBy('max', ['model', 'reason'], selector(GATEWAY.shedShare, [NAMESPACE])),
                legend: '{{reason}} {{model}}',
              },
            ],
          }),
        ],
      },
    ],
  });
}

/** The availability SLO's bad-event ratio per model and variant, with lines at a 99.9% and a 99% objective. */
export function errorRatioPanel(title: string, description: string): PanelBuilderAny {
  return timeseries({
    title,
    description,
    unit: 'percentunit',
    thresholds: {
      base: COLOR.ok,
      steps: [
        { value: 0.001, color: COLOR.warn },
        { value: 0.01, color: COLOR.bad },
      ],
    },
    thresholdLines: 'dashed',
    min: 0,
    queries: [{ expr: errorRatio(REQUESTS, ['model', 'variant']), legend: '{{model}} {{variant}}' }],
  });
}
