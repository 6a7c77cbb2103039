import { describe, expect, it } from 'vitest';
import { valuesFromResponse } from '../../../src/gateway/features/feast-serve-feature-source.ts';

/** The shape `feast serve` 0.67 answers POST /get-online-features with (one entity). */
const BODY = {
  metadata: { feature_names: ['user_id', 'account_age_days', 'txn_count_24h', 'avg_amount_30d'] },
  results: [
    { values: ['user-1'], statuses: ['PRESENT'] },
    { values: [520.087], statuses: ['PRESENT'] },
    { values: [3], statuses: ['PRESENT'] },
    { values: [null], statuses: ['NOT_FOUND'] },
  ],
};

describe('feast serve response', () => {
  it('returns the requested features in order, null where not PRESENT or not returned', () => {
    expect(valuesFromResponse(BODY, ['txn_count_24h', 'avg_amount_30d', 'account_age_days', 'amount'])).toEqual([
      '3',
      null,
      '520.087',
      null,
    ]);
  });
});
