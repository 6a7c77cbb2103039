import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonlLabelStore } from '../../../../src/adapters/labels/jsonl-label-store.ts';
import type { IngestOutcome } from '../../../../src/core/labels/ingest.ts';
import { inPredictionSample } from '../../../../src/core/labels/sampling.ts';
import { labelMonitorSpec } from '../../../../src/core/spec/kinds/label-monitor.ts';
import { PredictionLog } from '../../../../src/gateway/prediction-log.ts';
import { ingestLabelFile } from '../../../../src/services/labels/ingest-file.ts';
import { type LabelMonitorContext, labelQualityReport } from '../../../../src/services/labels/monitor.ts';
import { startLabelServer } from '../../../../src/services/labels/server.ts';

/**
 * The label service end to end on real files: the gateway's PredictionLog writes the sample,
 * labels come in over HTTP and from a CSV, the JSONL store keeps them across restarts, and
 * /metrics exports the joined quality.
 */
const dir = mkdtempSync(join(tmpdir(), 'labels-'));
const NOW = new Date('2026-12-04T12:00:00Z');
const RATE = 0.5;

/** Request ids the log samples (and one it does not), found deterministically. */
const sampled: string[] = [];
let unsampledId = '';
for (let i = 0; sampled.length < 40 || unsampledId === ''; i++) {
  const id = `req-${i}`;
  if (inPredictionSample(id, RATE)) sampled.push(id);
  else if (!unsampledId) unsampledId = id;
}
const truthOf = (i: number): 0 | 1 => (i % 4 === 0 ? 1 : 0);

function context(): LabelMonitorContext {
  return {
    name: 'fraud-labels',
    spec: labelMonitorSpec.parse({
      model: 'fraud',
      store: join(dir, 'store'),
      minLabels: 10,
      minPositives: 3,
      baselines: { v1: { baseline: { prAuc: 0.9 } } },
    }),
    log: { path: join(dir, 'predictions.jsonl'), sampleRate: RATE, keepFiles: 2 },
    store: new JsonlLabelStore(join(dir, 'store')),
    now: () => NOW,
  };
}

let server: Awaited<ReturnType<typeof startLabelServer>>;

beforeAll(async () => {
  const log = new PredictionLog({
    path: join(dir, 'predictions.jsonl'),
    sampleRate: RATE,
    maxBytes: 1_000_000,
    keepFiles: 2,
  });
  sampled.forEach((id, i) => {
    // Scores rank positives first except a few: PR AUC high, but below 0.9 - 0.05.
    const score = truthOf(i) === 1 ? (i % 8 === 0 ? 0.2 : 0.8) : 0.3 + (i % 5) * 0.1;
    log.write({
      ts: new Date(NOW.getTime() - 3600_000).toISOString(),
      request_id: id,
      user_id: 'u',
      model: 'fraud',
      variant: 'v1',
      served_by: 'primary',
      score,
      label: score >= 0.5 ? 1 : 0,
      features: {},
    });
  });
  await log.close();
  server = await startLabelServer(context(), { port: 0, refreshMs: 0 });
});
afterAll(async () => server?.close());

const post = (body: unknown) =>
  fetch(`${server.url}/v1/labels`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('labels service', () => {
  it('POST /v1/labels accepts, reports unknown and unsampled ids and names invalid fields', async () => {
    const batch = [
      ...sampled
        .slice(0, 20)
        .map((id, i) => ({ request_id: id, label: truthOf(i), labelled_at: '2026-12-04T11:30:00Z' })),
      { request_id: unsampledId, label: 1 },
      { request_id: 'never-logged-but-sampled', label: 1 },
      { request_id: sampled[21], label: 'yes' },
    ];
    const response = await post({ labels: batch });
    expect(response.status).toBe(200);
    const out = (await response.json()) as IngestOutcome;
    expect(out.accepted).toHaveLength(20);
    expect(out.unsampled + out.unknown.count).toBe(2);
    expect(out.invalid).toEqual([{ index: 22, field: 'label', message: 'must be 0 or 1 (or false/true), got "yes"' }]);
  });

  it('is idempotent: the same batch again adds nothing, and the store holds each label once', async () => {
    const response = await post(sampled.slice(0, 20).map((id, i) => ({ request_id: id, label: truthOf(i) })));
    const again = (await response.json()) as IngestOutcome;
    expect(again.accepted).toHaveLength(0);
    expect(again.duplicates).toBe(20);
    const lines = readFileSync(join(dir, 'store', 'labels.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect(lines).toHaveLength(20);
  });

  it('counts a label once when two batches carrying it arrive together', async () => {
    const id = sampled[39] as string;
    const label = { request_id: id, label: truthOf(39), labelled_at: '2026-12-04T11:45:00Z' };
    const [a, b] = await Promise.all([post([label]), post([label])]);
    const outcomes = [(await a.json()) as IngestOutcome, (await b.json()) as IngestOutcome];
    expect(outcomes.map((o) => o.accepted.length).sort()).toEqual([0, 1]);
    expect(outcomes.map((o) => o.duplicates).sort()).toEqual([0, 1]);
  });

  it('rejects a body that is not a batch, naming the field', async () => {
    const response = await post({ label: 1 });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { field: string }).field).toBe('labels');
  });

  it('ingests a CSV file, numbering problems by line', async () => {
    const csv = [
      'request_id,label,labelled_at',
      ...sampled.slice(20, 40).map((id, k) => `${id},${truthOf(20 + k)},2026-12-04T11:45:00Z`),
      `${sampled[0]},1,`,
      'x,2,',
    ].join('\n');
    writeFileSync(join(dir, 'labels.csv'), csv);
    const out = await ingestLabelFile(context(), join(dir, 'labels.csv'));
    expect(out.accepted).toHaveLength(19); // sampled[39] came in over HTTP already
    expect(out.duplicates).toBe(2);
    expect(out.invalid).toEqual([expect.objectContaining({ index: 23, field: 'label' })]);
  });

  it('reports and exports the joined quality with low-cardinality labels only', async () => {
    const report = await labelQualityReport(context());
    const day = report.rows.find((r) => r.window === '1d');
    expect(day).toMatchObject({ variant: 'v1', predictions: 40, labelled: 40, positives: 10, coverage: 1 });
    expect(day?.delayMedianSeconds).toBe(1800);
    expect(day?.delayP90Seconds).toBe(2700);
    expect(day?.verdict?.outcome).toBe('degraded');
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/label_quality_labelled\{model="fraud",variant="v1",window="1d"\} 40/);
    expect(text).toMatch(/label_quality_baseline_pr_auc\{model="fraud",variant="v1"\} 0\.9/);
    expect(text).not.toMatch(/req-/);
  });
});
