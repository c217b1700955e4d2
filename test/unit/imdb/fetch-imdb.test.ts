// fetchImdb against a local HTTP server on 127.0.0.1: complete, cached, resumed, changed upstream, corrupted, offline.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../../common/errors.js';
import { fetchImdb } from '../../../imdb-data/fetch-imdb.js';

interface Served {
  body: Buffer;
  etag: string;
  /** Close the connection after this many body bytes (simulates a dropped download). */
  cutAfter?: number;
}

const files = new Map<string, Served>();
const requests: { path: string; headers: IncomingHttpHeaders }[] = [];
let server: Server;
let baseUrl: string;
let cache: string;

/** A gzip file big enough to arrive in several chunks, and incompressible enough to stay big. */
function gz(seed: number, lines = 20000): Buffer {
  let text = 'tconst\taverageRating\tnumVotes\n';
  let x = seed;
  for (let i = 0; i < lines; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    text += `tt${String(i).padStart(7, '0')}\t${(x % 100) / 10}\t${x}\n`;
  }
  return gzipSync(text);
}

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push({ path: req.url ?? '', headers: req.headers });
    const served = files.get((req.url ?? '').slice(1));
    if (!served) {
      res.writeHead(404).end('not found');
      return;
    }
    const { body, etag } = served;
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    if (range && (!ifRange || ifRange === etag)) {
      start = Number(range[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, { etag, 'content-length': body.length - start, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` });
    } else {
      res.writeHead(200, { etag, 'content-length': body.length });
    }
    const slice = body.subarray(start);
    if (served.cutAfter !== undefined) {
      res.write(slice.subarray(0, served.cutAfter), () => res.destroy());
      delete served.cutAfter; // only the first attempt is cut
      return;
    }
    res.end(slice);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(async () => {
  files.clear();
  requests.length = 0;
  cache = await mkdtemp(join(tmpdir(), 'pglab-fetch-'));
});

afterEach(async () => {
  await rm(cache, { recursive: true, force: true });
});

describe('fetchImdb', () => {
  it('downloads, reports progress with a total, then serves from the cache without asking the server', async () => {
    files.set('title.ratings.tsv.gz', { body: gz(1), etag: '"r1"' });
    files.set('title.crew.tsv.gz', { body: gz(2), etag: '"c1"' });
    const progress: { file: string; bytes: number; total: number | null }[] = [];
    const first = await fetchImdb({
      cacheDir: cache,
      baseUrl,
      files: ['title.ratings.tsv.gz', 'title.crew.tsv.gz'],
      onProgress: (file, bytes, total) => progress.push({ file, bytes, total }),
    });
    expect(first).toEqual([
      { file: 'title.ratings.tsv.gz', bytes: files.get('title.ratings.tsv.gz')!.body.length, skipped: false, resumed: false },
      { file: 'title.crew.tsv.gz', bytes: files.get('title.crew.tsv.gz')!.body.length, skipped: false, resumed: false },
    ]);
    expect(await readFile(join(cache, 'title.ratings.tsv.gz'))).toEqual(files.get('title.ratings.tsv.gz')!.body);
    const last = progress.filter((p) => p.file === 'title.ratings.tsv.gz').at(-1);
    expect(last).toEqual({ file: 'title.ratings.tsv.gz', bytes: files.get('title.ratings.tsv.gz')!.body.length, total: files.get('title.ratings.tsv.gz')!.body.length });
    const meta = JSON.parse(await readFile(join(cache, 'title.ratings.tsv.gz.json'), 'utf8')) as { sha256: string; etag: string };
    expect(meta.etag).toBe('"r1"');
    expect(meta.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await readdir(cache)).filter((f) => f.includes('.part'))).toEqual([]);

    requests.length = 0;
    const second = await fetchImdb({ cacheDir: cache, baseUrl, files: ['title.ratings.tsv.gz', 'title.crew.tsv.gz'] });
    expect(second.map((r) => r.skipped)).toEqual([true, true]);
    expect(requests).toEqual([]);
  });

  it('with recheck, finds a cached file damaged since its download and fetches it again', async () => {
    const body = gz(8);
    files.set('title.ratings.tsv.gz', { body, etag: '"r8"' });
    await fetchImdb({ cacheDir: cache, baseUrl, files: ['title.ratings.tsv.gz'] });
    const { writeFile } = await import('node:fs/promises');
    const damaged = Buffer.from(body);
    damaged[damaged.length >> 1] = damaged[damaged.length >> 1]! ^ 0xff; // same size: only the hash can tell
    await writeFile(join(cache, 'title.ratings.tsv.gz'), damaged);
    requests.length = 0;
    const [unchecked] = await fetchImdb({ cacheDir: cache, baseUrl, files: ['title.ratings.tsv.gz'] });
    expect(unchecked?.skipped).toBe(true);
    const [checked] = await fetchImdb({ cacheDir: cache, baseUrl, files: ['title.ratings.tsv.gz'], recheck: true });
    expect(checked).toEqual({ file: 'title.ratings.tsv.gz', bytes: body.length, skipped: false, resumed: false });
    expect(requests).toHaveLength(1);
    expect(await readFile(join(cache, 'title.ratings.tsv.gz'))).toEqual(body);
    const [again] = await fetchImdb({ cacheDir: cache, baseUrl, files: ['title.ratings.tsv.gz'], recheck: true });
    expect(again?.skipped).toBe(true);
  });

  it('keeps the part of a dropped download and resumes it with a Range request', async () => {
    const body = gz(3);
    files.set('title.akas.tsv.gz', { body, etag: '"a1"', cutAfter: 10_000 });
    const err = await fetchImdb({ cacheDir: cache, baseUrl, files: ['title.akas.tsv.gz'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toContain('running fetch again resumes it');
    const kept = (await stat(join(cache, 'title.akas.tsv.gz.part'))).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(body.length);

    requests.length = 0;
    const [result] = await fetchImdb({ cacheDir: cache, baseUrl, files: ['title.akas.tsv.gz'] });
    expect(result).toEqual({ file: 'title.akas.tsv.gz', bytes: body.length, skipped: false, resumed: true });
    expect(requests.map((r) => [r.headers.range, r.headers['if-range']])).toEqual([[`bytes=${kept}-`, '"a1"']]);
    expect(await readFile(join(cache, 'title.akas.tsv.gz'))).toEqual(body);
  });

  it('starts over when the file changed upstream since the partial download', async () => {
    files.set('title.akas.tsv.gz', { body: gz(4), etag: '"old"', cutAfter: 5_000 });
    await fetchImdb({ cacheDir: cache, baseUrl, files: ['title.akas.tsv.gz'] }).catch(() => undefined);
    const fresh = gz(5);
    files.set('title.akas.tsv.gz', { body: fresh, etag: '"new"' });
    const [result] = await fetchImdb({ cacheDir: cache, baseUrl, files: ['title.akas.tsv.gz'] });
    expect(result?.resumed).toBe(false);
    expect(await readFile(join(cache, 'title.akas.tsv.gz'))).toEqual(fresh);
  });

  it('treats a file in the cache without metadata as partial, and finishes it', async () => {
    const body = gz(6);
    files.set('title.episode.tsv.gz', { body, etag: '"e1"' });
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(cache, 'title.episode.tsv.gz'), body.subarray(0, 3000));
    const [result] = await fetchImdb({ cacheDir: cache, baseUrl, files: ['title.episode.tsv.gz'] });
    expect(result?.skipped).toBe(false);
    expect(await readFile(join(cache, 'title.episode.tsv.gz'))).toEqual(body);
  });

  it('rejects a corrupted download and leaves nothing in the cache that looks complete', async () => {
    const body = Buffer.from(gz(7));
    for (let i = 2000; i < 2100; i++) body[i] = body[i]! ^ 0xff;
    files.set('title.basics.tsv.gz', { body, etag: '"b1"' });
    const err = await fetchImdb({ cacheDir: cache, baseUrl, files: ['title.basics.tsv.gz'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toMatch(/^downloaded http:\/\/127\.0\.0\.1:\d+\/title\.basics\.tsv\.gz is not a valid gzip file/);
    expect(await readdir(cache)).toEqual([]);
  });

  it('says what to do when the server cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const err = await fetchImdb({ cacheDir: cache, baseUrl: `http://127.0.0.1:${port}/`, files: ['title.ratings.tsv.gz'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toBe(`cannot download http://127.0.0.1:${port}/title.ratings.tsv.gz: ECONNREFUSED`);
    expect((err as UserError).hint).toContain('pglab imdb sample');
  });

  it('reports a missing file on the server and an unknown file name as user errors', async () => {
    const err = await fetchImdb({ cacheDir: cache, baseUrl, files: ['title.crew.tsv.gz'] }).catch((e: unknown) => e);
    expect((err as UserError).message).toMatch(/title\.crew\.tsv\.gz answered 404/);
    await expect(fetchImdb({ cacheDir: cache, baseUrl, files: ['title.nope.tsv.gz'] })).rejects.toThrow('unknown IMDb file title.nope.tsv.gz');
  });
});
