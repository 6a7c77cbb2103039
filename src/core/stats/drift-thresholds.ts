/**
 * Default drift thresholds and where each comes from. Distances are effect sizes: they do
 * not grow with n, so a threshold on them keeps meaning the same thing at 1,000 rows and
 * at 10,000,000 (the reason we decide on them, not on p-values; evidently#50).
 */
export interface ThresholdDefault {
  threshold: number;
  /** Drift when the statistic is >= threshold ('effect') or the p-value < threshold ('p-value'). */
  kind: 'effect' | 'p-value';
  source: string;
}

export const DRIFT_THRESHOLD_DEFAULTS = {
  psi: {
    threshold: 0.1,
    kind: 'effect',
    source:
      'Evidently psi_stat_test.default_threshold = 0.1; credit-scoring rule of thumb: < 0.1 stable, 0.1-0.25 moderate, > 0.25 major (Siddiqi 2006, Credit Risk Scorecards)',
  },
  jensenshannon: {
    threshold: 0.1,
    kind: 'effect',
    source:
      'Evidently jensenshannon_stat_test.default_threshold = 0.1; Evidently default for categorical columns (and numeric ones with <= 5 values) over 1000 reference rows',
  },
  wasserstein: {
    threshold: 0.1,
    kind: 'effect',
    source:
      'Evidently wasserstein_stat_test.default_threshold = 0.1 (distance in reference standard deviations); Evidently default for numeric columns over 1000 reference rows',
  },
  hellinger: {
    threshold: 0.1,
    kind: 'effect',
    source: 'Evidently hellinger_stat_test.default_threshold = 0.1',
  },
  category_share: {
    threshold: 0.1,
    kind: 'effect',
    source:
      'the playbook: "alert if P(fraud=1) shifts > 10% from baseline", applied to each category\'s share (relative change)',
  },
  ks: {
    threshold: 0.05,
    kind: 'p-value',
    source: 'Evidently ks_stat_test.default_threshold = 0.05 (reported, not used for verdicts)',
  },
  chisquare: {
    threshold: 0.05,
    kind: 'p-value',
    source: 'Evidently chi_stat_test.default_threshold = 0.05 (reported, not used for verdicts)',
  },
} as const satisfies Record<string, ThresholdDefault>;

/** Relative change of P(label) that counts as drift: the playbook's 10%. */
export const DEFAULT_PREDICTION_TOLERANCE = 0.1;

/**
 * Fewest rows in a window before an effect-size verdict. Evidently picks distances over
 * tests once there are more than 1000 rows (`_get_default_stattest` in
 * evidently/legacy/calculations/stattests/registry.py); our calibration test measures
 * the no-drift false alarm rate at this size (test/unit/core/drift/calibration.test.ts).
 * Below it the outcome is "no data", never "no drift".
 */
export const DEFAULT_MIN_SAMPLES = 1000;

/** Error probability of the anytime-valid intervals (rate shift, category shares). */
export const DEFAULT_ALPHA = 0.01;
