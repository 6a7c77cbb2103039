import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { GroundTruth } from '../../core/labels/ground-truth.ts';
import type { LabelStore } from '../../core/labels/store.ts';
import { AppendedLines } from '../files/appended-lines.ts';

/**
 * The label store on disk: `<dir>/labels.jsonl`, one accepted label a line, append-only (an
 * audit trail of what arrived when). Loading keeps the first line per request id, so a
 * crash between two appends never double-counts. Writes are serialised within the process.
 * Loads follow the file (only lines appended since the last load are read, whoever wrote
 * them: `labels ingest` may add to the store a running `labels serve` reads).
 */
export class JsonlLabelStore implements LabelStore {
  readonly file: string;
  readonly dir: string;
  private queue: Promise<void> = Promise.resolve();
  private readonly lines: AppendedLines;
  private readonly labels = new Map<string, GroundTruth>();
  private lineCount = 0;

  constructor(dir: string) {
    this.dir = dir;
    this.file = join(dir, 'labels.jsonl');
    this.lines = new AppendedLines(this.file);
  }

  async load(): Promise<ReadonlyMap<string, GroundTruth>> {
    await this.queue;
    for (const chunk of this.lines.read()) {
      for (const line of chunk.lines) {
        this.lineCount++;
        let value: GroundTruth;
        try {
          value = JSON.parse(line) as GroundTruth;
        } catch (error) {
          throw new Error(
            `${this.file}:${this.lineCount} is not JSON (${(error as Error).message}); the store is append-only, fix or remove the line`,
          );
        }
        if (!this.labels.has(value.request_id)) this.labels.set(value.request_id, value);
      }
    }
    return this.labels;
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
