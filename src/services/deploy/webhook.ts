import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { deployFromWebhook } from '../../core/deploy/webhook-event.ts';

/**
 * The registry webhook receiver: MLflow POSTs alias moves here, signed with the webhook's
 * secret (`X-MLflow-Signature: v1,<base64 HMAC-SHA256 of "<delivery id>.<timestamp>.<body>">`).
 * A delivery with a wrong or missing signature, or older than `maxAgeSeconds` (a replay),
 * is refused with 401 before its body is read as JSON; a valid move of the trigger alias
 * starts `startDeploy(version)` and is answered 202 at once (MLflow's delivery times out
 * long before a deploy ends); deploys run one at a time.
 */

export interface WebhookReceiverOptions {
  secret: string;
  registeredModel: string;
  /** The alias whose move ships a version (default challenger). */
  triggerAlias?: string;
  port?: number;
  maxAgeSeconds?: number;
  startDeploy: (version: string) => Promise<unknown>;
  log?: (line: string) => void;
  nowSeconds?: () => number;
}

export interface WebhookReceiver {
  url: string;
  /** The deploy started by the last accepted delivery (tests wait on it). */
  lastDeploy(): Promise<unknown> | undefined;
  close(): Promise<void>;
}

export function mlflowSignature(secret: string, deliveryId: string, timestamp: string, body: string): string {
  return `v1,${createHmac('sha256', secret).update(`${deliveryId}.${timestamp}.${body}`).digest('base64')}`;
}

export function verifySignature(
  secret: string,
  headers: { signature?: string; deliveryId?: string; timestamp?: string },
  body: string,
  nowSeconds: number,
  maxAgeSeconds: number,
): string | undefined {
  const { signature, deliveryId, timestamp } = headers;
  if (!signature || !deliveryId || !timestamp)
    return 'missing X-MLflow-Signature, X-MLflow-Delivery-Id or X-MLflow-Timestamp';
  const age = nowSeconds - Number(timestamp);
  if (!Number.isFinite(age) || age < -60 || age > maxAgeSeconds)
    return `timestamp ${timestamp} is ${age} s old (max ${maxAgeSeconds})`;
  const expected = Buffer.from(mlflowSignature(secret, deliveryId, timestamp, body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return 'signature does not match the secret';
  return undefined;
}

export async function startWebhookReceiver(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
  const log = options.log ?? (() => undefined);
  const alias = options.triggerAlias ?? 'challenger';
  let queue: Promise<unknown> = Promise.resolve();
  let last: Promise<unknown> | undefined;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, body: object) => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      if (req.method !== 'POST') return reply(405, { error: 'POST only' });
      const body = Buffer.concat(chunks).toString('utf8');
      const header = (name: string) => req.headers[name] as string | undefined;
      const refused = verifySignature(
        options.secret,
        {
          signature: header('x-mlflow-signature'),
          deliveryId: header('x-mlflow-delivery-id'),
          timestamp: header('x-mlflow-timestamp'),
        },
        body,
        options.nowSeconds?.() ?? Date.now() / 1000,
        options.maxAgeSeconds ?? 300,
      );
      if (refused) {
        log(`webhook refused: ${refused}`);
        return reply(401, { error: `webhook refused: ${refused}` });
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        return reply(400, { error: 'body is not JSON' });
      }
      const decision = deployFromWebhook(parsed, options.registeredModel, alias);
      log(`webhook: ${decision.reason}`);
      if (!decision.deploy) return reply(200, { accepted: false, reason: decision.reason });
      const version = decision.deploy.version;
      queue = queue
        .then(() => options.startDeploy(version))
        .catch((error: Error) => log(`webhook deploy failed: ${error.message}`));
      last = queue;
      return reply(202, { accepted: true, reason: decision.reason });
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/mlflow/webhook`,
    lastDeploy: () => last,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
