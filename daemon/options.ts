// Daemon and CLI options: a JSON config file merged with command-line flags (flags win), validated by zod.
import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { parseDuration } from '../common/duration.js';
import { UserError } from '../common/errors.js';

const duration = (what: string) =>
  z.union([z.number().nonnegative(), z.string()]).transform((v, ctx) => {
    if (typeof v === 'number') return v;
    try {
      return parseDuration(v, what);
    } catch {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `invalid duration "${v}" (write 500ms, 10s, 2m)` });
      return z.NEVER;
    }
  });
const list = z.union([z.array(z.string()), z.string()]).transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean));
const port = z.coerce.number().int().min(1).max(65535);
const etcdUrls = list.pipe(z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'etcd endpoints look like http://10.42.0.20:2379')).min(1));

/** Keys every command accepts (connection to the cluster). */
export const commonSchema = z.object({
  config: z.string().optional(),
  cluster: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'cluster names are lower-case letters, digits, - and _').default('pglab'),
  etcd: etcdUrls.default('http://127.0.0.1:2379'),
  etcdTimeout: duration('etcd timeout').default('1s'),
});

export const daemonSchema = commonSchema
  .extend({
    node: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'node names are lower-case letters, digits, - and _'),
    dataDir: z.string().min(1),
    binDir: z.string().default('/usr/lib/postgresql/15/bin'),
    pgPort: port.default(5432),
    connectHost: z.string().min(1),
    socketDir: z.string().default('/var/run/postgresql'),
    pgLog: z.string().optional(),
    allowCidr: list.optional(),
    listen: z.string().regex(/^[^:]+:\d+$/, 'listen is HOST:PORT, e.g. 0.0.0.0:8008').default('0.0.0.0:8008'),
    apiUrl: z.string().optional(),
    secrets: z.string().min(1),
    /** A command run when this node starts or stops answering /primary: args primary|not-primary, node, other members. */
    onRoleChange: z.string().min(1).optional(),
    ttl: duration('ttl').default('1s'),
    loop: duration('loop').default('500ms'),
    failoverTimeout: duration('failover timeout').default('10s'),
    rewindAfter: duration('rewind-after').default('5s'),
    fenceMargin: duration('fence margin').default('200ms'),
    noFailover: z.coerce.boolean().default(false),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.ttl < 1000) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['ttl'], message: 'ttl must be at least 1s (etcd leases count whole seconds)' });
    if (o.fenceMargin >= Math.ceil(o.ttl / 1000) * 1000 / 2) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['fenceMargin'], message: 'fenceMargin must be under half the ttl' });
    if (o.loop < 20 || o.loop > o.ttl) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['loop'], message: 'loop must be between 20ms and the ttl' });
  });
export type DaemonOptions = z.output<typeof daemonSchema>;

/** Reads --config (if any) and lays the given flags over it; unknown keys are errors. */
export function mergeOptions(flags: Record<string, unknown>): Record<string, unknown> {
  const file = typeof flags['config'] === 'string' ? flags['config'] : undefined;
  let fromFile: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UserError(`cannot read config file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      fromFile = parsed as Record<string, unknown>;
    } catch (err) {
      throw new UserError(`config file ${file} is not a JSON object: ${(err as Error).message}`);
    }
  }
  const given = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
  return { ...fromFile, ...given };
}

/** Validates merged options; the first problem becomes one line naming the key. */
export function validate<S extends z.ZodTypeAny>(schema: S, merged: Record<string, unknown>): z.output<S> {
  const r = schema.safeParse(merged);
  if (r.success) return r.data as z.output<S>;
  const issue = r.error.issues[0];
  if (!issue) throw new UserError('invalid options');
  const key = issue.path.join('.');
  const flag = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  if (issue.code === z.ZodIssueCode.unrecognized_keys)
    throw new UserError(`unknown option(s) ${issue.keys.join(', ')}`, 'see pgdaemon daemon --help for the accepted keys');
  if (issue.code === z.ZodIssueCode.invalid_type && issue.received === 'undefined')
    throw new UserError(`missing --${flag} (or "${key}" in the config file)`);
  throw new UserError(`invalid --${flag}: ${issue.message}`);
}

export const secretsSchema = z
  .object({
    superuserPassword: z.string().min(8),
    replicationPassword: z.string().min(8),
    apiToken: z.string().min(16),
    appPassword: z.string().min(8).optional(),
  })
  .strict();
export type Secrets = z.infer<typeof secretsSchema>;

export function readSecrets(file: string): Secrets {
  let text: string;
  try {
    if ((statSync(file).mode & 0o077) !== 0) throw new UserError(`secrets file ${file} is readable by group or others`, `chmod 600 ${file}`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`cannot read secrets file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new UserError(`secrets file ${file} is not JSON`);
  }
  const r = secretsSchema.safeParse(data);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new UserError(`secrets file ${file}: ${i ? `${i.path.join('.') || 'keys'} ${i.message}` : 'invalid'}`, 'expected {"superuserPassword","replicationPassword","apiToken"} (apiToken ≥ 16 chars, passwords ≥ 8)');
  }
  return r.data;
}

/** "16MB" / "1GB" / "1048576" → bytes. */
export function parseBytes(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(text);
  if (!m) return null;
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b'];
  return Math.round(Number(m[1]) * unit);
}
