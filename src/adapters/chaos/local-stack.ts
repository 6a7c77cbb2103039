import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TritonInstance } from '../process/triton-server.ts';

/**
 * Where the processes of the embedded stack are, for local chaos: written as JSON by
 * whoever started them (the game day, the tests, by hand) and updated by the runner when it
 * restarts one, so the owner can stop what now runs. The admin token never goes in the file.
 */
export interface ProcessRef {
  pid: number;
  /** Command line and working directory, to start it again after a stop (captured from /proc). */
  argv?: string[];
  cwd?: string;
}

export interface RedisRef extends ProcessRef {
  port: number;
  url: string;
  dir?: string;
}

export interface LocalStack {
  gatewayUrl: string;
  triton?: TritonInstance;
  redis?: { cache?: RedisRef; featureStore?: RedisRef };
  prometheus?: ProcessRef & { url: string };
}

export const DEFAULT_STACK_STATE = '.steadystate/stack.json';

export function readLocalStack(file: string): LocalStack {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(
      `cannot read the local stack state ${file} (${(error as Error).message}); start the stack with \`steadystate gameday --keep\` or pass --gateway-url`,
    );
  }
  const parsed = JSON.parse(raw) as Partial<LocalStack>;
  if (typeof parsed.gatewayUrl !== 'string')
    throw new Error(`${file}: gatewayUrl is missing; expected e.g. "http://127.0.0.1:8080"`);
  return parsed as LocalStack;
}

/** Atomic replace: a reader never sees half a file. */
export function writeLocalStack(file: string, stack: LocalStack): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(stack, null, 2)}\n`);
  renameSync(tmp, file);
}
