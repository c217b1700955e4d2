// With --json, stdout carries the JSON document alone (one per line for `status --watch`): everything else a
// command prints, progress and tables included, goes to stderr, so `pglab … --json | jq` always parses.

let reserved = false;

/** From now on console.log and console.info write to stderr; only printJson writes to stdout. */
export function reserveStdoutForJson(): void {
  if (reserved) return;
  reserved = true;
  console.log = (...args: unknown[]) => console.error(...args);
  console.info = (...args: unknown[]) => console.error(...args);
}

export function stdoutReservedForJson(): boolean {
  return reserved;
}

/** Writes one JSON document on stdout: on one line, or indented for a person reading it. */
export function printJson(doc: unknown, opts: { pretty?: boolean } = {}): void {
  process.stdout.write(`${JSON.stringify(doc, null, opts.pretty ? 2 : undefined)}\n`);
}
