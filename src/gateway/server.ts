import { randomUUID } from 'node:crypto';
import { createServer, type RequestListener } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type HookHandlerDoneFunction,
} from 'fastify';
import { bearerMatches } from './admin/auth.ts';
import {
  BatchTooLargeError,
  GatewayError,
  InvalidRequestError,
  ModelUnavailableError,
  NotFoundError,
  OverloadedError,
  UnsupportedEncodingError,
} from './errors.ts';
import { decodeContentEncoding } from './http/content-encoding.ts';
import { DEGRADED_HEADER } from './http/degraded.ts';
import { type Admission, shedEarly } from './http/early-shed.ts';
import { parseJsonBody } from './http/json-body.ts';
import type { InferenceGateway, PredictResponse } from './inference-gateway.ts';
import { registerKServeRoutes } from './kserve/routes.ts';
import { type GatewayLog, SILENT_LOG } from './log.ts';
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
        degraded: { type: 'boolean' },
        degraded_reason: { type: 'string' },
        defaulted_features: { type: 'array', items: { type: 'string' } },
      },
      required: ['score', 'label', 'model', 'variant', 'served_by', 'stale', 'request_id', 'degraded'],
    },
  },
} as const;

export interface GatewayServerOptions {
  maxBodyBytes: number;
  maxBatch: number;
  maxInflight: number;
  /** Empty = admin API disabled (every call is 401). */
  adminToken: string;
  /** Structured log for 5xx answers (the gateway core logs fallbacks and breakers itself). */
  log?: GatewayLog;
  /** The gateway's release, for KServe server metadata (`GET /v2`). */
  version?: string;
  /** The door (DoorAdmission): a shed inference request is refused before the framework sees it. */
  admission?: Admission;
  /** Connection hygiene (slowloris, stalled bodies, idle keep-alives); defaults 5 s / 10 s / 5 s. */
  timeouts?: Partial<ConnectionTimeouts>;
}

export interface ConnectionTimeouts {
  /** Request line + headers must arrive within this (node's headersTimeout). */
  headersMs: number;
  /** The whole request, body included (node's requestTimeout): 408 and close after it. */
  requestMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveMs: number;
}

const DEFAULT_TIMEOUTS: ConnectionTimeouts = { headersMs: 5_000, requestMs: 10_000, keepAliveMs: 5_000 };

function flagDegraded(reply: FastifyReply, response: PredictResponse): PredictResponse {
  if (response.degraded) reply.header(DEGRADED_HEADER, response.served_by);
  return response;
}

/** The one place a domain error becomes an HTTP status. */
function httpStatusOf(error: GatewayError): number {
  if (error instanceof BatchTooLargeError) return 413;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ModelUnavailableError || error instanceof OverloadedError) return 503;
  if (error instanceof InvalidRequestError) return 400;
  if (error instanceof UnsupportedEncodingError) return 415;
  return 500;
}

/**
 * HTTP shell around InferenceGateway: the KServe v2 endpoint for logical models, the plain
 * JSON endpoint, health, metrics and the authenticated admin API. Overload is shed with a
 * 503 + Retry-After before queues grow; readiness waits for a warm-up prediction.
 */
export function buildGatewayServer(gateway: InferenceGateway, options: GatewayServerOptions) {
  const log = options.log ?? SILENT_LOG;
  // Fastify's own per-request logger stays off: it would build a child logger on every
  // request, the cache-hit path included. The few lines worth writing go through `log`.
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const admission = options.admission;
  const httpOptions = {
    headersTimeout: timeouts.headersMs,
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(timeouts.headersMs / 4))),
  };
  const app: FastifyInstance = Fastify({
    logger: false,
    bodyLimit: options.maxBodyBytes,
    // Node enforces headersTimeout/requestTimeout only when it sweeps connections
    // (connectionsCheckingInterval, 30 s by default): sweep often enough that a stalled
    // request is closed close to its timeout, not up to 30 s later.
    http: httpOptions,
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    genReqId: (req) =>
      typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'].slice(0, 128) : randomUUID(),
    ...(admission
      ? {
          // The same server Fastify would build (fastify/lib/server.js), with the early shed in front.
          serverFactory: (handler: RequestListener) => {
            // The models are fixed for the gateway's life: read once, not per refused request.
            const served = new Set(gateway.modelNames());
            const defaultModel = gateway.modelNames()[0] ?? 'unknown';
            const server = createServer(
              httpOptions,
              shedEarly(handler, admission, (_req, named) => {
                const model = named ?? defaultModel;
                gateway.record(served.has(model) ? model : 'unknown', 'none', 'shed', 503, performance.now());
              }),
            );
            server.keepAliveTimeout = timeouts.keepAliveMs;
            server.requestTimeout = timeouts.requestMs;
            return server;
          },
        }
      : {}),
  });
  const state = { ready: false, draining: false, inflight: 0 };

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (error instanceof GatewayError) {
      const status = httpStatusOf(error);
      if (status >= 500) {
        log.error(
          { request_id: request.id, url: request.url, status, err: { type: error.name, message: error.message } },
          `answered ${status}: ${error.message}`,
        );
      }
      if (status === 503) reply.header('retry-after', '1');
      return reply
        .status(status)
        .send({ error: error.message, ...(error.field ? { field: error.field } : {}), request_id: request.id });
    }
    const status = error.statusCode ?? 500;
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const decoded = request.headers['content-encoding'] ? ' once decoded' : '';
      return reply.status(413).send({
        error: `the body exceeds ${options.maxBodyBytes} bytes${decoded}; send fewer rows per request`,
        request_id: request.id,
      });
    }
    if (typeof error.code === 'string' && error.code.startsWith('Z_')) {
      return reply.status(400).send({
        error: `the body says Content-Encoding: gzip but is not valid gzip (${error.message}); compress it with gzip or drop the header`,
        field: 'Content-Encoding',
        request_id: request.id,
      });
    }
    if (status >= 400 && status < 500) {
      // Fastify's own decoding errors (invalid JSON, wrong content type): say what to send.
      const hint =
        error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'send Content-Type: application/json' : 'send a JSON body';
      return reply.status(status).send({ error: `${error.message}; ${hint}`, request_id: request.id });
    }
    log.error(
      {
        request_id: request.id,
        url: request.url,
        status: 500,
        err: { type: error.name, message: error.message, stack: error.stack },
      },
      `answered 500: ${error.message}`,
    );
    return reply.status(500).send({ error: 'internal error', request_id: request.id });
  });

  // Our JSON parser: the same parse, but a prototype-poisoning key is named as such.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error);
    }
  });

  // gzip bodies are decoded before any parser (JSON or KServe binary) sees them.
  app.addHook('preParsing', decodeContentEncoding);

  // While draining, tell clients to drop their keep-alive connection with the last answer,
  // and close connections that went idle, so close() ends as soon as in-flight work does.
  // Callback style, not async, here and in shed/release: these run on every request, and an
  // async hook costs fastify a promise and a microtask turn each (bench request-steps).
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (state.draining) reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onResponse', (_request, _reply, done) => {
    if (state.draining) app.server.closeIdleConnections();
    done();
  });

  // Load shedding on the inference routes only: health, metrics and admin always answer.
  // It runs onRequest, before the body is read and parsed: a shed request costs no JSON work.
  // `counted` marks the requests that entered: a shed request, or one refused before its
  // preHandler (an undecodable body), must not be released, or the in-flight count drifts low.
  const counted = new WeakSet<FastifyRequest>();
  const refuse = (request: FastifyRequest, reply: FastifyReply, why: string) => {
    const model = (request.params as { model?: string }).model ?? 'unknown';
    const known = gateway.modelNames().includes(model) ? model : 'unknown';
    gateway.record(known, 'none', 'shed', 503, performance.now());
    return reply.status(503).header('retry-after', '1').send({ error: why, request_id: request.id });
  };
  const shed = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    if (state.inflight >= options.maxInflight || state.draining) {
      // Answered here: fastify stops the request at the reply (done is not called).
      refuse(request, reply, 'overloaded: too many requests in flight; retry after 1 s');
      return;
    }
    counted.add(request);
    state.inflight++;
    gateway.metrics.inflight.set(state.inflight);
    done();
  };
  const release = (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
    if (counted.delete(request)) {
      state.inflight--;
      gateway.metrics.inflight.set(state.inflight);
    }
    done();
  };

  registerKServeRoutes(app, gateway, {
    maxBatch: options.maxBatch,
    version: options.version ?? '0.0.0',
    isReady: () => state.ready,
    shed,
    release,
  });

  app.post<{ Params: { model: string } }>(
    '/v1/models/:model/predict',
    { onRequest: shed, onResponse: release },
    async (request, reply) => {
      const model = request.params.model;
      const body = decodePredictRequest(request.body, gateway.schemaOf(model), gateway.hasFeatureStore);
      return flagDegraded(reply, await gateway.predict(model, body, request.id));
    },
  );

  // The plain endpoint serves the first (usually only) logical model.
  app.post(
    '/v1/predict',
    { onRequest: shed, onResponse: release, schema: PREDICT_RESPONSE },
    async (request, reply) => {
      const model = gateway.modelNames()[0] as string;
      const body = decodePredictRequest(request.body, gateway.schemaOf(model), gateway.hasFeatureStore);
      return flagDegraded(reply, await gateway.predict(model, body, request.id));
    },
  );

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
      log.info({ request_id: request.id, model: request.params.model, weights }, 'traffic weights changed');
      return { model: request.params.model, weights };
    });
    admin.get<{ Params: { model: string } }>('/admin/models/:model/routes', async (request) => ({
      model: request.params.model,
      ...gateway.routes(request.params.model),
    }));
    admin.put<{ Params: { model: string } }>('/admin/models/:model/routes', async (request) => {
      const routes = gateway.setRoutes(request.params.model, request.body);
      log.info({ request_id: request.id, model: request.params.model, routes }, 'model routes changed');
      return { model: request.params.model, ...routes };
    });
    admin.get('/admin/faults', async () => ({ faults: gateway.faults.list() }));
    admin.put('/admin/faults', async (request) => {
      const faults = gateway.faults.replace(request.body, gateway.faultTargets());
      log.warn({ request_id: request.id, faults }, `fault injection set: ${faults.length} fault(s) active`);
      return { faults };
    });
    admin.delete('/admin/faults', async (request) => {
      gateway.faults.clear();
      log.info({ request_id: request.id }, 'fault injection cleared');
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
          await sleep(retryMs);
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
