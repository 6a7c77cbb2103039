import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { paths } from '../../src/adapters/process/paths.ts';
import { freePort } from '../../src/adapters/process/ports.ts';
import type { TritonInstance } from '../../src/adapters/process/triton-server.ts';
import { TritonClient } from '../../src/adapters/triton/client.ts';
import { startTestTriton, stopTestTriton } from './fixtures/triton.ts';

// biome-ignore lint/suspicious/noExplicitAny: manifests are walked as plain JSON
type Obj = any;

/**
 * The Triton pod's readiness probe, exactly as serving/k8s/triton.yaml ships it (script from
 * the ConfigMap, command line from the Deployment), run against the real local Triton: only
 * the interpreter, the script's path and the URL are swapped for local ones.
 */
const manifests: Obj[] = parseAllDocuments(
  readFileSync(join(paths.root(), 'serving', 'k8s', 'triton.yaml'), 'utf8'),
).map((d) => d.toJS());
const container = manifests.find((o) => o.kind === 'Deployment').spec.template.spec.containers[0];
const shippedCommand: string[] = container.readinessProbe.exec.command;
const script: string = manifests.find((o) => o.kind === 'ConfigMap').data['ready.py'];

interface ProbeResult {
  code: number;
  stderr: string;
  ms: number;
}

function runProbe(scriptPath: string, url: string, overrides: { budget?: string; models?: string[] } = {}) {
  const [, , , budget, ...models] = shippedCommand;
  const args = [scriptPath, url, overrides.budget ?? (budget as string), ...(overrides.models ?? models)];
  const started = performance.now();
  return new Promise<ProbeResult>((resolve) => {
    execFile(paths.venvPython(), args, { timeout: 20_000 }, (error, _stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stderr, ms: performance.now() - started });
    });
  });
}

describe('the Triton readiness probe shipped in serving/k8s', () => {
  let triton: TritonInstance | undefined;
  let client: TritonClient;
  let dir: string;
  let scriptPath: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'steadystate-probe-'));
    scriptPath = join(dir, 'ready.py');
    writeFileSync(scriptPath, script);
    triton = await startTestTriton();
    client = new TritonClient({ url: triton.url, timeoutMs: 10_000 });
  });
  afterAll(async () => {
    await client?.close();
    await stopTestTriton(triton);
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes when every model the spec serves is ready and predicts', async () => {
    expect(shippedCommand.slice(4)).toEqual(['fraud_v1', 'fraud_v2', 'fraud_fallback']);
    const result = await runProbe(scriptPath, triton!.url);
    expect(result).toMatchObject({ code: 0, stderr: '' });
  });

  it('fails, naming the model, when one model is unloaded (a lost GPU); passes again once it is back', async () => {
    await client.unloadModel('fraud_v2');
    try {
      const result = await runProbe(scriptPath, triton!.url);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /not ready: model fraud_v2 is not ready \(\/v2\/models\/fraud_v2\/ready answered 400/,
      );
    } finally {
      await client.loadModel('fraud_v2');
    }
    expect((await runProbe(scriptPath, triton!.url)).code).toBe(0);
  });

  it('fails, naming the model, when a model does not exist', async () => {
    const result = await runProbe(scriptPath, triton!.url, { models: ['fraud_v1', 'fraud_v9'] });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/fraud_v9/);
  });

  it('fails when nothing listens', async () => {
    const result = await runProbe(scriptPath, `http://127.0.0.1:${await freePort()}`);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/not ready: .*(refused|Errno)/i);
  });

  it('fails within its budget when Triton accepts connections but never answers', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    const port = await freePort();
    await new Promise<void>((r) => silent.listen(port, '127.0.0.1', r));
    try {
      const result = await runProbe(scriptPath, `http://127.0.0.1:${port}`, { budget: '1' });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/not ready: .*timed out/i);
      // The kubelet kills a probe at timeoutSeconds; the script must give up before that on its own.
      expect(result.ms).toBeLessThan(1_000 * (Number(container.readinessProbe.timeoutSeconds) - 1) + 1_500);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});
