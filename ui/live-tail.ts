// Follows the live-run file a running `pglab chaos` or `pglab bench` appends to (common/live-run.ts): every 100 ms it
// reads what was added; a file that was emptied or replaced is read again from its start (a new run).
import { open, stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { foldLiveEvents, parseLiveChunk, type LiveEvent, type LiveRunView } from '../common/live-run.js';

export class LiveTail {
  private offset = 0;
  private inode = -1;
  private rest = '';
  private decoder = new StringDecoder('utf8');
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  view: LiveRunView = { run: null, events: [], ended: false };

  constructor(
    private readonly file: string,
    /** New events, and whether they start a new run (the page then drops what it had). */
    private readonly onEvents: (events: LiveEvent[], restarted: boolean) => void,
    private readonly everyMs = 100,
  ) {}

  start(): void {
    if (this.timer) return;
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** True while the run's writer process lives and has not said it ended. */
  active(): boolean {
    const run = this.view.run;
    if (!run || this.view.ended) return false;
    try {
      process.kill(run.pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  }

  async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const s = await stat(this.file).catch(() => null);
      if (!s) return;
      let restarted = false;
      if (s.ino !== this.inode || s.size < this.offset) {
        this.inode = s.ino;
        this.offset = 0;
        this.rest = '';
        this.decoder = new StringDecoder('utf8');
        restarted = true;
      }
      if (s.size === this.offset) return;
      const fh = await open(this.file, 'r');
      try {
        const buf = Buffer.alloc(s.size - this.offset);
        const { bytesRead } = await fh.read(buf, 0, buf.length, this.offset);
        this.offset += bytesRead;
        const parsed = parseLiveChunk(this.rest, this.decoder.write(buf.subarray(0, bytesRead)));
        this.rest = parsed.rest;
        if (parsed.events.length === 0 && !restarted) return;
        const newRun = restarted || parsed.events.some((e) => e.type === 'run');
        this.view = foldLiveEvents(restarted ? { run: null, events: [], ended: false } : this.view, parsed.events);
        this.onEvents(parsed.events, newRun);
      } finally {
        await fh.close();
      }
    } finally {
      this.busy = false;
    }
  }
}
