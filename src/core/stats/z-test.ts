import { type ArmStatistics, armMean, armVariance } from './arm-statistics.ts';
import { normalSurvival } from './normal.ts';

/**
 * The fixed-horizon two-sided z-test for a difference of means or proportions (unpooled
 * variance). Valid once, at a sample size fixed in advance; looked at repeatedly it is
 * the "peeking" that inflates false positives (Johari et al. 2017, Figure 1: ~20% at 10
 * looks at α = 0.05). Here as the baseline the simulations and the benchmark compare against.
 */
export function zTestPValue(control: ArmStatistics, treatment: ArmStatistics): number {
  if (control.n === 0 || treatment.n === 0) return 1;
  const variance = armVariance(treatment) / treatment.n + armVariance(control) / control.n;
  if (!(variance > 0)) return 1;
  const z = (armMean(treatment) - armMean(control)) / Math.sqrt(variance);
  return 2 * normalSurvival(Math.abs(z));
}
