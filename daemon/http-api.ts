// The HTTP API on :8008: health checks for haproxy and humans, JSON views, and token-guarded role changes.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { healthPaths, healthStatus, type HealthPath, type HealthState } from './health-rules.js';
import { parseBytes } from './options.js';

export interface ApiBackend {
  health(): HealthState;
  status(): unknown;
  cluster(): Promise<unknown>;
  history(): Promise<unknown>;
  /** Queues a switchover/failover request; resolves to an error message or null. */
  requestRoleChange(kind: 'switchover' | 'failover', to: string | null, from: string | null, force: boolean): Promise<string | null>;
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1] as string);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readBody(req: IncomingMessage, limit = 4096): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > limit) throw new Error('body too large');
  }
  return body;
}

export function startApi(listen: string, token: string, backend: ApiBackend, log: (l: string) => void): Promise<Server> {
  const [host, portText] = listen.split(/:(?=\d+$)/) as [string, string];
  const send = (res: ServerResponse, method: string, code: number, body: unknown) => {
    // HEAD and OPTIONS (haproxy's check) get the status line only.
    const text = method === 'HEAD' || method === 'OPTIONS' ? '' : JSON.stringify(body, null, 1) + '\n';
    res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const method = req.method ?? 'GET';
      try {
        if (method === 'POST' && (url.pathname === '/switchover' || url.pathname === '/failover')) {
          if (!tokenMatches(req.headers.authorization, token)) return send(res, method, 401, { error: 'missing or wrong bearer token' });
          let body: { to?: unknown; from?: unknown; force?: unknown } = {};
          const text = await readBody(req);
          if (text.trim()) body = JSON.parse(text) as typeof body;
          const to = typeof body.to === 'string' ? body.to : null;
          const from = typeof body.from === 'string' ? body.from : null;
          const kind = url.pathname.slice(1) as 'switchover' | 'failover';
          const err = await backend.requestRoleChange(kind, to, from, kind === 'failover' && body.force === true);
          return send(res, method, err ? 409 : 202, err ? { error: err } : { accepted: kind, to });
        }
        if (!['GET', 'HEAD', 'OPTIONS'].includes(method)) return send(res, method, 405, { error: `${method} not allowed` });
        if ((healthPaths as readonly string[]).includes(url.pathname)) {
          const lagParam = url.searchParams.get('lag');
          const lag = lagParam === null ? null : parseBytes(lagParam);
          if (lagParam !== null && lag === null) return send(res, method, 400, { error: `bad lag "${lagParam}" (e.g. 16MB)` });
          const h = backend.health();
          // haproxy's checks (OPTIONS, several a second) get no body: do not build one.
          return send(res, method, healthStatus(url.pathname as HealthPath, h, lag), method === 'GET' ? backend.status() : null);
        }
        if (url.pathname === '/status' || url.pathname === '/') return send(res, method, 200, backend.status());
        if (url.pathname === '/cluster') return send(res, method, 200, await backend.cluster());
        if (url.pathname === '/history') return send(res, method, 200, await backend.history());
        return send(res, method, 404, { error: `no endpoint ${url.pathname}` });
      } catch (err) {
        return send(res, method, 503, { error: (err as Error).message });
      }
    })();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(portText), host, () => {
      log(`HTTP API listening on ${listen}`);
      resolve(server);
    });
  });
}
