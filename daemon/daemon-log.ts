// The daemon's log lines: wall time, node, text; a topic whose wording did not change is not logged again.
import type { Clock } from './clock.js';

export type LogFn = (topic: string, line: string, onlyOnChange?: boolean) => void;

export class DaemonLog {
  private readonly lastShape = new Map<string, string>();

  constructor(
    private readonly write: (line: string) => void,
    private readonly clock: Clock,
    private readonly node: string,
  ) {}

  readonly log: LogFn = (topic, line, onlyOnChange = false) => {
    if (onlyOnChange) {
      // Numbers (waited ms, LSNs) change every cycle; only a change in wording is news.
      const shape = line.replace(/\d+(\.\d+)?/g, '#');
      if (this.lastShape.get(topic) === shape) return;
      this.lastShape.set(topic, shape);
    }
    this.write(`${this.clock.wallIso()} ${this.node} ${line}\n`);
  };
}
