import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { inPredictionSample } from '../core/labels/sampling.ts';

export interface PredictionLogEntry {
  ts: string;
  request_id: string;
  user_id: string;
  model: string;
  variant: string;
  served_by: string;
  score: number;
  label: number;
  features: Record<string, number | string>;
}

/**
 * A sampled JSONL log of predictions (default 1%), for delayed labels, drift baselines and
 * train/serve skew checks. Sampling is by a hash of the request id, so it is reproducible.
 * Rotated by size: predictions.jsonl -> .1 -> .2 ... keeping `keepFiles`, so the log holds at
 * most (keepFiles + 1) x maxBytes on disk, across restarts too. Never metric labels.
 */
export class PredictionLog {
  private stream: WriteStream | undefined;
  private bytes = 0;
  private readonly path: string;
  private readonly sampleRate: number;
  private readonly maxBytes: number;
  private readonly keepFiles: number;

  constructor(opts: { path: string; sampleRate: number; maxBytes: number; keepFiles: number }) {
    this.path = opts.path;
    this.sampleRate = opts.sampleRate;
    this.maxBytes = opts.maxBytes;
    this.keepFiles = opts.keepFiles;
    mkdirSync(dirname(this.path), { recursive: true });
  }

  static sampled(requestId: string, rate: number): boolean {
    return inPredictionSample(requestId, rate);
  }

  /** Whether this request's entry is written: the caller builds the entry only then (99% are not). */
  wants(requestId: string): boolean {
    return PredictionLog.sampled(requestId, this.sampleRate);
  }

  write(entry: PredictionLogEntry): void {
    if (!PredictionLog.sampled(entry.request_id, this.sampleRate)) return;
    const line = `${JSON.stringify(entry)}\n`;
    const size = Buffer.byteLength(line);
    if (!this.stream) this.open();
    if (this.bytes > 0 && this.bytes + size > this.maxBytes) this.rotate();
    this.stream?.write(line);
    this.bytes += size;
  }

  /**
   * Appends to what a previous run left, counting its size: a gateway restarted in a loop
   * (a crash loop, a chaos kill) must still rotate at maxBytes, or each start would add
   * another maxBytes to the same file and the bound on disk would not hold.
   */
  private open(): void {
    this.bytes = existsSync(this.path) ? statSync(this.path).size : 0;
    this.stream = createWriteStream(this.path, { flags: 'a' });
  }

  private rotate(): void {
    this.stream?.end();
    rmSync(`${this.path}.${this.keepFiles}`, { force: true });
    for (let i = this.keepFiles - 1; i >= 1; i--) {
      if (existsSync(`${this.path}.${i}`)) renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
    }
    if (existsSync(this.path)) renameSync(this.path, `${this.path}.1`);
    this.stream = createWriteStream(this.path, { flags: 'w' });
    this.bytes = 0;
  }

  async close(): Promise<void> {
    const stream = this.stream;
    this.stream = undefined;
    if (stream) await new Promise<void>((resolve) => stream.end(resolve));
  }
}
