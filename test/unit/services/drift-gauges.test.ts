import { describe, expect, it } from 'vitest';
import { detectDrift } from '../../../src/core/drift/detect.ts';
import { seededRandom } from '../../../src/core/drift/seeded-random.ts';
import { createDriftGauges, PREDICTION_RATE_FEATURE } from '../../../src/services/drift/gauges.ts';
import { referenceProfile, SETTINGS, windowOf } from '../core/drift/fixtures/synthetic.ts';

const profile = referenceProfile(20_000, 5);

describe('drift_* gauges', () => {
  it('publish each statistic with its threshold, 1/0 per feature, and drop "no data" features', async () => {
    const gauges = createDriftGauges();
    const window = windowOf(profile, seededRandom(1), 3000, { mean: 0.5 });
    delete window.features.amount; // no data for amount
    window.predictions = { v1: { '1': 90, '0': 2910 } };
    const report = detectDrift(profile, SETTINGS, window, { v1: 'model_a' });
    gauges.publish(report);
    const text = await gauges.registry.metrics();
    expect(text).toMatch(/drift_detected\{model="fraud",feature="score_like"\} 1/);
    expect(text).toMatch(/drift_detected\{model="fraud",feature="channel"\} 0/);
    expect(text).not.toMatch(/drift_detected\{model="fraud",feature="amount"\}/);
    expect(text).toMatch(/drift_score\{model="fraud",feature="score_like",statistic="wasserstein"\} 0\.\d+/);
    expect(text).toMatch(/drift_threshold\{model="fraud",feature="score_like",statistic="wasserstein"\} 0\.1/);
    expect(text).toMatch(/drift_prediction_rate_relative_change\{model="fraud",label="1"\} /);
    expect(text).toMatch(new RegExp(`drift_detected\\{model="fraud",feature="${PREDICTION_RATE_FEATURE}"\\} [01]`));
    expect(text).toMatch(/drift_window_samples\{model="fraud"\} 3000/);
  });

  it('replace the previous evaluation entirely', async () => {
    const gauges = createDriftGauges();
    gauges.publish(detectDrift(profile, SETTINGS, windowOf(profile, seededRandom(2), 3000)));
    gauges.publish(detectDrift(profile, SETTINGS, { features: {}, predictions: {} }));
    const text = await gauges.registry.metrics();
    expect(text).not.toMatch(/drift_detected\{/);
    expect(text).not.toMatch(/drift_score\{/);
  });
});
