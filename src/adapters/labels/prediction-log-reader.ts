import { existsSync, readFileSync, statSync } from 'node:fs';
import type { LoggedPrediction } from '../../core/labels/join.ts';
import { AppendedLines } from '../files/appended-lines.ts';

/** A prediction-log line as the join needs it, or undefined when the line is not one. */
export function loggedPrediction(line: string): LoggedPrediction | undefined {
  let r: Record<string, unknown>;
  try {
    const parsed = JSON.parse(line) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    r = parsed as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (
    typeof r.request_id !== 'string' ||
    typeof r.ts !== 'string' ||
    typeof r.model !== 'string' ||
    typeof r.variant !== 'string' ||
    typeof r.score !== 'number'
  ) {
    return undefined;
  }
  return {
    ts: r.ts,
    request_id: r.request_id,
    model: r.model,
    variant: r.variant,
    served_by: typeof r.served_by === 'string' ? r.served_by : 'primary',
    score: r.score,
    label: r.label === 1 ? 1 : 0,
  };
}

/**
 * The gateway's sampled prediction log (path, rotated to path.1 .. path.<keepFiles> by
 * gateway/prediction-log.ts), kept in memory and brought up to date by reading only what was
 * appended since the last refresh: the label service refreshes after every POSTed batch, and
 * rereading up to (keepFiles + 1) x maxBytes each time cost more than the batch. Rotation is
 * followed the way the writer does it: the file we were reading is found again among the
 * rotated ones by its inode (we hold it open, so the number cannot be reused meanwhile), what
 * was written to it before the rename is drained, files rotated in between are read whole,
 * and only keepFiles + 1 files' predictions are kept, so predictions whose file rotation
 * deleted leave the sample as they would for a fresh reader. Lines that are not prediction
 * entries are counted in `badLines`, not fatal: a crash can leave a torn last line.
 */
export class PredictionLogTail {
  readonly path: string;
  readonly keepFiles: number;
  badLines = 0;
  #live: AppendedLines;
  #started = false;
  /** One entry per file, oldest first; the last is the live file. */
  #segments: LoggedPrediction[][] = [];
  #ids = new Set<string>();

  constructor(path: string, keepFiles: number) {
    this.path = path;
    this.keepFiles = keepFiles;
    this.#live = new AppendedLines(path);
  }

  /** Reads what was appended or rotated since the last call; the sample, oldest first. */
  refresh(): LoggedPrediction[] {
    const rotated = (i: number) => `${this.path}.${i}`;
    if (!this.#started) {
      this.#started = true;
      for (let i = this.keepFiles; i >= 1; i--) this.#readWhole(rotated(i));
    }
    const following = this.#live.inode;
    // Files the writer rotated in since the last refresh, oldest first, read whole below.
    const between: string[] = [];
    if (following !== undefined && inodeOf(this.path) !== following) {
      let at = this.keepFiles + 1; // not found: it rotated off the end, every rotated file is new
      for (let i = 1; i <= this.keepFiles; i++) {
        if (inodeOf(rotated(i)) === following) {
          at = i;
          break;
        }
      }
      for (let i = at - 1; i >= 1; i--) between.push(rotated(i));
    }
    for (const chunk of this.#live.read()) {
      if (chunk.inode === following && this.#segments.length > 0) {
        this.#parseInto(this.#segments[this.#segments.length - 1] as LoggedPrediction[], chunk.lines);
        continue;
      }
      for (const file of between.splice(0)) this.#readWhole(file);
      this.#parseInto(this.#newSegment(), chunk.lines);
    }
    for (const file of between) this.#readWhole(file);
    while (this.#segments.length > this.keepFiles + 1) {
      for (const p of this.#segments.shift() as LoggedPrediction[]) this.#ids.delete(p.request_id);
    }
    return this.#segments.flat();
  }

  /** Whether a request id is in the sample as of the last refresh. */
  has(requestId: string): boolean {
    return this.#ids.has(requestId);
  }

  close(): void {
    this.#live.close();
  }

  #newSegment(): LoggedPrediction[] {
    const segment: LoggedPrediction[] = [];
    this.#segments.push(segment);
    return segment;
  }

  #readWhole(file: string): void {
    if (!existsSync(file)) return;
    this.#parseInto(this.#newSegment(), readFileSync(file, 'utf8').split('\n'));
  }

  #parseInto(segment: LoggedPrediction[], lines: readonly string[]): void {
    for (const line of lines) {
      if (line.trim() === '') continue;
      const p = loggedPrediction(line);
      if (!p) {
        this.badLines++;
        continue;
      }
      segment.push(p);
      this.#ids.add(p.request_id);
    }
  }
}

function inodeOf(file: string): number | undefined {
  try {
    return statSync(file).ino;
  } catch {
    return undefined;
  }
}
