import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { UnsupportedEncodingError } from '../errors.ts';

/** Content-Encodings the gateway decodes; anything else is a 415 naming these. */
export const SUPPORTED_ENCODINGS = ['gzip', 'identity'] as const;

/** fastify's RequestPayload: the request stream, or a stream a hook put in its place. */
type Payload = Readable & { receivedEncodedLength?: number };

/**
 * fastify `preParsing` hook: a gzip body is decoded as it streams in, and fastify's body
 * limit then applies to the DECODED bytes (fastify counts what this stream emits), so a zip
 * bomb stops at maxBodyBytes with a 413 instead of inflating in memory. `receivedEncodedLength`
 * lets fastify still check the Content-Length against the bytes on the wire.
 * A corrupt gzip stream fails with zlib's Z_DATA_ERROR, which server.ts answers as a 400.
 * Callback style, not async: on the common path (no Content-Encoding) it is one header read.
 */
export function decodeContentEncoding(
  request: { headers: IncomingMessage['headers'] },
  _reply: unknown,
  payload: Payload,
  done: (err: Error | null, payload?: Payload) => void,
): void {
  const raw = request.headers['content-encoding'];
  if (raw === undefined) {
    done(null, payload);
    return;
  }
  const encoding = raw.trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') {
    done(null, payload);
    return;
  }
  if (encoding !== 'gzip' && encoding !== 'x-gzip') {
    done(
      new UnsupportedEncodingError(
        `Content-Encoding "${raw}" is not supported; send the body as ${SUPPORTED_ENCODINGS.join(' or ')}`,
        'Content-Encoding',
      ),
    );
    return;
  }
  const gunzip = createGunzip() as ReturnType<typeof createGunzip> & { receivedEncodedLength: number };
  gunzip.receivedEncodedLength = 0;
  payload.on('data', (chunk: Buffer) => {
    gunzip.receivedEncodedLength += chunk.length;
  });
  payload.on('error', (error: Error) => gunzip.destroy(error));
  payload.pipe(gunzip);
  done(null, gunzip);
}
