import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withBatchingVariant, withoutDynamicBatching } from '../../../bench/lib/triton-config.ts';
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

describe('withBatchingVariant (the configurations the batching benchmarks compare)', () => {
  it('turns the shipped CPU config into the playbook one: 1 instance, preferred sizes inserted, 10 ms', () => {
    const playbook = withBatchingVariant(fraudV1, 'fraud_v1_playbook', {
      instances: 1,
      maxQueueDelayUs: 10_000,
      preferredBatchSizes: [8, 16, 32],
    });
    expect(playbook).toMatch(/^name: "fraud_v1_playbook"$/m);
    expect(playbook).toMatch(
      /dynamic_batching \{\n {2}preferred_batch_size: \[ 8, 16, 32 \]\n {2}max_queue_delay_microseconds: 10000\n/,
    );
    expect(playbook).toContain('instance_group [ { kind: KIND_CPU count: 1 } ]');
    // And back: replacing existing preferred sizes with none removes the line.
    expect(withBatchingVariant(playbook, 'x', { preferredBatchSizes: [] })).not.toContain('preferred_batch_size');
  });

  it('can drop batching and still set the instance count', () => {
    const off = withBatchingVariant(fraudV1, 'fraud_v1_off1', { dynamicBatching: false, instances: 1 });
    expect(off).not.toContain('dynamic_batching');
    expect(off).toContain('count: 1 }');
  });

  it('refuses a knob the config does not have, instead of measuring the original', () => {
    expect(() => withBatchingVariant('name: "m"\n', 'x', { maxBatchSize: 8 })).toThrow(/no max_batch_size/);
  });
});
