// A benchmark connection's TCP socket that reads into one buffer of its own (node's `onread`): a read then costs no
// allocation, no ArrayBuffer and no trip through the stream machinery. Per operation those were about a sixth of the
// client's user CPU (perf, 8 clients through haproxy), which the comparison with pgbench counts against pglab.
import net from 'node:net';

const READ_BUFFER_BYTES = 64 * 1024;

/** Receives what one read brought: valid only during the call, since the next read lands in the same memory. */
export type ReadHandler = (chunk: Buffer) => void;

export class ReusedReadSocket {
  readonly socket: net.Socket;
  private handler: ReadHandler | undefined;

  constructor(bytes = READ_BUFFER_BYTES) {
    const buffer = Buffer.allocUnsafeSlow(bytes); // its own memory, not a slice of node's shared pool
    const onread: net.OnReadOpts = {
      buffer,
      callback: (n) => {
        this.onRead(buffer.subarray(0, n));
        return true;
      },
    };
    // node takes `onread` in the constructor as in connect(); the types list it for connect() only.
    this.socket = new net.Socket({ onread } as net.SocketConstructorOpts);
  }

  /**
   * From now on every read goes to `handler`. Before that, each is copied out as a 'data' event, so pg connects and
   * authenticates on this socket as on its own.
   */
  takeReads(handler: ReadHandler): void {
    this.handler = handler;
  }

  private onRead(chunk: Buffer): void {
    if (this.handler) this.handler(chunk);
    else this.socket.emit('data', Buffer.from(chunk));
  }
}

/**
 * pg's `stream` option: this socket for a plain connection; for TLS (pg wraps the socket it is given and reads it
 * through the stream) a socket of its usual kind. pg passes its connection config, which the types leave out.
 */
export function pgStreamOption(reads: ReusedReadSocket): () => net.Socket {
  return ((config?: { ssl?: unknown }) => (config?.ssl ? new net.Socket() : reads.socket)) as () => net.Socket;
}
