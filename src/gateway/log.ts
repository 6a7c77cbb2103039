import { type DestinationStream, pino } from 'pino';

/**
 * The gateway's structured log (a port: pino in production, a silent or recording one in
 * tests). It speaks only when something is wrong or changes state: 5xx answers, answers
 * from a fallback tier, breaker transitions. A healthy request writes nothing.
 */
export interface GatewayLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export const SILENT_LOG: GatewayLog = {
  info() {},
  warn() {},
  error() {},
};

/** JSON lines (pino) to stdout, or to `destination`; `request_id` ties a line to its answer. */
export function createGatewayLog(destination?: DestinationStream): GatewayLog {
  const options = { name: 'steadystate-gateway', level: 'info' };
  return destination ? pino(options, destination) : pino(options);
}
