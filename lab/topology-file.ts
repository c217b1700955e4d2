// Reads a topology YAML file strictly: unknown keys, wrong types and impossible
// sizes are all reported together, each with its line and field.
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import { z } from 'zod';
import { UserError } from '../common/errors.js';
import { buildTopology, DEFAULT_SIZES, HA_MANAGERS, PATRONI_DEFAULTS, patroniTimingProblems, ROLE_LAYOUT, type Topology } from './topology.js';

const size = (role: keyof typeof ROLE_LAYOUT, min: number) =>
  z.number().int().min(min).max(ROLE_LAYOUT[role].max);

export const topologyFileSchema = z
  .object({
    cluster: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, 'lowercase letters, digits and dashes, starting with a letter').optional(),
    replication: z.enum(['async', 'sync']).optional(),
    /** Which HA manager runs PostgreSQL on the pg machines (docs/patroni.md). */
    ha: z.enum(HA_MANAGERS).optional(),
    /** Patroni's timing (used when ha is patroni); each field Patroni's documented minimum and default apply to. */
    patroni: z
      .object({
        ttl: z.number().int().min(20, "Patroni's documented minimum ttl is 20 s").max(3600),
        loopWait: z.number().int().min(1, "Patroni's documented minimum loop_wait is 1 s").max(600),
        retryTimeout: z.number().int().min(3, "Patroni's documented minimum retry_timeout is 3 s").max(600),
        maximumLagOnFailover: z.number().int().min(0).max(2 ** 40),
      })
      .strict()
      .partial()
      .optional(),
    /** Each PostgreSQL node's data lives on its own file system of this size (a sparse loop-mounted image). */
    postgresDataMb: z.number().int().min(512).max(1_048_576).optional(),
    subnet: z
      .string()
      .regex(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.0\/24$/, 'a /24 network such as 10.42.0.0/24')
      .refine((s) => s.split('/')[0]!.split('.').every((o) => Number(o) <= 255), 'octets must be 0–255')
      .optional(),
    machines: z
      .object({
        postgres: size('postgres', 1),
        etcd: size('etcd', 1).refine((n) => n % 2 === 1, 'an etcd cluster needs an odd number of members'),
        haproxy: size('haproxy', 0),
        mongo: size('mongo', 0),
      })
      .strict()
      .partial()
      .optional(),
    etcd: z
      .object({
        heartbeatMs: z.number().int().min(10).max(5000),
        electionMs: z.number().int().min(100).max(50000),
      })
      .strict()
      .partial()
      .optional(),
  })
  .strict();

export type TopologyFile = z.infer<typeof topologyFileSchema>;

/** Parses YAML text; `source` names the file in messages. */
export function parseTopology(text: string, source: string): Topology {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const pos = lineCounter.linePos(e.pos[0]);
      return `${source}:${pos.line}:${pos.col}: ${e.message.split('\n')[0]}`;
    });
    throw new UserError(`the topology file is not valid YAML:\n  ${problems.join('\n  ')}`, 'fix the YAML syntax');
  }
  const data: unknown = doc.toJS() ?? {};
  const parsed = topologyFileSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      // An unknown key is reported on its own line, not its parent's.
      const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] as string] : issue.path;
      const line = lineOf(doc, path, lineCounter);
      const field = path.join('.') || '(top level)';
      return `${source}${line ? `:${line}` : ''}: ${field}: ${issue.message}`;
    });
    throw new UserError(
      `the topology file has ${problems.length} problem${problems.length > 1 ? 's' : ''}:\n  ${problems.join('\n  ')}`,
      'see docs/topology.md for the fields and their limits',
    );
  }
  const file = parsed.data;
  const topology = buildTopology({
    cluster: file.cluster ?? DEFAULT_SIZES.cluster,
    replication: file.replication ?? DEFAULT_SIZES.replication,
    postgresDataMb: file.postgresDataMb ?? DEFAULT_SIZES.postgresDataMb,
    subnet: file.subnet ?? DEFAULT_SIZES.subnet,
    sizes: { ...DEFAULT_SIZES.sizes, ...file.machines },
    etcd: { ...DEFAULT_SIZES.etcd, ...file.etcd },
    ...(file.ha ? { ha: file.ha } : {}),
    ...(file.patroni ? { patroni: { ...PATRONI_DEFAULTS, ...file.patroni } } : {}),
  });
  const problems = validateTopology(topology);
  if (problems.length > 0) throw new UserError(`the topology in ${source} is not usable:\n  ${problems.join('\n  ')}`);
  return topology;
}

export function readTopologyFile(path: string): Topology {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read the topology file ${path}: ${(err as Error).message}`, 'check the path given to --topology');
  }
  return parseTopology(text, path);
}

/** Semantic checks that the schema cannot express; returns every problem found. */
export function validateTopology(t: Topology): string[] {
  const problems: string[] = [];
  if (t.etcd.electionMs < 5 * t.etcd.heartbeatMs) {
    problems.push(`etcd.electionMs (${t.etcd.electionMs}) should be at least 5 × etcd.heartbeatMs (${t.etcd.heartbeatMs})`);
  }
  if (t.patroni) problems.push(...patroniTimingProblems(t.patroni));
  const seen = new Map<string, string>();
  for (const m of t.machines) {
    const other = seen.get(m.ip);
    if (other) problems.push(`${m.name} and ${other} have the same address ${m.ip}`);
    seen.set(m.ip, m.name);
  }
  return problems;
}

function lineOf(doc: Document, path: (string | number)[], lc: LineCounter): number | undefined {
  // Walk up the path until a node with a position is found (an unknown key's parent, say).
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
    if (n > 0) {
      // For an unknown key the pair's key node carries the position.
      const parent = n === 1 ? doc.contents : doc.getIn(path.slice(0, n - 1), true);
      const items = (parent as { items?: { key?: unknown }[] } | undefined)?.items;
      const pair = items?.find((p) => isNode(p.key) && (p.key as { value?: unknown }).value === path[n - 1]);
      if (pair && isNode(pair.key) && pair.key.range) return lc.linePos(pair.key.range[0]).line;
    }
  }
  return undefined;
}
