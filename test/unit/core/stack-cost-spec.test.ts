import { describe, expect, it } from 'vitest';
import { parseByteSize } from '../../../src/core/spec/kinds/stack-cost.ts';
import { parseSpec, stackOf } from '../../../src/core/spec/parse.ts';
import { problems, VALID } from './spec-fixtures.ts';

describe('Stack cost fields', () => {
  it('reads the shipped team, price, node type and memory', () => {
    const stack = stackOf(parseSpec(VALID));
    expect(stack.spec.models[0]?.team).toBe('risk');
    expect(stack.spec.cost).toMatchObject({ nodeType: 'g5.xlarge', gpuHourlyPrice: 1.006, gpusPerNode: 1 });
    expect(parseByteSize(stack.spec.cost?.gpuMemoryPerNode ?? '')).toBe(24 * 1024 ** 3);
    expect(stack.spec.cost?.defaultModelMemory).toBe('1Gi');
  });

  it.each([
    [
      'a zero price',
      VALID.replace('gpuHourlyPrice: 1.006', 'gpuHourlyPrice: 0'),
      /spec\.cost\.gpuHourlyPrice: .*above 0/,
    ],
    [
      'a price as text',
      VALID.replace('gpuHourlyPrice: 1.006', 'gpuHourlyPrice: "$1"'),
      /spec\.cost\.gpuHourlyPrice: .*price of one GPU-hour/,
    ],
    ['a missing node type', VALID.replace(/ {4}nodeType: g5\.xlarge.*\n/, ''), /spec\.cost\.nodeType/],
    [
      'a memory size without unit syntax',
      VALID.replace('gpuMemoryPerNode: 24Gi', 'gpuMemoryPerNode: 24GB'),
      /spec\.cost\.gpuMemoryPerNode: must be a byte size/,
    ],
    [
      'a model bigger than the GPU',
      VALID.replace('fraud_v2: 768Mi', 'fraud_v2: 40Gi'),
      /spec\.cost\.modelMemory\.fraud_v2: 40Gi is more than a GPU holds/,
    ],
    ['a team with capitals', VALID.replace('team: risk', 'team: Risk'), /spec\.models\[0\]\.team: team names/],
  ])('rejects %s, naming the field', (_name, text, expected) => {
    expect(problems(text)).toMatch(expected);
  });

  it('parses byte sizes in binary and decimal units', () => {
    expect(parseByteSize('512Mi')).toBe(536_870_912);
    expect(parseByteSize('1.5G')).toBe(1.5e9);
    expect(parseByteSize('1000')).toBe(1000);
    expect(() => parseByteSize('1 GB')).toThrow(/not a byte size/);
  });
});
