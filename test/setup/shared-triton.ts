import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort } from '../../src/adapters/process/ports.ts';
import { startTriton, stopTriton, type TritonInstance } from '../../src/adapters/process/triton-server.ts';

/**
 * Global setup of the `integration-triton` test project (vitest.config.ts): one real
 * tritonserver with every model, shared by the files of that project, instead of one per file.
 * A Triton start (python backend stubs, onnxruntime sessions, a test prediction per model)
 * is the slowest part of most integration files.
 *
 * The start runs in the background: vitest runs this before any test file, and the unit and
 * peer projects run first, so Triton comes up while they run instead of before them. Test
 * files wait for it through `sharedTriton()` (test/integration/fixtures/shared-triton.ts),
 * which reads the status file this setup writes. Files that kill Triton, unload a model or
 * need other flags must start their own (startTestTriton) and stay in the `integration` project.
 */

/** What `inject('sharedTriton')` gives a test file. */
export interface SharedTritonHandle {
  /** JSON of SharedTritonStatus, rewritten when the start settles. */
  statusFile: string;
  readyTimeoutMs: number;
}

export type SharedTritonStatus =
  | { state: 'starting' }
  | { state: 'ready'; instance: TritonInstance }
  | { state: 'failed'; error: string };

declare module 'vitest' {
  interface ProvidedContext {
    sharedTriton: SharedTritonHandle;
  }
}

const READY_TIMEOUT_MS = 150_000;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), 'steadystate-shared-triton-'));
  const statusFile = join(dir, 'status.json');
  const write = (status: SharedTritonStatus) => writeFileSync(statusFile, `${JSON.stringify(status)}\n`);
  write({ state: 'starting' });
  const ports = { http: await freePort(), grpc: await freePort(), metrics: await freePort() };
  const started = startTriton({ ports, readyTimeoutMs: READY_TIMEOUT_MS }).then(
    (instance) => {
      write({ state: 'ready', instance });
      return instance;
    },
    (error: unknown) => {
      write({ state: 'failed', error: error instanceof Error ? error.message : String(error) });
      return undefined;
    },
  );
  project.provide('sharedTriton', { statusFile, readyTimeoutMs: READY_TIMEOUT_MS + 30_000 });
  return async () => {
    const instance = await started;
    if (instance) await stopTriton(instance);
    rmSync(dir, { recursive: true, force: true });
  };
}
