// Who may use the UI server: loopback by default; any other address only with a token. And what keeps other web
// pages in the same browser out (DNS rebinding, cross-site requests): the Host header must name this server, and a
// request that changes something must carry our own header, which a foreign page cannot send without our consent. Pure.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

export const TOKEN_COOKIE = 'pglab_ui_token';
/** Sent by the page with every POST; a cross-origin page would need a CORS preflight, which this server never grants. */
export const ACTION_HEADER = 'x-pglab-ui';

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Compares in constant time (of the digests), so the answer's timing tells nothing about the token. */
export function tokenMatches(given: string | null | undefined, expected: string): boolean {
  if (!given) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The token a request carries: `Authorization: Bearer …`, else the cookie the page got when opened with ?token=. */
export function requestToken(headers: { authorization?: string | null; cookie?: string | null }): string | null {
  const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '');
  if (bearer) return bearer[1] ?? null;
  for (const part of (headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === TOKEN_COOKIE) return decodeURIComponent(v.join('='));
  }
  return null;
}

/** The Host header values that name this server: its address and port, and localhost's names when on loopback. */
export function allowedHosts(host: string, port: number): Set<string> {
  const bracket = (h: string) => (isIP(h) === 6 ? `[${h}]` : h);
  const names = new Set([`${bracket(host.replace(/^\[|\]$/g, ''))}:${port}`]);
  if (isLoopback(host)) for (const h of ['localhost', '127.0.0.1', '[::1]']) names.add(`${h}:${port}`);
  return names;
}

export type Verdict = { ok: true } | { ok: false; status: 400 | 401 | 403; reason: string };

/**
 * Whether a request may be served. On loopback (`token` null) the Host header must name this server; elsewhere the
 * token is checked (and any Host is fine: a rebinding page has no token). A POST must carry the action header
 * and, when the browser says where it comes from, come from this server's own origin.
 */
export function checkRequest(
  req: { method: string; host: string | null; origin: string | null; actionHeader: string | null; token: string | null },
  server: { hosts: ReadonlySet<string> | null; token: string | null },
): Verdict {
  if (server.hosts === null && server.token === null) throw new Error('a server that accepts any Host header needs a token');
  if (server.hosts !== null && (!req.host || !server.hosts.has(req.host.toLowerCase()))) return { ok: false, status: 403, reason: `unknown Host "${req.host ?? ''}": open the URL pglab ui printed` };
  if (server.token !== null && !tokenMatches(req.token, server.token)) return { ok: false, status: 401, reason: 'a token is needed: open the URL with ?token= that pglab ui printed' };
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    if (req.actionHeader !== '1') return { ok: false, status: 403, reason: `a change needs the ${ACTION_HEADER} header (sent by the page)` };
    if (req.origin !== null && req.origin !== `http://${(req.host ?? '').toLowerCase()}`) return { ok: false, status: 403, reason: `requests from ${req.origin} are refused` };
  }
  return { ok: true };
}
