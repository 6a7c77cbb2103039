import { PrometheusClient } from '../../adapters/prometheus/client.ts';
import { reportSlo } from '../../adapters/prometheus/slo-readings.ts';
import { evaluateGate } from '../../core/slo/gate.ts';
import type { ReportRow } from '../../core/slo/report.ts';
import { errorBudgetPoliciesOf, slosOf } from '../../core/slo/resolve.ts';
import type { Spec } from '../../core/spec/parse.ts';

/**
 * `slo gate` as a deploy precondition: every ErrorBudgetPolicy of the spec over its SLOs'
 * reports. Prometheus not answering blocks (a deploy never starts on missing evidence).
 */
export async function sloGate(spec: Spec, prometheusUrl: string): Promise<{ allow: boolean; reason: string }> {
  const policies = errorBudgetPoliciesOf(spec);
  if (policies.length === 0) return { allow: true, reason: 'no ErrorBudgetPolicy in the spec' };
  const slos = slosOf(spec).filter((s) => policies.some((p) => !p.spec.slos || p.spec.slos.includes(s.name)));
  const client = new PrometheusClient({ url: prometheusUrl });
  const rows: ReportRow[] = [];
  try {
    for (const s of slos) rows.push(...(await reportSlo(client, s, 'rules')));
  } catch (error) {
    return { allow: false, reason: `cannot ask Prometheus at ${prometheusUrl}: ${(error as Error).message}` };
  }
  const result = evaluateGate(policies, rows);
  const blocking = result.verdicts.filter((v) => v.decision === 'block');
  return result.decision === 'allow'
    ? { allow: true, reason: 'error budget policy allows deploys' }
    : { allow: false, reason: blocking.map((v) => `${v.slo}: ${v.why}`).join('; ') };
}
