import type { ErrorBudgetPolicySpec } from '../spec/kinds/error-budget-policy.ts';
import type { ReportRow } from './report.ts';

/**
 * The deploy gate: a written error-budget policy applied to the report (SRE Workbook,
 * appendix B). Each SLO group gets a verdict that names the statistic, the threshold and
 * why; no data is decided by the policy's `onNoData`, and says so.
 */

export type GateDecision = 'allow' | 'block';

export interface GateVerdict {
  policy: string;
  slo: string;
  group: Record<string, string>;
  decision: GateDecision;
  noData: boolean;
  statistic: { budgetRemaining: number | null; burnRate: number | null };
  threshold: { minBudgetRemaining: number; maxBurnRate: { window: string; above: number } | null };
  why: string;
}

export interface GateResult {
  decision: GateDecision;
  verdicts: GateVerdict[];
}

const pct = (x: number) => `${Number((x * 100).toPrecision(4))}%`;

export function evaluateGate(policies: { name: string; spec: ErrorBudgetPolicySpec }[], rows: ReportRow[]): GateResult {
  const verdicts: GateVerdict[] = [];
  for (const { name, spec } of policies) {
    const covered = rows.filter((r) => !spec.slos || spec.slos.includes(r.slo));
    for (const row of covered) {
      const burn = spec.maxBurnRate ? (row.burnRate[spec.maxBurnRate.window] ?? null) : null;
      const base = {
        policy: name,
        slo: row.slo,
        group: row.group,
        statistic: { budgetRemaining: row.budgetRemaining, burnRate: burn },
        threshold: { minBudgetRemaining: spec.minBudgetRemaining, maxBurnRate: spec.maxBurnRate ?? null },
      };
      if (row.budgetRemaining === null) {
        verdicts.push({
          ...base,
          decision: spec.onNoData,
          noData: true,
          why: `no data for ${row.slo}; the policy says onNoData: ${spec.onNoData}`,
        });
        continue;
      }
      if (row.budgetRemaining < spec.minBudgetRemaining) {
        verdicts.push({
          ...base,
          decision: 'block',
          noData: false,
          why: `${pct(row.budgetRemaining)} of the ${row.period} budget left, below the policy's ${pct(spec.minBudgetRemaining)}: only fixes ship until it recovers`,
        });
        continue;
      }
      if (spec.maxBurnRate && burn !== null && burn > spec.maxBurnRate.above) {
        verdicts.push({
          ...base,
          decision: 'block',
          noData: false,
          why: `burning ${Number(burn.toPrecision(3))}x over ${spec.maxBurnRate.window}, above the policy's ${spec.maxBurnRate.above}x: an incident is under way`,
        });
        continue;
      }
      verdicts.push({
        ...base,
        decision: 'allow',
        noData: false,
        why: `${pct(row.budgetRemaining)} of the budget left (policy: at least ${pct(spec.minBudgetRemaining)})${spec.maxBurnRate ? `, burn ${burn === null ? 'unknown' : `${Number(burn.toPrecision(3))}x`} over ${spec.maxBurnRate.window} (policy: at most ${spec.maxBurnRate.above}x)` : ''}`,
      });
    }
  }
  return { decision: verdicts.some((v) => v.decision === 'block') ? 'block' : 'allow', verdicts };
}
