import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { paths } from '../../../../src/adapters/process/paths.ts';
import { averagePrecision, type LabelledPrediction, precision, recall } from '../../../../src/core/labels/quality.ts';
import { mulberry32 } from '../../../../src/core/random/mulberry32.ts';

/**
 * Our precision, recall and PR AUC against scikit-learn's precision_score, recall_score and
 * average_precision_score (the Triton venv, the same sklearn that trained the models and
 * wrote their holdout PR AUC) on identical data, edges included. sklearn's zero_division=nan
 * is our null; on no positives average_precision_score warns and returns 0 (recall is
 * undefined), where we say "no data" (null): asserted so a change on either side shows.
 */
interface Sk {
  precision: number | null;
  recall: number | null;
  ap: number | null;
  apWarned: boolean;
  error: string | null;
}

function sklearn(rows: LabelledPrediction[]): Sk {
  const python = paths.venvPython();
  if (!existsSync(python))
    throw new Error(`${python} is missing; create it with scripts/setup.sh (Triton venv with sklearn)`);
  const program = `
import json, sys, math, warnings
import numpy as np
from sklearn.metrics import precision_score, recall_score, average_precision_score
rows = json.load(sys.stdin)
y = np.array([r["actual"] for r in rows], dtype=int)
p = np.array([r["predicted"] for r in rows], dtype=int)
s = np.array([r["score"] for r in rows], dtype=float)
out = {"precision": None, "recall": None, "ap": None, "apWarned": False, "error": None}
nz = lambda v: None if v is None or math.isnan(v) else float(v)
try:
    out["precision"] = nz(precision_score(y, p, zero_division=np.nan))
    out["recall"] = nz(recall_score(y, p, zero_division=np.nan))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out["ap"] = nz(average_precision_score(y, s))
        out["apWarned"] = len(w) > 0
except ValueError as e:
    out["error"] = str(e)
print(json.dumps(out))
`;
  return JSON.parse(
    execFileSync(python, ['-c', program], { input: JSON.stringify(rows), encoding: 'utf8', timeout: 60_000 }),
  ) as Sk;
}

/** Fraud-like data: ~rate positives, scores informative but noisy, ties from rounding. */
function synthetic(n: number, rate: number, seed: number, digits = 3): LabelledPrediction[] {
  const random = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const actual = random() < rate ? 1 : 0;
    const score = Number(Math.min(1, Math.max(0, random() * 0.6 + (actual ? 0.3 : 0))).toFixed(digits));
    return { score, predicted: score >= 0.5 ? 1 : 0, actual };
  });
}

describe('label quality against scikit-learn', () => {
  const cases: [string, LabelledPrediction[]][] = [
    ['fraud-like, 5000 rows, 2% positives', synthetic(5000, 0.02, 17)],
    ['heavy ties (one decimal)', synthetic(800, 0.1, 3, 1)],
    [
      'all scores equal',
      Array.from({ length: 20 }, (_, i) => ({
        score: 0.4,
        predicted: 0 as const,
        actual: (i % 4 === 0 ? 1 : 0) as 0 | 1,
      })),
    ],
    ['one label, positive', [{ score: 0.7, predicted: 1, actual: 1 }]],
    ['one label, negative', [{ score: 0.7, predicted: 1, actual: 0 }]],
    ['no positives', synthetic(300, 0, 5)],
    [
      'nothing flagged',
      [
        { score: 0.1, predicted: 0, actual: 1 },
        { score: 0.2, predicted: 0, actual: 0 },
      ],
    ],
  ];

  it.each(cases)('%s', (_name, rows) => {
    const sk = sklearn(rows);
    expect(sk.error).toBeNull();
    const ours = { precision: precision(rows), recall: recall(rows), ap: averagePrecision(rows) };
    for (const key of ['precision', 'recall'] as const) {
      if (sk[key] === null) expect(ours[key]).toBeNull();
      else expect(ours[key]).toBeCloseTo(sk[key] as number, 12);
    }
    if (rows.some((r) => r.actual === 1)) {
      expect(ours.ap).toBeCloseTo(sk.ap as number, 12);
    } else {
      // sklearn: warns "No positive class found in y_true" and returns 0; we: no data.
      expect(sk.apWarned).toBe(true);
      expect(sk.ap).toBe(0);
      expect(ours.ap).toBeNull();
    }
  });

  it('empty: sklearn refuses (ValueError); every statistic is no data here', () => {
    const sk = sklearn([]);
    expect(sk.error).toMatch(/empty input/);
    expect(precision([])).toBeNull();
    expect(recall([])).toBeNull();
    expect(averagePrecision([])).toBeNull();
  });
});
