import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseOnly } from '../../../src/cli/commands/gameday.ts';

describe('gameday --only', () => {
  it('keeps the names in the order given, trimming spaces', () => {
    expect(parseOnly('feature-store-down, gpu-server-crash')).toEqual(['feature-store-down', 'gpu-server-crash']);
  });

  it('refuses an unknown experiment by name and lists the choices', () => {
    expect(() => parseOnly('gpu-server-crash,gpu-crash')).toThrow(InvalidArgumentError);
    expect(() => parseOnly('gpu-server-crash,gpu-crash')).toThrow(
      /unknown experiment "gpu-crash"; choose from .*cache-stampede/,
    );
  });

  it('refuses an empty list', () => {
    expect(() => parseOnly(' , ')).toThrow(/names no experiment/);
  });
});
