/**
 * Feast's Redis layout, byte for byte: the expected hex strings were produced by Feast 0.67
 * itself (feast.infra.online_stores.helpers._redis_key / _mmh3, Value and Timestamp
 * SerializeToString); the full cross-check on thousands of materialized users is
 * test/integration/feast-online-peers.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeTimestamp,
  decodeValue,
  encodeTimestamp,
  encodeValue,
  featureField,
  lookupPlan,
  readLookup,
  redisKey,
} from '../../../../src/core/features/feast-layout.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
const LAYOUT = {
  project: 'steadystate',
  joinKey: 'user_id',
  views: [
    { name: 'user_account', features: ['account_age_days'], ttlSeconds: 30 * 86_400 },
    { name: 'user_velocity', features: ['txn_count_24h', 'avg_amount_30d'], ttlSeconds: 2 * 86_400 },
  ],
};

describe('Feast online layout', () => {
  it('serializes the entity key (v3) + project as Feast does', () => {
    expect(hex(redisKey(LAYOUT, 'user-0'))).toBe(
      '010000000200000007000000757365725f69640200000006000000757365722d307374656164797374617465',
    );
  });

  it('names a feature field by little-endian murmur3_32 of view:feature', () => {
    expect(hex(featureField('user_velocity', 'avg_amount_30d'))).toBe('ddbedab1');
  });

  it('decodes and encodes feast.types.Value scalars', () => {
    expect(decodeValue(bytes('2987a757ca32a43f40'))).toBe(31.6414);
    expect(decodeValue(bytes('2003'))).toBe(3);
    expect(decodeValue(bytes('20feffffffffffffffff01'))).toBe(-2);
    expect(decodeValue(bytes('12025553'))).toBe('US');
    expect(decodeValue(new Uint8Array())).toBeNull();
    expect(hex(encodeValue({ type: 'double', value: 31.6414 }))).toBe('2987a757ca32a43f40');
    expect(hex(encodeValue({ type: 'int64', value: -2 }))).toBe('20feffffffffffffffff01');
    expect(hex(encodeValue({ type: 'string', value: 'US' }))).toBe('12025553');
  });

  it('refuses a Value that is not a scalar, naming the field', () => {
    // field 15 (double_list_val), length-delimited, empty
    expect(() => decodeValue(bytes('7a00'))).toThrow(/field 15 is not a scalar/);
  });

  it('decodes and encodes google.protobuf.Timestamp', () => {
    expect(decodeTimestamp(bytes('08b09bccd8061080cab5ee01'))).toBe(1796410800.5);
    expect(hex(encodeTimestamp(1796410800.5))).toBe('08b09bccd8061080cab5ee01');
  });

  it('plans one HMGET per lookup and reads values and event times from the reply', () => {
    const plan = lookupPlan(LAYOUT, ['avg_amount_30d', 'amount', 'account_age_days']);
    expect(plan.featureAt).toEqual([0, -1, 1]);
    expect(plan.views).toEqual(['user_velocity', 'user_account']);
    expect(plan.fields.map((f) => Buffer.from(f).toString('latin1')).slice(2)).toEqual([
      '_ts:user_velocity',
      '_ts:user_account',
    ]);
    const read = readLookup(plan, [encodeValue({ type: 'double', value: 12.5 }), null, encodeTimestamp(100), null]);
    expect(read.values).toEqual([12.5, null, null]);
    expect(read.eventTimes).toEqual({ user_velocity: 100 });
  });
});
