import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withoutDynamicBatching } from '../../../bench/lib/triton-config.ts';
import { paths } from '../../../src/adapters/process/paths.ts';

const fraudV1 = readFileSync(join(paths.modelRepository(), 'fraud_v1', 'config.pbtxt'), 'utf8');

describe('withoutDynamicBatching (the batching benchmark baseline)', () => {
  const off = withoutDynamicBatching(fraudV1, 'fraud_v1_nobatch');

  it('drops the whole dynamic_batching block, nested queue policy included', () => {
    expect(fraudV1).toMatch(/dynamic_batching/);
    expect(off).not.toMatch(/dynamic_batching|preferred_batch_size|default_queue_policy|max_queue_delay/);
    const opens = (off.match(/\{/g) ?? []).length;
    expect((off.match(/\}/g) ?? []).length).toBe(opens);
  });

  it('renames the model and keeps everything else', () => {
    expect(off).toMatch(/^name: "fraud_v1_nobatch"$/m);
    for (const kept of [
      'backend: "python"',
      'max_batch_size: 32',
      'instance_group',
      'version_policy',
      'decision_threshold',
    ]) {
      expect(off).toContain(kept);
    }
  });

  it.each([
    ['a config without dynamic batching', 'name: "m"\nmax_batch_size: 8\n', /no dynamic_batching block/],
    ['an unclosed block', 'name: "m"\ndynamic_batching {\n  max_queue_delay_microseconds: 100\n', /no closing brace/],
    ['a config without a name', 'dynamic_batching { }\nmax_batch_size: 8\n', /no top-level name/],
  ])('refuses %s', (_, config, expected) => {
    expect(() => withoutDynamicBatching(config, 'x')).toThrow(expected);
  });
});
