import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { murmur3x86_32 } from '../abtest/assignment.ts';

/**
 * Feast's Redis online layout (Feast 0.67, `docs/specs/online_store_format.md` and
 * `feast/infra/online_stores/helpers.py`), read and written without Feast:
 * - key: the entity key serialized with version 3 (little-endian u32 count; per join key
 *   u32 type (STRING = 2), u32 length, UTF-8 name; per value u32 type, u32 length, bytes)
 *   followed by the project name, one HASH per entity;
 * - field: the first 4 bytes of little-endian murmur3_32(`<view>:<feature>`);
 * - value: a serialized `feast.types.Value` (protos/feast/types/Value.proto, a oneof);
 * - field `_ts:<view>`: a serialized `google.protobuf.Timestamp`, the row's event time.
 * Pure: bytes in, bytes out.
 */

const ENCODER = new TextEncoder();
/** feast.types.ValueType.Enum.STRING: the type of a join key's name and of a string id. */
const VALUE_TYPE_STRING = 2;

export interface FeastView {
  name: string;
  features: readonly string[];
  /** The view's TTL in seconds: training joins look back this far; freshness alerts on it. */
  ttlSeconds: number;
}

export interface FeastLayout {
  project: string;
  joinKey: string;
  views: readonly FeastView[];
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** `serialize_entity_key` version 3 for one string join key. */
export function entityKeyV3(joinKey: string, value: string): Uint8Array {
  const name = ENCODER.encode(joinKey);
  const val = ENCODER.encode(value);
  return concat([u32(1), u32(VALUE_TYPE_STRING), u32(name.length), name, u32(VALUE_TYPE_STRING), u32(val.length), val]);
}

/** The Redis key of an entity's hash: entity key v3 + project name. */
export function redisKey(layout: Pick<FeastLayout, 'project' | 'joinKey'>, entityId: string): Uint8Array {
  return concat([entityKeyV3(layout.joinKey, entityId), ENCODER.encode(layout.project)]);
}

/** The hash field of a feature: murmur3_32(`view:feature`), little-endian. */
export function featureField(view: string, feature: string): Uint8Array {
  return u32(murmur3x86_32(ENCODER.encode(`${view}:${feature}`)));
}

export function timestampField(view: string): Uint8Array {
  return ENCODER.encode(`_ts:${view}`);
}

/** A decoded scalar: what the gateway can use. Lists, maps and the rest read as unsupported. */
export type FeastScalar = number | string | boolean | null;

/** `feast.types.Value` field numbers of the scalars (Value.proto). */
const VALUE_FIELD = {
  bytes: 1,
  string: 2,
  int32: 3,
  int64: 4,
  double: 5,
  float: 6,
  bool: 7,
  unixTimestamp: 8,
  null: 19,
} as const;

/** Decodes a serialized `feast.types.Value`; an empty message (never set) reads as null. */
export function decodeValue(bytes: Uint8Array): FeastScalar {
  const r = new BinaryReader(bytes);
  let out: FeastScalar = null;
  while (r.pos < r.len) {
    const [field, wire] = r.tag();
    switch (field) {
      case VALUE_FIELD.string:
        out = r.string();
        break;
      case VALUE_FIELD.int32:
        out = r.int32();
        break;
      case VALUE_FIELD.int64:
      case VALUE_FIELD.unixTimestamp:
        out = Number(r.int64());
        break;
      case VALUE_FIELD.double:
        out = r.double();
        break;
      case VALUE_FIELD.float:
        out = r.float();
        break;
      case VALUE_FIELD.bool:
        out = r.bool();
        break;
      case VALUE_FIELD.null:
        r.skip(wire, field);
        out = null;
        break;
      default:
        throw new Error(
          `feast.types.Value field ${field} is not a scalar the gateway reads (string, int32, int64, double, float, bool)`,
        );
    }
  }
  return out;
}

export type FeastTypedValue =
  | { type: 'double'; value: number }
  | { type: 'int64'; value: number }
  | { type: 'string'; value: string };

/** Serializes a scalar as `feast.types.Value` (what Feast's materialization writes). */
export function encodeValue(v: FeastTypedValue): Uint8Array {
  const w = new BinaryWriter();
  if (v.type === 'double') w.tag(VALUE_FIELD.double, WireType.Bit64).double(v.value);
  else if (v.type === 'int64') w.tag(VALUE_FIELD.int64, WireType.Varint).int64(Math.trunc(v.value));
  else w.tag(VALUE_FIELD.string, WireType.LengthDelimited).string(v.value);
  return w.finish();
}

/** Decodes a `google.protobuf.Timestamp` (seconds = 1, nanos = 2) into epoch seconds. */
export function decodeTimestamp(bytes: Uint8Array): number {
  const r = new BinaryReader(bytes);
  let seconds = 0;
  let nanos = 0;
  while (r.pos < r.len) {
    const [field, wire] = r.tag();
    if (field === 1) seconds = Number(r.int64());
    else if (field === 2) nanos = r.int32();
    else r.skip(wire, field);
  }
  return seconds + nanos / 1e9;
}

export function encodeTimestamp(epochSeconds: number): Uint8Array {
  const seconds = Math.floor(epochSeconds);
  const nanos = Math.round((epochSeconds - seconds) * 1e9);
  const w = new BinaryWriter();
  if (seconds !== 0) w.tag(1, WireType.Varint).int64(seconds);
  if (nanos !== 0) w.tag(2, WireType.Varint).int32(nanos);
  return w.finish();
}

/** Which hash fields one lookup reads: each requested feature's field, then each view's `_ts`. */
export interface FeastLookupPlan {
  fields: Uint8Array[];
  /** For each requested feature, its field index in `fields`, or -1 when no view has it. */
  featureAt: number[];
  /** The views read, in the order of their `_ts` fields after the feature fields. */
  views: string[];
}

export function lookupPlan(layout: FeastLayout, names: readonly string[]): FeastLookupPlan {
  const fields: Uint8Array[] = [];
  const featureAt: number[] = [];
  const views: string[] = [];
  for (const name of names) {
    const view = layout.views.find((v) => v.features.includes(name));
    if (!view) {
      featureAt.push(-1);
      continue;
    }
    featureAt.push(fields.length);
    fields.push(featureField(view.name, name));
    if (!views.includes(view.name)) views.push(view.name);
  }
  for (const v of views) fields.push(timestampField(v));
  return { fields, featureAt, views };
}

export interface FeastLookup {
  values: FeastScalar[];
  /** Event time (epoch seconds) of each view's row; absent when the entity has no row. */
  eventTimes: Record<string, number>;
}

/** Decodes an HMGET reply for a plan. A feature without a stored value reads as null. */
export function readLookup(plan: FeastLookupPlan, reply: readonly (Uint8Array | null)[]): FeastLookup {
  const values = plan.featureAt.map((at) => {
    const raw = at < 0 ? null : reply[at];
    return raw && raw.length > 0 ? decodeValue(raw) : null;
  });
  const eventTimes: Record<string, number> = {};
  const tsStart = plan.fields.length - plan.views.length;
  plan.views.forEach((view, i) => {
    const raw = reply[tsStart + i];
    if (raw && raw.length > 0) eventTimes[view] = decodeTimestamp(raw);
  });
  return { values, eventTimes };
}

/** Users `user-0` .. `user-<n-1>` the offline store is built for (serving/feature_repo/build_offline.py). */
export const FEAST_DEFAULT_USERS = 5000;

/**
 * One entity's hash as Feast's materialization writes it: each view's feature fields
 * (values as int64 for `int64Features`, else double; strings as strings) and its `_ts` field.
 * Views with none of the features are left out. For seeding the online store without Python
 * (the chaos load's users); the Feast-written form is checked in the layout tests.
 */
export function feastEntityFields(
  layout: FeastLayout,
  features: Readonly<Record<string, number | string>>,
  eventTimeSeconds: number,
  int64Features: readonly string[],
): [Uint8Array, Uint8Array][] {
  const out: [Uint8Array, Uint8Array][] = [];
  for (const view of layout.views) {
    const present = view.features.filter((f) => features[f] !== undefined);
    if (present.length === 0) continue;
    for (const f of present) {
      const v = features[f] as number | string;
      const typed: FeastTypedValue =
        typeof v === 'string'
          ? { type: 'string', value: v }
          : int64Features.includes(f)
            ? { type: 'int64', value: v }
            : { type: 'double', value: v };
      out.push([featureField(view.name, f), encodeValue(typed)]);
    }
    out.push([timestampField(view.name), encodeTimestamp(eventTimeSeconds)]);
  }
  return out;
}
