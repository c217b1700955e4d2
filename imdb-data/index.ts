// Public API of imdb-data: what the CLI tasks call (fetch, sample, load, verify) and the types they show.
export { fetchImdb, IMDB_BASE_URL, type FetchImdbOptions, type FetchedFile } from './fetch-imdb.js';
export { generateSample, sampleCounts, type GenerateSampleOptions, type GeneratedFile } from './generate-sample.js';
export { loadPostgres, type LoadPostgresOptions, type LoadPostgresResult, type LoadedTable } from './load-postgres.js';
export { verifyPostgres, type VerifyPostgresOptions, type VerifyCheck } from './verify-postgres.js';
export { loadJsonb, type LoadJsonbOptions, type LoadJsonbResult, type LoadedDocumentTable } from './load-jsonb.js';
export { verifyJsonb, type VerifyJsonbOptions } from './verify-jsonb.js';
export { DOCUMENT_INDEXES, JSONB_SCHEMA } from './jsonb-model.js';
// MongoDB (load-mongo.ts, verify-mongo.ts, mongo-model.ts) is imported from its own modules: the driver takes
// ~0.2 s to load, which every pglab command would pay through this index.
export { IMDB_FILES, IMDB_FILE_NAMES, type ImdbFileSpec } from './imdb-files.js';
export { DEFAULT_MAX_BAD_LINES, type BadLine } from './bad-lines.js';
export { DEFAULT_SCHEMA } from './schema-sql.js';
