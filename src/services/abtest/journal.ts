import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * The controller's journal, one JSON object per line (JSON Lines), in the spirit of Chaos
 * Toolkit's journal: what was decided, on which numbers, and what was done about it.
 */
export interface JournalEntry {
  time: string;
  experiment: string;
  event: 'start' | 'decision' | 'rollback' | 'rollback_failed' | 'stop';
  [field: string]: unknown;
}

export type Journal = (entry: JournalEntry) => Promise<void>;

export function fileJournal(file: string): Journal {
  let ready: Promise<unknown> | undefined;
  return async (entry) => {
    ready ??= mkdir(dirname(file), { recursive: true });
    await ready;
    await appendFile(file, `${JSON.stringify(entry)}\n`);
  };
}
