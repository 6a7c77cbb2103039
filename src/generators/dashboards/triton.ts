import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { aggregateBy, byVariable, perEvent, rate, selector, sumBy } from '../../core/promql/builder.ts';
import { batchRow } from './batch-row.ts';
import { adaptiveBatchingRow } from './batching-row.ts';
import { costRows } from './cost.ts';
import { assemble } from './dashboard.ts';
import { timeseries } from './panels.ts';
import type { StackValues } from './stack-values.ts';
import { COLOR, LATENCY_SLO_SECONDS, TRITON_MAX_BATCH_SIZE, UNDERUSED_GPU_BATCH_SIZE } from './thresholds.ts';
import { TRITON } from './triton-metrics.ts';
import { datasourceVariable, labelVariable, specVariable } from './variables.ts';

export const TRITON_UID = 'steadystate-triton';

const NAMESPACE = byVariable('namespace');
/** Triton's `model` label is the Triton model name (fraud_v1), not the gateway's logical model. */
const MODEL = byVariable('model');
const PER_MODEL = [NAMESPACE, MODEL];
const MICROSECONDS_PER_SECOND = 1e6;

export function tritonDashboard(stack: StackValues): Dashboard {
  const perRequest = (total: string) => perEvent(total, TRITON.requestSuccess, PER_MODEL, ['model']);
  return assemble({
    uid: TRITON_UID,
    title: 'steadystate / Triton internals',
    source: 'src/generators/dashboards/triton.ts',
    summary:
      "Inside Triton Inference Server 2.51, from its own nv_* metrics: where a request's time goes (queue vs compute), how well the dynamic batcher fills the device, pending and failed requests, GPU and CPU use.",
    tags: ['triton'],
    variables: [
      datasourceVariable(),
      labelVariable(
        'namespace',
        'namespace',
        TRITON.inferenceCount,
        'Kubernetes namespace of the Triton pods (All also matches a local, unlabelled scrape)',
      ),
      specVariable(
        'model',
        'Triton model',
        stack.tritonModels,
        'Triton model names backing the variants and fallbacks of steadystate.yaml (Stack)',
      ),
    ],
    rows: [
      {
        title: 'Where a request spends its time',
        panels: [
          timeseries({
            title: 'Time per request: queue vs compute (SLO lines 100 ms, 500 ms)',
            description:
              "Mean per successful request over the rate window: time waiting in Triton's scheduler queue, time in the model's compute, and the whole request inside Triton. Queue time growing while compute stays flat means too few model instances or a too long max_queue_delay. The dashed lines are the gateway's latency SLO thresholds.",
            unit: 'µs',
            thresholds: {
              base: COLOR.ok,
              steps: [
                { value: LATENCY_SLO_SECONDS.target * MICROSECONDS_PER_SECOND, color: COLOR.warn },
                { value: LATENCY_SLO_SECONDS.limit * MICROSECONDS_PER_SECOND, color: COLOR.bad },
              ],
            },
            thresholdLines: 'dashed',
            min: 0,
            queries: [
              { expr: perRequest(TRITON.queueDuration), legend: 'queue {{model}}' },
              { expr: perRequest(TRITON.computeInferDuration), legend: 'compute {{model}}' },
              { expr: perRequest(TRITON.requestDuration), legend: 'total {{model}}' },
            ],
            width: 24,
            height: 9,
          }),
          timeseries({
            title: `Average batch size (below ${UNDERUSED_GPU_BATCH_SIZE} = underused GPU)`,
            description:
              'Inferences per model execution (nv_inference_count / nv_inference_exec_count): how many requests the dynamic batcher merged. Below the dashed line a GPU spends most of its time on launch overhead.',
            unit: 'none',
            decimals: 1,
            thresholds: { base: COLOR.warn, steps: [{ value: UNDERUSED_GPU_BATCH_SIZE, color: COLOR.ok }] },
            thresholdLines: 'dashed',
            min: 0,
            queries: [
              {
                expr: perEvent(TRITON.inferenceCount, TRITON.execCount, PER_MODEL, ['model']),
                legend: '{{model}}',
              },
            ],
          }),
          timeseries({
            title: 'Requests and inferences per second',
            description:
              'Successful requests and the inferences they carried (a request with a batch of 8 rows is one request, 8 inferences).',
            unit: 'reqps',
            thresholds: { base: COLOR.info },
            min: 0,
            queries: [
              {
                expr: sumBy(['model'], rate(selector(TRITON.requestSuccess, PER_MODEL))),
                legend: 'requests {{model}}',
              },
              {
                expr: sumBy(['model'], rate(selector(TRITON.inferenceCount, PER_MODEL))),
                legend: 'inferences {{model}}',
              },
            ],
          }),
          timeseries({
            title: 'Pending requests (scheduler queue)',
            description: `Requests received and waiting for a model instance. A queue that does not drain between bursts means the instances cannot keep up; orange at one full batch (max_batch_size ${TRITON_MAX_BATCH_SIZE}).`,
            unit: 'short',
            thresholds: { base: COLOR.ok, steps: [{ value: TRITON_MAX_BATCH_SIZE, color: COLOR.warn }] },
            thresholdLines: 'dashed',
            min: 0,
            queries: [
              {
                expr: sumBy(['model'], selector(TRITON.pendingRequests, PER_MODEL)),
                legend: '{{model}}',
              },
            ],
          }),
          timeseries({
            title: 'Failed requests by reason',
            description:
              "Triton's own failure count by reason: REJECTED (queue full or timed out in the queue), CANCELED, BACKEND (the model raised), OTHER.",
            unit: 'reqps',
            thresholds: { base: COLOR.ok, steps: [{ value: 0.001, color: COLOR.bad }] },
            thresholdLines: 'dashed',
            min: 0,
            queries: [
              {
                expr: sumBy(['model', 'reason'], rate(selector(TRITON.requestFailure, PER_MODEL))),
                legend: '{{model}} {{reason}}',
              },
            ],
          }),
        ],
      },
      {
        title: 'GPU',
        panels: [
          timeseries({
            title: 'GPU utilization',
            description:
              'Share of time a kernel ran on each GPU (DCGM). Low utilization with a small batch size means the batcher, not the GPU, is the limit.',
            unit: 'percentunit',
            thresholds: {
              base: COLOR.ok,
              steps: [
                { value: 0.9, color: COLOR.warn },
                { value: 0.97, color: COLOR.bad },
              ],
            },
            thresholdLines: 'dashed',
            min: 0,
            max: 1,
            queries: [
              {
                expr: aggregateBy('avg', ['gpu_uuid'], selector(TRITON.gpuUtilization, [NAMESPACE])),
                legend: '{{gpu_uuid}}',
              },
            ],
            width: 8,
          }),
          timeseries({
            title: 'GPU memory used',
            description: 'Device memory used over total, per GPU. Near 100% a model load or a larger batch fails.',
            unit: 'percentunit',
            thresholds: {
              base: COLOR.ok,
              steps: [
                { value: 0.8, color: COLOR.warn },
                { value: 0.95, color: COLOR.bad },
              ],
            },
            thresholdLines: 'dashed',
            min: 0,
            max: 1,
            queries: [
              {
                expr: `${aggregateBy('max', ['gpu_uuid'], selector(TRITON.gpuMemoryUsed, [NAMESPACE]))} / ${aggregateBy('max', ['gpu_uuid'], selector(TRITON.gpuMemoryTotal, [NAMESPACE]))}`,
                legend: '{{gpu_uuid}}',
              },
            ],
            width: 8,
          }),
          timeseries({
            title: 'GPU power against its limit',
            description:
              'Power draw per GPU; the dashed series is the power limit, where the GPU throttles its clocks.',
            unit: 'watt',
            thresholds: { base: COLOR.info },
            min: 0,
            dashedSeries: '^limit.*',
            queries: [
              {
                expr: aggregateBy('max', ['gpu_uuid'], selector(TRITON.gpuPowerUsage, [NAMESPACE])),
                legend: '{{gpu_uuid}}',
              },
              {
                expr: aggregateBy('max', ['gpu_uuid'], selector(TRITON.gpuPowerLimit, [NAMESPACE])),
                legend: 'limit {{gpu_uuid}}',
              },
            ],
            width: 8,
          }),
        ],
      },
      {
        title: 'CPU (Triton host)',
        panels: [
          timeseries({
            title: 'CPU utilization',
            description:
              "Host CPU use as Triton reports it. On CPU-only serving (this project's local stack) this is the compute that limits throughput.",
            unit: 'percentunit',
            thresholds: {
              base: COLOR.ok,
              steps: [
                { value: 0.8, color: COLOR.warn },
                { value: 0.95, color: COLOR.bad },
              ],
            },
            thresholdLines: 'dashed',
            min: 0,
            max: 1,
            queries: [
              {
                expr: aggregateBy('avg', ['instance'], selector(TRITON.cpuUtilization, [NAMESPACE])),
                legend: '{{instance}}',
              },
            ],
          }),
          timeseries({
            title: 'CPU memory used against total',
            description: 'Host memory used; the dashed series is the total.',
            unit: 'bytes',
            thresholds: { base: COLOR.info },
            min: 0,
            dashedSeries: '^total.*',
            queries: [
              {
                expr: aggregateBy('max', ['instance'], selector(TRITON.cpuMemoryUsed, [NAMESPACE])),
                legend: '{{instance}}',
              },
              {
                expr: aggregateBy('max', ['instance'], selector(TRITON.cpuMemoryTotal, [NAMESPACE])),
                legend: 'total {{instance}}',
              },
            ],
          }),
        ],
      },
      ...(stack.adaptiveBatching ? [adaptiveBatchingRow()] : []),
      ...costRows(stack),
      batchRow(),
    ],
  });
}
