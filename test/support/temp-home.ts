// A fresh PGLAB_HOME for every test of a file: made before each test, removed after it (unit tests of code that
// reads or writes the state dir).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';

/** Registers the hooks; returns the current test's home. */
export function tempPglabHome(prefix: string): () => string {
  let home = '';
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), prefix));
    process.env.PGLAB_HOME = home;
  });
  afterEach(() => {
    delete process.env.PGLAB_HOME;
    rmSync(home, { recursive: true, force: true });
  });
  return () => home;
}
