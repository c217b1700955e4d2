// Where mongod comes from: the order of flag, env, cache and download; what a given file must be; the one refusal.
// The tarballs here are tiny ones made with tar: the checks read their listing, nothing is ever started.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../../../common/errors.js';
import { downloadMongoTarball, parseSha256File } from '../../../../lab/roles/mongo/tarball-download.js';
import { cachedTarballPath, MONGO_DOWNLOAD_URL, MONGO_TARBALL_NAME, MONGO_VERSION, resolveMongoTarball } from '../../../../lab/roles/mongo/tarball.js';
import { installMongod, mongodServerDir } from '../../../../lab/roles/mongo/install.js';

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'pglab-mongo-tarball-'));
  process.env.PGLAB_HOME = home;
});
afterEach(() => {
  delete process.env.PGLAB_HOME;
  rmSync(home, { recursive: true, force: true });
});

/** A gzip tar with the server's layout; `withMongod: false` leaves bin/mongod out. */
function makeTarball(name: string, withMongod = true): string {
  const src = join(home, `src-${name}`);
  const top = join(src, `mongodb-linux-x86_64-debian12-${MONGO_VERSION}`);
  mkdirSync(join(top, 'bin'), { recursive: true });
  writeFileSync(join(top, 'LICENSE-Community.txt'), 'license\n');
  if (withMongod) writeFileSync(join(top, 'bin', 'mongod'), '#!/bin/sh\necho not a real mongod\n', { mode: 0o755 });
  const file = join(home, name);
  execFileSync('tar', ['czf', file, '-C', src, '.']);
  return file;
}

const refusal = async (p: Promise<unknown>): Promise<UserError> => {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(UserError);
  return err as UserError;
};

describe('resolving the MongoDB server tarball', () => {
  it('pins one 8.0 release and downloads it from MongoDB\'s release host', () => {
    expect(MONGO_VERSION).toMatch(/^8\.0\.\d+$/);
    expect(MONGO_DOWNLOAD_URL).toBe(`https://fastdl.mongodb.org/linux/mongodb-linux-x86_64-debian12-${MONGO_VERSION}.tgz`);
    expect(cachedTarballPath()).toBe(join(home, 'cache', 'mongodb', MONGO_TARBALL_NAME));
  });

  it('takes the flag before the environment, the environment before the cache', async () => {
    const flag = makeTarball('flag.tgz');
    const env = makeTarball('env.tgz');
    mkdirSync(join(home, 'cache', 'mongodb'), { recursive: true });
    writeFileSync(cachedTarballPath(), readFileSync(makeTarball('cached.tgz')));
    expect(await resolveMongoTarball({ flag, env })).toMatchObject({ path: flag, origin: 'flag', mongodMember: `./mongodb-linux-x86_64-debian12-${MONGO_VERSION}/bin/mongod` });
    expect(await resolveMongoTarball({ env })).toMatchObject({ path: env, origin: 'env' });
    expect(await resolveMongoTarball({})).toMatchObject({ path: cachedTarballPath(), origin: 'cache' });
  });

  it('does not download when a local tarball exists', async () => {
    const flag = makeTarball('flag.tgz');
    let downloads = 0;
    await resolveMongoTarball({ flag, download: async () => void downloads++ });
    expect(downloads).toBe(0);
  });

  it('refuses a named file that does not exist instead of falling through to the next source', async () => {
    const err = await refusal(resolveMongoTarball({ flag: join(home, 'missing.tgz'), env: makeTarball('env.tgz') }));
    expect(err.message).toBe(`--mongo-tarball names ${join(home, 'missing.tgz')}, which is not a file`);
    expect((await refusal(resolveMongoTarball({ env: join(home, 'nope.tgz') }))).message).toMatch(/^PGLAB_MONGO_TARBALL names /);
  });

  it('refuses a gzip tar without bin/mongod, and a file that is no gzip tar at all', async () => {
    const noMongod = makeTarball('tools.tgz', false);
    expect((await refusal(resolveMongoTarball({ flag: noMongod }))).message).toBe(`${noMongod} (flag) has no bin/mongod: it is not a MongoDB server tarball`);
    const text = join(home, 'notes.tgz');
    writeFileSync(text, 'hello');
    expect((await refusal(resolveMongoTarball({ flag: text }))).message).toMatch(/notes\.tgz \(flag\) is not a gzip tar archive/);
  });

  it('without any source refuses with one message naming the cache path, the flag and the variable', async () => {
    const err = await refusal(resolveMongoTarball({}));
    expect(err.message).toBe(`no MongoDB server tarball: none given and none at ${cachedTarballPath()}`);
    expect(err.hint).toContain(`put ${MONGO_TARBALL_NAME} (from ${MONGO_DOWNLOAD_URL}) at ${cachedTarballPath()}`);
    expect(err.hint).toContain('--mongo-tarball FILE');
    expect(err.hint).toContain('PGLAB_MONGO_TARBALL=FILE');
  });

  it('a failed download is the same refusal, with the reason', async () => {
    const err = await refusal(resolveMongoTarball({ download: async () => Promise.reject(new Error('fastdl.mongodb.org: no answer within 5 s')) }));
    expect(err.message).toBe('no MongoDB server tarball: none given, none cached, and the download failed (fastdl.mongodb.org: no answer within 5 s)');
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
    const found = await resolveMongoTarball({ download: (dest) => downloadMongoTarball(dest, { url }) });
    expect(found).toMatchObject({ path: cachedTarballPath(), origin: 'download' });
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
    const found = await resolveMongoTarball({ flag });
    const first = await installMongod(found);
    expect(first.changed).toBe(true);
    expect(first.dir).toMatch(/cache\/mongodb\/server-[0-9a-f]{12}$/);
    expect(statSync(join(first.dir, 'bin', 'mongod')).mode & 0o111).not.toBe(0);
    expect(await installMongod(found)).toEqual({ dir: first.dir, changed: false });
    expect(mongodServerDir()).toBe(first.dir);
  });
});
