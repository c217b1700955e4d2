// Downloads the pinned MongoDB server tarball and checks it against the .sha256 file MongoDB publishes next to it.
// A host that cannot reach MongoDB's servers (this CI host) fails within the connect timeout, not after minutes.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MONGO_DOWNLOAD_URL } from './tarball.js';

export interface DownloadOptions {
  url?: string;
  /** Until the server answers with headers (default 5 s). */
  connectTimeoutMs?: number;
  /** The whole tarball (default 10 min). */
  totalTimeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (bytes: number) => void;
}

async function get(url: string, connectMs: number, body: AbortSignal): Promise<Response> {
  const connect = AbortSignal.timeout(connectMs);
  const res = await fetch(url, { signal: AbortSignal.any([connect, body]) }).catch((err: Error) => {
    throw new Error(connect.aborted ? `${url}: no answer within ${connectMs / 1000} s` : `${url}: ${(err.cause as Error | undefined)?.message ?? err.message}`);
  });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res;
}

/** The hex digest from a `sha256sum`-style line. */
export function parseSha256File(text: string): string {
  const digest = text.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  if (!/^[0-9a-f]{64}$/.test(digest)) throw new Error(`the published checksum file does not start with a sha256 digest: "${text.slice(0, 80)}"`);
  return digest;
}

export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** Writes `dest` only when complete and matching the published digest. */
export async function downloadMongoTarball(dest: string, o: DownloadOptions = {}): Promise<void> {
  const url = o.url ?? MONGO_DOWNLOAD_URL;
  const connectMs = o.connectTimeoutMs ?? 5000;
  const body = AbortSignal.any([AbortSignal.timeout(o.totalTimeoutMs ?? 600_000), ...(o.signal ? [o.signal] : [])]);
  const expected = parseSha256File(await (await get(`${url}.sha256`, connectMs, body)).text());
  const res = await get(url, connectMs, body);
  if (!res.body) throw new Error(`${url}: empty response`);
  await mkdir(dirname(dest), { recursive: true });
  const partial = `${dest}.partial`;
  let bytes = 0;
  try {
    const counted = Readable.fromWeb(res.body as never).on('data', (chunk: Buffer) => o.onProgress?.((bytes += chunk.length)));
    await pipeline(counted, createWriteStream(partial));
    const actual = await sha256OfFile(partial);
    if (actual !== expected) throw new Error(`${url}: sha256 ${actual} does not match the published ${expected}`);
    await rename(partial, dest);
  } finally {
    await rm(partial, { force: true });
  }
}
