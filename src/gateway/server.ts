import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { bearerMatches } from './admin/auth.ts';
import type { InferenceGateway } from './inference-gateway.ts';
import { RequestError } from './validation/errors.ts';
import { decodeKServeRequest } from './validation/kserve-request.ts';
import { decodePredictRequest } from './validation/predict-request.ts';

/** Response schema: lets fastify serialize answers with fast-json-stringify (the cache-hit path is serialization-bound). */
const PREDICT_RESPONSE = {
  response: {
    200: {
      type: 'object',
      properties: {
        score: { type: 'number' },
        label: { type: 'integer' },
        model: { type: 'string' },
        variant: { type: 'string' },
        served_by: { type: 'string' },
        stale: { type: 'boolean' },
        request_id: { type: 'string' },
        defaulted_features: { type: 'array', items: { type: 'string' } },
      },
      required: ['score', 'label', 'model', 'variant', 'served_by', 'stale', 'request_id'],
    },
  },
} as const;

export interface GatewayServerOptions {
  maxBodyBytes: number;
  maxBatch: number;
  maxInflight: number;
  /** Empty = admin API disabled (every call is 401). */
  adminToken: string;
  logger?: boolean;
}

/**
 * HTTP shell around InferenceGateway: the KServe v2 endpoint for logical models, the plain
 * JSON endpoint, health, metrics and the authenticated admin API. Overload is shed with a
 * 503 + Retry-After before queues grow; readiness waits for a warm-up prediction.
 */
export function buildGatewayServer(gateway: InferenceGateway, options: GatewayServerOptions) {
  const app: FastifyInstance = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.maxBodyBytes,
    genReqId: (req) =>
      typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'].slice(0, 128) : randomUUID(),
  });
  const state = { ready: false, draining: false, inflight: 0 };

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (error instanceof RequestError) {
      return reply
        .status(error.status)
        .send({ error: error.message, ...(error.field ? { field: error.field } : {}), request_id: request.id });
    }
    const status = error.statusCode ?? 500;
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.status(413).send({
        error: `the body exceeds ${options.maxBodyBytes} bytes; send fewer rows per request`,
        request_id: request.id,
      });
    }
    if (status >= 400 && status < 500) {
      // Fastify's own decoding errors (invalid JSON, wrong content type): say what to send.
      const hint =
        error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'send Content-Type: application/json' : 'send a JSON body';
      return reply.status(status).send({ error: `${error.message}; ${hint}`, request_id: request.id });
    }
    request.log.error(error);
    return reply.status(500).send({ error: 'internal error', request_id: request.id });
  });

  // While draining, tell clients to drop their keep-alive connection with the last answer,
  // and close connections that went idle, so close() ends as soon as in-flight work does.
  app.addHook('onSend', async (_request, reply) => {
    if (state.draining) reply.header('connection', 'close');
  });
  app.addHook('onResponse', async () => {
    if (state.draining) app.server.closeIdleConnections();
  });

  // Load shedding on the inference routes only: health, metrics and admin always answer.
  const shed = async (request: FastifyRequest, reply: FastifyReply) => {
    if (state.inflight >= options.maxInflight || state.draining) {
      const model = (request.params as { model?: string }).model ?? 'unknown';
      const known = gateway.modelNames().includes(model) ? model : 'unknown';
      gateway.record(known, 'none', 'shed', 503, performance.now());
      return reply
        .status(503)
        .header('retry-after', '1')
        .send({ error: 'overloaded: too many requests in flight; retry after 1 s', request_id: request.id });
    }
    state.inflight++;
    gateway.metrics.inflight.set(state.inflight);
  };
  const release = async () => {
    state.inflight--;
    gateway.metrics.inflight.set(state.inflight);
  };

  app.post<{ Params: { model: string } }>(
    '/v2/models/:model/infer',
    { preHandler: shed, onResponse: release },
    async (request) => {
      const model = request.params.model;
      const rows = decodeKServeRequest(request.body, gateway.schemaOf(model), options.maxBatch);
      const answer = await gateway.inferRows(model, rows.rows, rows.userId);
      return {
        model_name: model,
        id: rows.id ?? request.id,
        parameters: { variant: answer.variant, served_by: answer.servedBy, stale: answer.stale },
        outputs: [
          { name: 'score', datatype: 'FP32', shape: [answer.scores.length, 1], data: answer.scores },
          { name: 'label', datatype: 'INT32', shape: [answer.labels.length, 1], data: answer.labels },
        ],
      };
    },
  );

  app.post<{ Params: { model: string } }>(
    '/v1/models/:model/predict',
    { preHandler: shed, onResponse: release },
    async (request) => {
      const model = request.params.model;
      const body = decodePredictRequest(request.body, gateway.schemaOf(model), gateway.hasFeatureStore);
      return gateway.predict(model, body, request.id);
    },
  );

  // The plain endpoint serves the first (usually only) logical model.
  app.post('/v1/predict', { preHandler: shed, onResponse: release, schema: PREDICT_RESPONSE }, async (request) => {
    const model = gateway.modelNames()[0] as string;
    const body = decodePredictRequest(request.body, gateway.schemaOf(model), gateway.hasFeatureStore);
    return gateway.predict(model, body, request.id);
  });

  app.get<{ Params: { model: string } }>('/v2/models/:model', async (request) => {
    const schema = gateway.schemaOf(request.params.model);
    return {
      name: request.params.model,
      platform: 'steadystate-gateway',
      versions: Object.keys(schema.models),
      inputs: [{ name: schema.input, datatype: 'FP32', shape: [-1, schema.features.length] }],
      outputs: [
        { name: 'score', datatype: 'FP32', shape: [-1, 1] },
        { name: 'label', datatype: 'INT32', shape: [-1, 1] },
      ],
      parameters: {
        features: schema.features.map((f) => f.name),
        weights: gateway.weights.asRecord(request.params.model),
      },
    };
  });
  app.get<{ Params: { model: string } }>('/v2/models/:model/ready', async (request, reply) => {
    gateway.schemaOf(request.params.model);
    return reply.status(state.ready ? 200 : 503).send();
  });
  app.get('/v2/health/live', async () => ({ live: true }));
  app.get('/v2/health/ready', async (_req, reply) => reply.status(state.ready && !state.draining ? 200 : 503).send());
  app.get('/healthz', async () => ({ status: 'live' }));
  app.get('/readyz', async (_req, reply) =>
    reply.status(state.ready && !state.draining ? 200 : 503).send({ ready: state.ready && !state.draining }),
  );
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', gateway.metrics.registry.contentType);
    return gateway.metrics.registry.metrics();
  });

  app.register(async (admin) => {
    admin.addHook('onRequest', async (request, reply) => {
      if (!bearerMatches(request.headers.authorization, options.adminToken)) {
        return reply
          .status(401)
          .header('www-authenticate', 'Bearer')
          .send({ error: 'admin API: missing or wrong bearer token (Authorization: Bearer <token>)' });
      }
    });
    admin.get<{ Params: { model: string } }>('/admin/models/:model/weights', async (request) => ({
      model: request.params.model,
      weights: gateway.weights.asRecord(request.params.model),
    }));
    admin.put<{ Params: { model: string } }>('/admin/models/:model/weights', async (request) => {
      const body = request.body as { weights?: unknown } | null;
      const weights = gateway.weights.set(request.params.model, body?.weights);
      request.log.info({ model: request.params.model, weights }, 'weights changed');
      return { model: request.params.model, weights };
    });
    admin.get('/admin/faults', async () => ({ faults: gateway.faults.list() }));
    admin.put('/admin/faults', async (request) => ({
      faults: gateway.faults.replace(request.body, gateway.faultTargets()),
    }));
    admin.delete('/admin/faults', async () => {
      gateway.faults.clear();
      return { faults: [] };
    });
  });

  return {
    app,
    state,
    /** Retries the warm-up prediction until it succeeds; then /readyz turns 200. */
    async becomeReady(retryMs = 1_000, signal?: AbortSignal): Promise<void> {
      while (!signal?.aborted) {
        try {
          await gateway.warmUp();
          state.ready = true;
          return;
        } catch {
          await new Promise((r) => setTimeout(r, retryMs));
        }
      }
    },
    /** Graceful shutdown: stop being ready, refuse new work, let in-flight requests finish. */
    async drain(): Promise<void> {
      state.draining = true;
      await app.close();
      await gateway.drainShadows();
    },
  };
}
