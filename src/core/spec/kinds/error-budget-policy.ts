import { z } from 'zod';
import { alertWindows, formatDuration } from '../../slo/windows.ts';
import { documentOf } from './common.ts';

/**
 * `kind: ErrorBudgetPolicy`: the written policy `steadystate slo gate` enforces in CI/CD
 * (SRE Workbook, appendix B "Example Error Budget Policy": when the budget is spent,
 * releases stop except for fixes).
 */

const windowNames = alertWindows().map(formatDuration);

export const errorBudgetPolicySpec = z.strictObject({
  /** SLO names the policy covers; default: every SLO. */
  slos: z.array(z.string().min(1)).min(1).optional(),
  /** Block deploys when less than this fraction of the period's budget remains (0.1 = 10%). */
  minBudgetRemaining: z.number().min(0).max(1),
  /** Optionally also block while the burn rate over `window` exceeds `above` (an ongoing incident). */
  maxBurnRate: z
    .strictObject({
      window: z.enum(windowNames as [string, ...string[]], {
        error: `window must be one of the recorded windows: ${windowNames.join(', ')}`,
      }),
      above: z.number().positive(),
    })
    .optional(),
  /** No data is its own outcome; the policy decides whether it blocks. */
  onNoData: z.enum(['block', 'allow']).default('block'),
});

export const errorBudgetPolicyDocument = documentOf('ErrorBudgetPolicy', errorBudgetPolicySpec);
export type ErrorBudgetPolicyDocument = z.infer<typeof errorBudgetPolicyDocument>;
export type ErrorBudgetPolicySpec = ErrorBudgetPolicyDocument['spec'];
