// A checked writer for daemon tests and the failover benchmark: inserts unique ids into whichever node
// answers /primary, and records every acknowledged id with the node and time it was acknowledged on.
import type pg from 'pg';
import type { DaemonCluster } from './daemon-cluster.js';

export interface Ack {
  id: number;
  node: string;
  at: number;
}

export class CheckedWriter {
  readonly acked: Ack[] = [];
  errors = 0;
  private nextId = 1;
  private stopped = false;
  private loops: Promise<void>[] = [];

  constructor(private readonly cluster: DaemonCluster, private readonly clients = 4, private readonly table = 'writes') {}

  async createTable(node: string): Promise<void> {
    await this.cluster.sql(node, `CREATE TABLE IF NOT EXISTS ${this.table} (id bigint PRIMARY KEY, at timestamptz DEFAULT now())`);
  }

  /** Asks every node's /primary; the one answering 200 takes writes. */
  async findPrimary(): Promise<string | null> {
    const answers = await Promise.all(
      this.cluster.nodes.map(async (n) => {
        try {
          return (await this.cluster.http(n.name, '/primary', 'OPTIONS')).status === 200 ? n.name : null;
        } catch {
          return null;
        }
      }),
    );
    return answers.find((a) => a !== null) ?? null;
  }

  start(): void {
    for (let i = 0; i < this.clients; i++) this.loops.push(this.loop());
  }

  private async loop(): Promise<void> {
    let client: pg.Client | null = null;
    let node: string | null = null;
    while (!this.stopped) {
      try {
        if (!client) {
          node = await this.findPrimary();
          if (!node) {
            await new Promise((r) => setTimeout(r, 20));
            continue;
          }
          client = this.cluster.client(node, 1000);
          client.on('error', () => undefined);
          await client.connect();
        }
        const id = this.nextId++;
        await client.query(`INSERT INTO ${this.table} (id) VALUES ($1)`, [id]);
        this.acked.push({ id, node: node as string, at: Date.now() });
      } catch {
        this.errors++;
        if (client) void client.end().catch(() => undefined);
        client = null;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    if (client) await client.end().catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }

  /**
   * Acknowledged ids missing on `node` (the final primary). Only acks received before the query
   * started count: the writer may still be running, and later commits are not in the query's snapshot.
   */
  async lost(node: string): Promise<number[]> {
    const cutoff = Date.now();
    const rows = await this.cluster.sql<{ id: string }>(node, `SELECT id FROM ${this.table}`);
    const have = new Set(rows.map((r) => Number(r.id)));
    return this.acked.filter((a) => a.at < cutoff && !have.has(a.id)).map((a) => a.id);
  }
}
