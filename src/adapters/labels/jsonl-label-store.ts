import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GroundTruth } from '../../core/labels/ground-truth.ts';
import type { LabelStore } from '../../core/labels/store.ts';

/**
 * The label store on disk: `<dir>/labels.jsonl`, one accepted label a line, append-only (an
 * audit trail of what arrived when). Loading keeps the first line per request id, so a
 * crash between two appends never double-counts. Writes are serialised within the process.
 */
export class JsonlLabelStore implements LabelStore {
  readonly file: string;
  readonly dir: string;
  private queue: Promise<void> = Promise.resolve();

  constructor(dir: string) {
    this.dir = dir;
    this.file = join(dir, 'labels.jsonl');
  }

  async load(): Promise<Map<string, GroundTruth>> {
    await this.queue;
    const labels = new Map<string, GroundTruth>();
    if (!existsSync(this.file)) return labels;
    const text = await readFile(this.file, 'utf8');
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      let value: GroundTruth;
      try {
        value = JSON.parse(line) as GroundTruth;
      } catch (error) {
        throw new Error(
          `${this.file}:${i + 1} is not JSON (${(error as Error).message}); the store is append-only, fix or remove the line`,
        );
      }
      if (!labels.has(value.request_id)) labels.set(value.request_id, value);
    });
    return labels;
  }

  append(labels: readonly GroundTruth[]): Promise<void> {
    if (labels.length === 0) return this.queue;
    const text = labels.map((l) => `${JSON.stringify(l)}\n`).join('');
    this.queue = this.queue.then(async () => {
      await mkdir(this.dir, { recursive: true });
      await appendFile(this.file, text, 'utf8');
    });
    return this.queue;
  }
}
