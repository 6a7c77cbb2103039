import { createServer } from 'node:net';

/** Resolves true when nothing listens on host:port (we could bind it). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once('error', () => resolvePromise(false));
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => resolvePromise(true));
    });
  });
}

/**
 * Ports this process handed out lately. The kernel may give the same ephemeral port to two
 * back-to-back asks once the first probe socket is closed: Triton was once started with its
 * HTTP and gRPC ports equal ("cannot listen to HTTP requests and GRPC requests at the same
 * address and port") because its three ports are asked for one after the other.
 */
const handedOut = new Map<number, number>();
const REMEMBER_MS = 60_000;

/** Asks the kernel for a free ephemeral port (for tests), never one this process got in the last minute. */
export async function freePort(): Promise<number> {
  const now = Date.now();
  for (const [port, at] of handedOut) if (now - at > REMEMBER_MS) handedOut.delete(port);
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await kernelPort();
    if (!handedOut.has(port)) {
      handedOut.set(port, now);
      return port;
    }
  }
  throw new Error('no free port that was not handed out in the last minute, after 50 asks');
}

function kernelPort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePromise(port));
    });
  });
}
