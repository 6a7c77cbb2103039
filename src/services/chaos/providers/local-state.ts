import type { LocalStack, RedisRef } from '../../../adapters/chaos/local-stack.ts';
import { writeLocalStack } from '../../../adapters/chaos/local-stack.ts';

/**
 * Where the local stack runs (the stack-state file, or the game day's own stack). Local
 * providers act on what it names, and write back a process they start again, so whoever
 * owns the stack stops whichever runs at the end.
 */
export class LocalState {
  readonly stack: LocalStack;
  private readonly stateFile: string | undefined;

  constructor(stack: LocalStack, stateFile?: string) {
    this.stack = stack;
    this.stateFile = stateFile;
  }

  save(): void {
    if (this.stateFile) writeLocalStack(this.stateFile, this.stack);
  }

  redis(role: 'cache' | 'feature-store'): RedisRef | undefined {
    return role === 'cache' ? this.stack.redis?.cache : this.stack.redis?.featureStore;
  }
}

/** The refusal when a local action runs without any local stack state. */
export function needsLocalState(type: string): string {
  return `${type} needs the local stack state (--stack-state)`;
}
