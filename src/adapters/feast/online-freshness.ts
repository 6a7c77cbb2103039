import { Redis } from 'ioredis';
import { decodeTimestamp, type FeastLayout, timestampField } from '../../core/features/feast-layout.ts';

/**
 * The newest event time per view in Feast's online Redis: SCANs up to `maxKeys` entity hashes
 * and reads each view's `_ts:<view>` field. Materialization writes every entity of a run with
 * the same newest snapshot, so a sample finds the newest value.
 */
export async function newestEventTimes(
  redisUrl: string,
  layout: FeastLayout,
  maxKeys = 2_000,
): Promise<Record<string, number | undefined>> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 2_000 });
  const newest: Record<string, number | undefined> = {};
  const project = Buffer.from(layout.project);
  try {
    let cursor = '0';
    let seen = 0;
    do {
      const [next, keys] = await redis.scanBuffer(cursor, 'COUNT', 500);
      cursor = String(next);
      const ours = keys.filter((k) => k.subarray(k.length - project.length).equals(project));
      const pipeline = redis.pipeline();
      for (const k of ours) pipeline.hmgetBuffer(k, ...layout.views.map((v) => Buffer.from(timestampField(v.name))));
      for (const [, reply] of (await pipeline.exec()) ?? []) {
        (reply as (Buffer | null)[]).forEach((raw, i) => {
          const view = layout.views[i]?.name;
          if (!view || !raw || raw.length === 0) return;
          const ts = decodeTimestamp(raw);
          if (newest[view] === undefined || ts > (newest[view] as number)) newest[view] = ts;
        });
      }
      seen += ours.length;
    } while (cursor !== '0' && seen < maxKeys);
  } finally {
    redis.disconnect();
  }
  return newest;
}
