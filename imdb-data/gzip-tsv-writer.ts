// Buffered writer of one .tsv.gz file: header, lines, backpressure, atomic rename into place when done.
import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

const FLUSH_CHARS = 256 * 1024;

export class GzipTsvWriter {
  rows = 0;
  private buffer = '';
  private readonly input = new PassThrough({ highWaterMark: 1024 * 1024 });
  private readonly done: Promise<void>;
  private readonly tmpPath: string;
  /** Set when the gzip side is behind; the producer awaits it before writing more. */
  private drained: Promise<void> | null = null;

  constructor(
    readonly path: string,
    header: string,
    level: number,
  ) {
    // A half-written file must never look complete to a later load, so write beside it and rename at the end.
    this.tmpPath = `${path}.partial`;
    this.done = pipeline(this.input, createGzip({ level }), createWriteStream(this.tmpPath));
    this.done.catch(() => undefined); // observed in close(); avoid an unhandled rejection meanwhile
    this.buffer = `${header}\n`;
  }

  line(text: string): void {
    this.buffer += text;
    this.buffer += '\n';
    this.rows++;
    if (this.buffer.length >= FLUSH_CHARS) this.flush();
  }

  /** Resolves when the writer can take more lines (null when it can already). */
  get backpressure(): Promise<void> | null {
    return this.drained;
  }

  private flush(): void {
    if (this.buffer === '') return;
    const ok = this.input.write(this.buffer);
    this.buffer = '';
    if (!ok && !this.drained) {
      this.drained = new Promise((resolve) =>
        this.input.once('drain', () => {
          this.drained = null;
          resolve();
        }),
      );
    }
  }

  async close(): Promise<{ rows: number; bytes: number }> {
    this.flush();
    this.input.end();
    await this.done;
    await rename(this.tmpPath, this.path);
    return { rows: this.rows, bytes: (await stat(this.path)).size };
  }

  async abort(): Promise<void> {
    this.input.destroy();
    await this.done.catch(() => undefined);
    await rm(this.tmpPath, { force: true });
  }
}
