// Downloads the IMDb files into a cache: skips complete files, resumes partial ones with Range, checks gzip integrity.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { UserError } from '../common/errors.js';
import { IMDB_FILE_NAMES } from './imdb-files.js';

export const IMDB_BASE_URL = 'https://datasets.imdbws.com/';

export interface FetchImdbOptions {
  cacheDir: string;
  baseUrl?: string;
  /** Default: all seven files. */
  files?: string[];
  /** At most ~4 calls a second per file, plus one at the end. `total` is null when the server does not say. */
  onProgress?: (file: string, bytes: number, total: number | null, bytesPerSec: number) => void;
  signal?: AbortSignal;
  /** Re-read cached files and compare their sha256 with the one recorded at download; a mismatch is fetched again. */
  recheck?: boolean;
}

export interface FetchedFile {
  file: string;
  bytes: number;
  /** Already complete in the cache; nothing was downloaded. */
  skipped: boolean;
  /** Continued a partial download with a Range request. */
  resumed: boolean;
}

/** Written beside each complete file: what was downloaded, so later runs can trust the cache. */
interface CacheMeta {
  url: string;
  bytes: number;
  sha256: string;
  etag: string | null;
  lastModified: string | null;
  fetchedAt: string;
}

/** Kept beside a partial download so a resume only continues the same version of the file. */
interface PartMeta {
  url: string;
  etag: string | null;
  lastModified: string | null;
}

const PROGRESS_MS = 250;
const OFFLINE_HINT = 'no network? generate an offline sample with `pglab imdb sample` and load that instead';

async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return null;
  }
}

async function sizeOf(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch {
    return null;
  }
}

function networkError(url: string, err: unknown, partial: boolean): UserError {
  const detail = (err as { code?: string }).code ?? (err as Error).message;
  return new UserError(
    `cannot download ${url}: ${detail}${partial ? ' (the part received so far is kept; running fetch again resumes it)' : ''}`,
    OFFLINE_HINT,
  );
}

/** Reads the whole file through gunzip: a truncated or corrupted download fails here. Returns its sha256. */
async function checkGzip(path: string): Promise<string> {
  const hash = createHash('sha256');
  const hashing = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  await pipeline(createReadStream(path), hashing, createGunzip(), new Writable({ write: (_c, _e, cb) => cb() }));
  return hash.digest('hex');
}

/** GET with node:http(s): unlike fetch's web streams, bytes that arrived before a dropped connection are not discarded. */
async function get(url: string, headers: Record<string, string>, signal: AbortSignal | undefined, redirects = 5): Promise<IncomingMessage> {
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = (url.startsWith('https:') ? httpsGet : httpGet)(url, { headers, signal }, resolve);
    req.on('error', reject);
  });
  const location = res.headers.location;
  if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && location && redirects > 0) {
    res.resume();
    return get(new URL(location, url).toString(), headers, signal, redirects - 1);
  }
  return res;
}

interface Attempt {
  resumed: boolean;
  etag: string | null;
  lastModified: string | null;
}

async function download(url: string, file: string, part: string, opts: FetchImdbOptions, allowResume: boolean): Promise<Attempt> {
  const partMetaPath = `${part}.json`;
  const have = allowResume ? ((await sizeOf(part)) ?? 0) : 0;
  const partMeta = have > 0 ? await readJson<PartMeta>(partMetaPath) : null;
  const headers: Record<string, string> = {};
  if (have > 0 && partMeta?.url === url) {
    headers.range = `bytes=${have}-`;
    // If-Range: the server sends the whole new file instead of a tail of a different version.
    const validator = partMeta.etag ?? partMeta.lastModified;
    if (validator) headers['if-range'] = validator;
  }

  let res: IncomingMessage;
  try {
    res = await get(url, headers, opts.signal);
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    throw networkError(url, err, have > 0);
  }
  const status = res.statusCode ?? 0;
  if (status === 416 && headers.range) {
    res.resume();
    return { resumed: true, etag: partMeta?.etag ?? null, lastModified: partMeta?.lastModified ?? null }; // we already have it all
  }
  if (status !== 200 && status !== 206) {
    res.resume();
    const hint = status === 404 ? `check the file name and the base URL (${opts.baseUrl ?? IMDB_BASE_URL})` : 'try again later';
    throw new UserError(`GET ${url} answered ${status} ${res.statusMessage ?? ''}`.trimEnd(), `${hint}; or work offline with \`pglab imdb sample\``);
  }
  const resumed = status === 206 && Boolean(headers.range);
  if (status === 206 && !resumed) throw new UserError(`GET ${url} answered 206 to a request without Range`, 'the server is not an IMDb mirror');
  if (resumed) {
    const start = /^bytes (\d+)-/.exec(res.headers['content-range'] ?? '')?.[1];
    if (Number(start) !== have) {
      res.resume();
      throw new UserError(`GET ${url} resumed at byte ${start ?? '?'} instead of ${have}`, 'delete the .part file in the cache and fetch again');
    }
  }
  const etag = res.headers.etag ?? null;
  const lastModified = res.headers['last-modified'] ?? null;

  const offset = resumed ? have : 0;
  const length = Number(res.headers['content-length'] ?? NaN);
  const total = Number.isFinite(length) ? offset + length : null;
  let received = 0;
  const started = Date.now();
  let lastReport = 0;
  const report = (force: boolean): void => {
    const now = Date.now();
    if (!opts.onProgress || (!force && now - lastReport < PROGRESS_MS)) return;
    lastReport = now;
    opts.onProgress(file, offset + received, total, received / Math.max(0.001, (now - started) / 1000));
  };
  // pipe() hands each chunk to the file as it arrives; on a dropped connection the file is ended, not destroyed,
  // so everything received so far is on disk for the resume.
  // No await between receiving the response and attaching these handlers: a close in between would go unnoticed.
  const response = res;
  const body = new Promise<void>((resolve, reject) => {
    const file = createWriteStream(part, { flags: resumed ? 'a' : 'w' });
    let failure: unknown = null;
    const fail = (err: unknown): void => {
      if (failure) return;
      failure = err;
      response.unpipe(file);
      file.end();
    };
    response.on('data', (chunk: Buffer) => {
      received += chunk.length;
      report(false);
    });
    // 'close' always comes; `complete` says whether the whole message arrived.
    response.on('close', () => {
      if (!response.complete) fail(new Error('connection closed early'));
    });
    response.on('error', fail);
    file.on('error', reject);
    file.on('finish', () => {
      if (!failure) resolve();
      else reject(opts.signal?.aborted ? opts.signal.reason : networkError(url, failure, true));
    });
    response.pipe(file);
  });
  body.catch(() => undefined); // awaited below; keeps a failure during the metadata write from counting as unhandled
  await writeFile(partMetaPath, JSON.stringify({ url, etag, lastModified } satisfies PartMeta));
  await body;
  report(true);
  if (total !== null && offset + received !== total) {
    throw new UserError(
      `download of ${url} stopped at ${offset + received} of ${total} bytes (the part is kept; running fetch again resumes it)`,
      OFFLINE_HINT,
    );
  }
  return { resumed, etag, lastModified };
}

async function fetchOne(file: string, opts: FetchImdbOptions): Promise<FetchedFile> {
  const base = opts.baseUrl ?? IMDB_BASE_URL;
  const url = new URL(file, base.endsWith('/') ? base : `${base}/`).toString();
  const final = join(opts.cacheDir, file);
  const metaPath = `${final}.json`;
  const part = `${final}.part`;

  const size = await sizeOf(final);
  const meta = await readJson<CacheMeta>(metaPath);
  if (size !== null && meta && meta.bytes === size) {
    const intact = !opts.recheck || (await checkGzip(final).catch(() => null)) === meta.sha256;
    if (intact) {
      opts.onProgress?.(file, size, size, 0);
      return { file, bytes: size, skipped: true, resumed: false };
    }
    // Damaged since it was downloaded (disk, an editor): nothing of it can be trusted, so start over.
    await rm(final, { force: true });
    await rm(metaPath, { force: true });
    return fetchOne(file, opts);
  }
  if (size !== null) await rename(final, part); // a file without matching metadata is treated as a partial download

  let attempt = await download(url, file, part, opts, true);
  let sha256: string;
  try {
    sha256 = await checkGzip(part);
  } catch (err) {
    if (!attempt.resumed) {
      await rm(part, { force: true });
      await rm(`${part}.json`, { force: true });
      throw new UserError(`downloaded ${url} is not a valid gzip file (${(err as Error).message}); removed it from the cache`, 'run `pglab imdb fetch` again; if it keeps failing, use `pglab imdb sample` offline');
    }
    // The kept part and the new tail did not fit together (e.g. the file changed without a validator): start over once.
    await rm(part, { force: true });
    attempt = await download(url, file, part, opts, false);
    try {
      sha256 = await checkGzip(part);
    } catch (err2) {
      await rm(part, { force: true });
      await rm(`${part}.json`, { force: true });
      throw new UserError(`downloaded ${url} is not a valid gzip file (${(err2 as Error).message}); removed it from the cache`, 'run `pglab imdb fetch` again; if it keeps failing, use `pglab imdb sample` offline');
    }
    attempt = { ...attempt, resumed: false };
  }
  const bytes = (await stat(part)).size;
  await rename(part, final);
  await rm(`${part}.json`, { force: true });
  const cacheMeta: CacheMeta = { url, bytes, sha256, etag: attempt.etag, lastModified: attempt.lastModified, fetchedAt: new Date().toISOString() };
  await writeFile(metaPath, `${JSON.stringify(cacheMeta, null, 2)}\n`);
  return { file, bytes, skipped: false, resumed: attempt.resumed };
}

export async function fetchImdb(opts: FetchImdbOptions): Promise<FetchedFile[]> {
  const files = opts.files ?? [...IMDB_FILE_NAMES];
  const unknown = files.filter((f) => !IMDB_FILE_NAMES.includes(f));
  if (unknown.length > 0) throw new UserError(`unknown IMDb file ${unknown.join(', ')}`, `choose from ${IMDB_FILE_NAMES.join(', ')}`);
  await mkdir(opts.cacheDir, { recursive: true });
  const results: FetchedFile[] = [];
  // One at a time: the IMDb server is the bottleneck, and a clean per-file progress line is easier to follow.
  for (const file of files) results.push(await fetchOne(file, opts));
  return results;
}
