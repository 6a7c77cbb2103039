import Fastify, { type FastifyInstance } from 'fastify';
import { createLabelGauges } from './gauges.ts';
import { ingestLabels, type LabelMonitorContext, labelQualityReport } from './monitor.ts';

/** Largest batch one POST may carry; bigger label dumps go through `labels ingest FILE`. */
export const MAX_BATCH = 10_000;

/**
 * `steadystate labels serve`: the label intake and the quality exporter.
 * - `POST /v1/labels` with `{"labels": [{request_id, label, labelled_at?}, ...]}` (or a bare
 *   array): 200 with the ingest outcome (accepted, duplicates, conflicts, unknown ids,
 *   unsampled, invalid records naming the field); 400 when the body is not a batch.
 *   Records that fail validation do not fail the batch: they come back in `invalid`.
 * - `GET /metrics`: label_quality_* gauges, recomputed at most every `refreshMs` (30 s) and
 *   after each batch that added labels.
 * - `GET /v1/labels/report`: the same report as `steadystate labels report --json`.
 */
export async function startLabelServer(
  ctx: LabelMonitorContext,
  options: { port: number; host?: string; refreshMs?: number },
): Promise<{ app: FastifyInstance; url: string; close: () => Promise<void> }> {
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 });
  const gauges = createLabelGauges();
  const baselines = Object.fromEntries(Object.entries(ctx.spec.baselines).map(([v, b]) => [v, b.baseline.prAuc]));

  // One ingest at a time: load-plan-append must not interleave, or two batches carrying the
  // same label would both report it accepted (the store would still count it once).
  let ingesting: Promise<unknown> = Promise.resolve();
  const serialised = <T>(work: () => Promise<T>): Promise<T> => {
    const next = ingesting.then(work, work);
    ingesting = next.catch(() => undefined);
    return next;
  };
  // The join reads the whole sample (up to keepFiles x maxBytes): at most once per refreshMs
  // for scrapes, and again after every ingest.
  const refreshMs = options.refreshMs ?? 30_000;
  let published = 0;

  app.post('/v1/labels', async (request, reply) => {
    const body = request.body as unknown;
    const batch = Array.isArray(body) ? body : (body as { labels?: unknown } | null)?.labels;
    if (!Array.isArray(batch)) {
      return reply
        .code(400)
        .send({ error: 'body must be {"labels": [{"request_id": "...", "label": 0|1}, ...]}', field: 'labels' });
    }
    if (batch.length > MAX_BATCH) {
      return reply.code(400).send({
        error: `a batch holds at most ${MAX_BATCH} labels, got ${batch.length}; split it or use \`steadystate labels ingest FILE\``,
        field: 'labels',
      });
    }
    const outcome = await serialised(() => ingestLabels(ctx, batch));
    if (outcome.accepted.length > 0) published = 0;
    return reply.send(outcome);
  });

  app.get('/v1/labels/report', async () => labelQualityReport(ctx));

  app.get('/metrics', async (_request, reply) => {
    if (Date.now() - published >= refreshMs) {
      const report = await labelQualityReport(ctx);
      gauges.publish(report.rows, baselines, ctx.spec.model);
      published = Date.now();
    }
    return reply.header('content-type', gauges.registry.contentType).send(await gauges.registry.metrics());
  });

  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return { app, url: `http://${host}:${port}`, close: () => app.close() };
}
