import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { type GatewayProcess, spawnGatewayProcess } from '../src/adapters/process/gateway-process.ts';
import { paths } from '../src/adapters/process/paths.ts';

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function round(value: number, digits = 3): number {
  return Number(value.toFixed(digits));
}

/** The Stack spec as plain YAML data: benches edit it freely, the CLI validates it on load. */
// biome-ignore lint/suspicious/noExplicitAny: untyped YAML data, validated by the gateway when it starts
type LooseSpec = Record<string, any>;

/** Writes a copy of steadystate.yaml with edits applied to the Stack document's spec. */
export function specVariant(edit: (stackSpec: LooseSpec) => void): string {
  const docs = readFileSync(join(paths.root(), 'steadystate.yaml'), 'utf8')
    .split(/^---$/m)
    .map((text) => parseDocument(text));
  for (const doc of docs) {
    const js = doc.toJS() as { kind?: string; spec?: LooseSpec } | null;
    if (js?.kind === 'Stack' && js.spec) {
      edit(js.spec);
      doc.set('spec', js.spec);
    }
  }
  const file = join(mkdtempSync(join(tmpdir(), 'steadystate-bench-')), 'steadystate.yaml');
  writeFileSync(file, docs.map((d) => d.toString()).join('---\n'));
  return file;
}

/**
 * Spec edit for benches that compare against Triton direct: every cache miss reaches Triton
 * (cache off), one variant (v1 at 100%) and a deadline long enough that a slow answer is
 * still the model's, not a fallback's.
 */
export function everyRowToTritonV1(stackSpec: LooseSpec): void {
  stackSpec.cache = { ...stackSpec.cache, backend: 'none' };
  stackSpec.models[0].variants = [
    { name: 'v1', tritonModel: 'fraud_v1', weight: 100 },
    { name: 'v2', tritonModel: 'fraud_v2', weight: 0 },
  ];
  stackSpec.models[0].deadline = '2s';
}

/**
 * Runs `steadystate gateway` in its own process (so the load generator does not share its
 * event loop), through the project's supervisor: stop() is SIGTERM, then SIGKILL after a grace.
 */
export function spawnGateway(
  specFile: string,
  port: number,
  tritonUrl: string,
  nodeFlags: string[] = [],
): Promise<GatewayProcess> {
  return spawnGatewayProcess({ specFile, port, tritonUrl, adminToken: 'bench', nodeFlags });
}

/** One fraud-like transaction (the integration tests' FRAUDY_FEATURES), named and as the encoded model row. */
export const SAMPLE_FEATURES = {
  amount: 120.5,
  hour: 3,
  account_age_days: 10,
  txn_count_24h: 9,
  distance_from_home_km: 300,
  avg_amount_30d: 40,
  card_present: 0,
  foreign_transaction: 1,
  failed_logins_24h: 2,
  device_age_days: 1,
  customer_age: 30,
  merchant_category: 'electronics',
  channel: 'online',
};
export const SAMPLE_ROW = [120.5, 3, 10, 9, 300, 40, 0, 1, 2, 1, 30, 5, 1];
