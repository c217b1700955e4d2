// The benchmark socket that reads into one buffer: copies for pg until the session takes the reads, then the same memory.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { pgStreamOption, ReusedReadSocket } from '../../../bench/reused-read-socket.js';

const servers: net.Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

/** A local TCP server that writes whatever `send` gives it, one write per call, to the one client that connects. */
async function server(): Promise<{ port: number; send: (b: string) => void }> {
  let peer: net.Socket | undefined;
  const waiting: string[] = [];
  const srv = net.createServer((s) => {
    peer = s;
    waiting.splice(0).forEach((b) => s.write(b));
  });
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { port: (srv.address() as net.AddressInfo).port, send: (b) => (peer ? peer.write(b) : waiting.push(b)) };
}

const next = <T>(subscribe: (resolve: (v: T) => void) => void): Promise<T> => new Promise(subscribe);

describe('ReusedReadSocket', () => {
  it('emits copies as data events until a handler takes the reads, then hands it the reads in one buffer', async () => {
    const { port, send } = await server();
    const reads = new ReusedReadSocket(64);
    await next<void>((r) => reads.socket.connect(port, '127.0.0.1', r));
    send('hello');
    const first = await next<Buffer>((r) => reads.socket.once('data', r));
    expect(first.toString()).toBe('hello');

    const seen: { text: string; memory: ArrayBufferLike; offset: number }[] = [];
    let got: () => void = () => undefined;
    reads.takeReads((chunk) => {
      seen.push({ text: chunk.toString(), memory: chunk.buffer, offset: chunk.byteOffset });
      got();
    });
    reads.socket.on('data', () => expect.fail('no data events once the reads are taken'));
    for (const word of ['one', 'two']) {
      const arrived = next<void>((r) => (got = r));
      send(word);
      await arrived;
    }
    expect(seen.map((s) => s.text)).toEqual(['one', 'two']);
    expect(seen[1]!.memory).toBe(seen[0]!.memory);
    expect(seen[1]!.offset).toBe(seen[0]!.offset);
    expect(first.toString()).toBe('hello'); // the copy pg got is its own: later reads did not overwrite it
    reads.socket.destroy();
  });

  it('gives pg its own kind of socket when pg will wrap it in TLS', () => {
    const reads = new ReusedReadSocket();
    const option = pgStreamOption(reads) as (config?: { ssl?: unknown }) => net.Socket;
    expect(option({ ssl: false })).toBe(reads.socket);
    const forTls = option({ ssl: { rejectUnauthorized: false } });
    expect(forTls).not.toBe(reads.socket);
    expect(forTls).toBeInstanceOf(net.Socket);
  });
});
