// Public API of imdb-data: what the CLI tasks call (fetch, sample, load, verify) and the types they show.
export { fetchImdb, IMDB_BASE_URL, type FetchImdbOptions, type FetchedFile } from './fetch-imdb.js';
export { generateSample, sampleCounts, type GenerateSampleOptions, type GeneratedFile } from './generate-sample.js';
export { loadPostgres, type LoadPostgresOptions, type LoadPostgresResult, type LoadedTable } from './load-postgres.js';
export { verifyPostgres, type VerifyPostgresOptions, type VerifyCheck } from './verify-postgres.js';
export { loadMongo, readMongoDocuments, type LoadMongoOptions, type LoadMongoResult } from './load-mongo.js';
export { verifyMongo, type VerifyMongoOptions } from './verify-mongo.js';
export { MONGO_INDEXES, type TitleDocument, type PersonDocument } from './mongo-model.js';
export { IMDB_FILES, IMDB_FILE_NAMES, type ImdbFileSpec } from './imdb-files.js';
export { DEFAULT_MAX_BAD_LINES, type BadLine } from './bad-lines.js';
export { DEFAULT_SCHEMA } from './schema-sql.js';
