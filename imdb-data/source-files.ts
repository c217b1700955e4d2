// Finds the seven IMDb files in a directory and turns gzip failures into errors that say which file and what to do.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../common/errors.js';
import { IMDB_FILES, type ImdbFileSpec } from './imdb-files.js';

export interface SourceFile {
  spec: ImdbFileSpec;
  path: string;
  /** Compressed size on disk. */
  size: number;
}

export async function findSourceFiles(sourceDir: string): Promise<SourceFile[]> {
  const found: SourceFile[] = [];
  const missing: string[] = [];
  for (const spec of IMDB_FILES) {
    const path = join(sourceDir, spec.file);
    try {
      found.push({ spec, path, size: (await stat(path)).size });
    } catch {
      missing.push(spec.file);
    }
  }
  if (missing.length > 0) {
    throw new UserError(
      `${sourceDir} lacks ${missing.join(', ')}`,
      'download the IMDb files with `pglab imdb fetch` or generate an offline sample with `pglab imdb sample`',
    );
  }
  return found;
}

/** zlib reports truncation and corruption with these codes. */
export function isGzipError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR' || code === 'ERR_ZLIB_INITIALIZATION_FAILED';
}

export function gzipUserError(path: string, err: unknown): UserError {
  return new UserError(
    `${path} is not a complete gzip file (${(err as Error).message})`,
    'download it again with `pglab imdb fetch` or regenerate the sample with `pglab imdb sample`',
  );
}
