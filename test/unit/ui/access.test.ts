// Who may use pglab ui: loopback without a token, anything else with one; foreign pages kept out.
import { describe, expect, it } from 'vitest';
import { allowedHosts, checkRequest, isLoopback, requestToken, tokenMatches } from '../../../ui/access.js';
import { parsePort, tokenFor, urlOf } from '../../../ui/ui-command.js';

const loopback = { hosts: allowedHosts('127.0.0.1', 7400), token: null };
const get = { method: 'GET', host: '127.0.0.1:7400', origin: null, actionHeader: null, token: null };

describe('tokens', () => {
  it('matches only the same token', () => {
    expect(tokenMatches('s3cret-token-of-some-length', 's3cret-token-of-some-length')).toBe(true);
    expect(tokenMatches('s3cret-token-of-some-lengtX', 's3cret-token-of-some-length')).toBe(false);
    expect(tokenMatches('short', 's3cret-token-of-some-length')).toBe(false);
    expect(tokenMatches(null, 's3cret-token-of-some-length')).toBe(false);
    expect(tokenMatches('', 's3cret-token-of-some-length')).toBe(false);
  });

  it('reads a bearer header first, else the cookie', () => {
    expect(requestToken({ authorization: 'Bearer abc', cookie: 'pglab_ui_token=def' })).toBe('abc');
    expect(requestToken({ cookie: 'other=1; pglab_ui_token=d%3Def' })).toBe('d=ef');
    expect(requestToken({})).toBeNull();
  });

  it('needs none on loopback, refuses one there, and makes or checks one elsewhere', () => {
    expect(tokenFor('127.0.0.1', undefined)).toBeNull();
    expect(tokenFor('127.0.0.1', undefined, 'from-the-environment-variable')).toBeNull();
    expect(() => tokenFor('::1', 'abcdefghijklmnopqrstuvwxyz')).toThrow(/--token is for a server on another address/);
    expect(tokenFor('0.0.0.0', undefined)).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(tokenFor('0.0.0.0', undefined, 'from-the-environment-variable')).toBe('from-the-environment-variable');
    expect(() => tokenFor('192.0.2.7', 'short')).toThrow(/at least 16 characters \(--token\)/);
  });
});

describe('checkRequest', () => {
  it('serves the page to a loopback Host of this port', () => {
    expect(isLoopback('127.0.0.5') && isLoopback('localhost') && isLoopback('[::1]') && !isLoopback('10.0.0.1')).toBe(true);
    for (const host of ['127.0.0.1:7400', 'localhost:7400', 'LOCALHOST:7400', '[::1]:7400']) expect(checkRequest({ ...get, host }, loopback)).toEqual({ ok: true });
  });

  it('refuses another Host on loopback (a DNS-rebinding page)', () => {
    expect(checkRequest({ ...get, host: 'evil.example:7400' }, loopback)).toMatchObject({ ok: false, status: 403 });
    expect(checkRequest({ ...get, host: '127.0.0.1:7401' }, loopback)).toMatchObject({ ok: false, status: 403 });
    expect(checkRequest({ ...get, host: null }, loopback)).toMatchObject({ ok: false, status: 403 });
  });

  it('refuses a change without the page header or from another origin', () => {
    const post = { ...get, method: 'POST' };
    expect(checkRequest(post, loopback)).toMatchObject({ ok: false, status: 403, reason: expect.stringMatching(/x-pglab-ui/) });
    expect(checkRequest({ ...post, actionHeader: '1', origin: 'http://evil.example' }, loopback)).toMatchObject({ ok: false, status: 403 });
    expect(checkRequest({ ...post, actionHeader: '1', origin: 'http://127.0.0.1:7400' }, loopback)).toEqual({ ok: true });
    expect(checkRequest({ ...post, actionHeader: '1' }, loopback)).toEqual({ ok: true });
  });

  it('off loopback needs the token, from any Host', () => {
    const remote = { hosts: null, token: 'the-token-of-this-server' };
    expect(checkRequest({ ...get, host: 'lab.example:7400' }, remote)).toMatchObject({ ok: false, status: 401 });
    expect(checkRequest({ ...get, host: 'lab.example:7400', token: 'the-token-of-this-serveR' }, remote)).toMatchObject({ ok: false, status: 401 });
    expect(checkRequest({ ...get, host: 'lab.example:7400', token: 'the-token-of-this-server' }, remote)).toEqual({ ok: true });
    expect(() => checkRequest(get, { hosts: null, token: null })).toThrow(/needs a token/);
  });
});

describe('flags', () => {
  it('checks the port and prints a URL a browser on this host can open', () => {
    expect(parsePort('7400')).toBe(7400);
    expect(() => parsePort('70000')).toThrow(/--port must be a TCP port/);
    expect(() => parsePort('web')).toThrow(/--port/);
    expect(urlOf('127.0.0.1', 7400, null)).toBe('http://127.0.0.1:7400/');
    expect(urlOf('0.0.0.0', 7400, 'a b')).toBe('http://127.0.0.1:7400/?token=a%20b');
    expect(urlOf('::1', 7400, null)).toBe('http://[::1]:7400/');
  });
});
