import { describe, expect, it } from 'vitest';
import { b64, EtcdGateway, fromB64, prefixEnd } from '../../../../daemon/etcd/gateway.js';
import { StreamProgress } from '../../../../daemon/etcd/prefix-watch.js';

describe('etcd gateway encoding', () => {
  it('covers a prefix with the range end etcd expects (last byte + 1)', () => {
    expect(fromB64(prefixEnd('/pglab/pglab/'))).toBe('/pglab/pglab0');
    expect(Buffer.from(prefixEnd('a\u00ff'), 'base64')).toEqual(Buffer.from([0x61, 0xc3, 0xc0]));
  });

  it('round-trips keys and values, and reads an omitted value as empty', () => {
    expect(fromB64(b64('/pglab/x/members/pg0'))).toBe('/pglab/x/members/pg0');
    expect(fromB64(undefined)).toBe('');
  });
});

describe('EtcdGateway member order', () => {
  it('starts at the member that answered last and puts failed ones last', () => {
    const g = new EtcdGateway(['http://a', 'http://b', 'http://c']);
    expect(g.order()).toEqual([0, 1, 2]);
    // @ts-expect-error private: what a transport failure of member 0 does
    g.failed(0, new Error('refused'));
    expect(g.order()).toEqual([1, 2, 0]);
    expect(g.order(Date.now() + 2000)).toEqual([1, 2, 0]);
    // @ts-expect-error private
    g.succeeded(2);
    expect(g.order()).toEqual([2, 1, 0]);
    g.close();
  });
});

describe('StreamProgress', () => {
  it('calls a stream dead only when a change stays undelivered for 1.5 s', () => {
    const p = new StreamProgress();
    expect(p.dead(10, 0)).toBe(false); // not created yet: nothing to compare with
    p.delivered(10); // created at revision 10
    expect(p.dead(10, 0)).toBe(false);
    expect(p.dead(12, 1000)).toBe(false); // a read saw 12: suspect from now on
    expect(p.dead(12, 2000)).toBe(false);
    expect(p.dead(13, 2500)).toBe(true); // 1.5 s later, still not delivered
  });

  it('forgives a change that arrives after the read that saw it', () => {
    const p = new StreamProgress();
    p.delivered(10);
    expect(p.dead(12, 0)).toBe(false);
    p.delivered(12);
    expect(p.dead(12, 5000)).toBe(false);
    expect(p.dead(14, 6000)).toBe(false); // a new suspicion starts its own clock
    expect(p.dead(14, 7000)).toBe(false);
  });
});
