import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onRequestHookHandler,
  onResponseHookHandler,
} from 'fastify';
import { DEGRADED_HEADER } from '../http/degraded.ts';
import type { InferenceGateway } from '../inference-gateway.ts';
import { decodeKServeRequest, type RequestedOutput } from '../validation/kserve-request.ts';
import {
  encodeBinaryResponse,
  HEADER_LENGTH,
  type InferBody,
  type OutputTensor,
  splitInferBody,
} from './binary-tensors.ts';

export interface KServeRouteOptions {
  maxBatch: number;
  /** The gateway's release, answered by `GET /v2` (server metadata). */
  version: string;
  isReady: () => boolean;
  /** Load shedding (server.ts): counts the request in flight or answers 503. */
  shed: onRequestHookHandler;
  release: onResponseHookHandler;
}

type ModelParams = { model: string; version?: string };

/**
 * The KServe v2 protocol for the logical models, as Triton speaks it, so Triton's own clients
 * work against the gateway: server metadata, model metadata and readiness (with or without a
 * version), and infer with JSON or binary tensors. A plugin of its own, because infer accepts
 * any Content-Type (tritonclient sends none) and raw bytes after the JSON header.
 */
export function registerKServeRoutes(app: FastifyInstance, gateway: InferenceGateway, options: KServeRouteOptions) {
  app.get('/v2', async () => ({
    name: 'steadystate-gateway',
    version: options.version,
    extensions: ['binary_tensor_data'],
  }));

  const metadata = async (request: FastifyRequest<{ Params: ModelParams }>) => {
    const { model, version } = request.params;
    const schema = gateway.schemaOf(model);
    if (version !== undefined) gateway.checkVersion(model, version);
    return {
      name: model,
      versions: gateway.versionsOf(model),
      platform: 'steadystate-gateway',
      inputs: [{ name: schema.input, datatype: 'FP32', shape: [-1, schema.features.length] }],
      outputs: [
        { name: 'score', datatype: 'FP32', shape: [-1, 1] },
        { name: 'label', datatype: 'INT32', shape: [-1, 1] },
      ],
      parameters: {
        features: schema.features.map((f) => f.name),
        weights: gateway.weights.asRecord(model),
      },
    };
  };
  app.get('/v2/models/:model', metadata);
  app.get('/v2/models/:model/versions/:version', metadata);

  const ready = async (request: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    const { model, version } = request.params;
    gateway.schemaOf(model);
    if (version !== undefined) gateway.checkVersion(model, version);
    return reply.status(options.isReady() ? 200 : 503).send();
  };
  app.get('/v2/models/:model/ready', ready);
  app.get('/v2/models/:model/versions/:version/ready', ready);

  app.register(async (infer) => {
    // Every body is read as bytes and split here, whatever its Content-Type: Triton does the same.
    infer.removeAllContentTypeParsers();
    infer.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
      // Content-Encoding was handled by server.ts's preParsing hook (gzip decoded, others 415).
      try {
        done(null, splitInferBody(body as Buffer, request.headers[HEADER_LENGTH]));
      } catch (error) {
        done(error as Error);
      }
    });
    const handler = async (request: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
      const { model, version } = request.params;
      const body = (request.body ?? { header: undefined, binary: undefined }) as InferBody;
      const decoded = decodeKServeRequest(body.header, body.binary, gateway.schemaOf(model), options.maxBatch);
      const answer = await gateway.inferRows(model, decoded.rows, {
        userId: decoded.userId,
        version,
        requestId: request.id,
      });
      const envelope = {
        model_name: model,
        model_version: answer.variant,
        id: decoded.id ?? request.id,
        parameters: {
          variant: answer.variant,
          served_by: answer.servedBy,
          stale: answer.stale,
          degraded: answer.degradedBecause !== undefined,
        },
      };
      if (answer.degradedBecause !== undefined) reply.header(DEGRADED_HEADER, answer.servedBy);
      const encoded = encodeBinaryResponse(envelope, outputTensors(decoded.outputs, answer));
      if ('json' in encoded) return encoded.json;
      return reply
        .header('Inference-Header-Content-Length', String(encoded.headerLength))
        .type('application/octet-stream')
        .send(encoded.body);
    };
    const hooks = { onRequest: options.shed, onResponse: options.release };
    infer.post<{ Params: ModelParams }>('/v2/models/:model/infer', hooks, handler);
    infer.post<{ Params: ModelParams }>('/v2/models/:model/versions/:version/infer', hooks, handler);
  });
}

function outputTensors(
  requested: readonly RequestedOutput[],
  answer: { scores: number[]; labels: number[] },
): { tensor: OutputTensor; binary: boolean }[] {
  return requested.map(({ name, binary }) => ({
    binary,
    tensor:
      name === 'score'
        ? { name, datatype: 'FP32', values: answer.scores }
        : { name, datatype: 'INT32', values: answer.labels },
  }));
}
