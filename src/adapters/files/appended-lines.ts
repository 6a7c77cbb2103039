import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/** Lines read from one file (one inode): a rotated-away file and its successor come apart. */
export interface LineChunk {
  inode: number;
  lines: string[];
}

/**
 * Follows a JSONL file that a writer appends to and rotates by renaming (`tail -F`): each
 * read returns only the complete lines written since the last one, so a follower costs what
 * was appended, not the file's size. The open descriptor survives a rename, so the last lines
 * the writer put into the old file before rotating are drained from it before the new file
 * (a new inode at the same path) is read from its start. A file truncated in place (size
 * below the offset) is read again from its start. A torn last line waits for its newline;
 * one left at the end of a rotated-away file is counted in `tornLines`, never parsed.
 */
export class AppendedLines {
  readonly file: string;
  tornLines = 0;
  #fd: number | undefined;
  #inode: number | undefined;
  #offset = 0;
  #partial = '';
  // Keeps a UTF-8 character cut by a read boundary for the next read.
  #decoder = new StringDecoder('utf8');

  constructor(file: string) {
    this.file = file;
  }

  /** The inode being followed (held open, so no other file can take its number meanwhile). */
  get inode(): number | undefined {
    return this.#inode;
  }

  read(): LineChunk[] {
    const chunks: LineChunk[] = [];
    if (this.#fd !== undefined) chunks.push(this.#drain());
    let inode: number;
    try {
      inode = statSync(this.file).ino;
    } catch {
      return chunks.filter((c) => c.lines.length > 0); // not written yet, or between a rename and the new file
    }
    if (inode !== this.#inode) {
      this.close();
      this.#fd = openSync(this.file, 'r');
      this.#inode = fstatSync(this.#fd).ino;
      chunks.push(this.#drain());
    }
    return chunks.filter((c) => c.lines.length > 0);
  }

  close(): void {
    if (this.#partial !== '') this.tornLines++;
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
    this.#inode = undefined;
    this.#offset = 0;
    this.#partial = '';
    this.#decoder = new StringDecoder('utf8');
  }

  #drain(): LineChunk {
    const fd = this.#fd as number;
    const size = fstatSync(fd).size;
    if (size < this.#offset) {
      this.#offset = 0;
      this.#partial = '';
      this.#decoder = new StringDecoder('utf8');
    }
    const lines: string[] = [];
    while (this.#offset < size) {
      const buffer = Buffer.alloc(Math.min(size - this.#offset, 8 * 1024 * 1024));
      const read = readSync(fd, buffer, 0, buffer.length, this.#offset);
      if (read === 0) break;
      this.#offset += read;
      const parts = (this.#partial + this.#decoder.write(buffer.subarray(0, read))).split('\n');
      this.#partial = parts.pop() ?? '';
      for (const line of parts) if (line.trim() !== '') lines.push(line);
    }
    return { inode: this.#inode as number, lines };
  }
}
