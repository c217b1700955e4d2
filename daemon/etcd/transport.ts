// How the etcd client's bytes reach a member: node's http and http2 in production, the simulated network in the simulator.
import { Agent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { connect } from 'node:http2';

export interface StreamHandlers {
  /** The member answered with this HTTP status (once, before any data). */
  onResponse(status: number): void;
  onData(chunk: string): void;
  /** Once: the stream ended (`error` null: the member closed it) or failed. */
  onEnd(error: string | null): void;
}

export interface GrpcStreamHandlers {
  onData(chunk: Buffer): void;
  /** Once: the stream or its connection ended, failed, or answered with a status other than 200. */
  onClose(why: string): void;
}

export interface GrpcStream {
  write(frame: Buffer): void;
  /** Ends it from our side without calling `onClose`. */
  close(): void;
}

export interface GatewayTransport {
  /** One POST; resolves with status and body, rejects on a transport failure or once `timeoutMs` has passed. */
  post(url: string, payload: string, timeoutMs: number): Promise<{ status: number; body: string }>;
  /** A POST whose answer is a stream (the watch); `destroy` ends it from our side without calling `onEnd`. */
  openStream(url: string, payload: string, handlers: StreamHandlers): { destroy(): void };
  /** A bidirectional gRPC stream (HTTP/2) to `endpoint` on `path` (the lease keepalives). */
  openGrpc(endpoint: string, path: string, handlers: GrpcStreamHandlers): GrpcStream;
  close(): void;
}

/**
 * Connections are reused: five keepalives a second, each on a new TCP connection, were most of an idle daemon's HTTP
 * work and a good part of etcd's. A busy socket is never waited for (no maxSockets): a call that finds every socket
 * busy opens another, so one stuck connection cannot delay the next renewal.
 */
export function httpTransport(): GatewayTransport {
  const agent = new Agent({ keepAlive: true, keepAliveMsecs: 1000 });
  const headers = (payload: string) => ({ 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  return {
    post: (url, payload, timeoutMs) =>
      new Promise((resolve, reject) => {
        const req = httpRequest(url, { method: 'POST', agent, headers: headers(payload) }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          res.on('error', reject);
        });
        const timer = setTimeout(() => req.destroy(new Error(`${url}: no answer within ${timeoutMs}ms`)), timeoutMs);
        req.on('close', () => clearTimeout(timer));
        req.on('error', reject);
        req.end(payload);
      }),
    openStream: (url, payload, h) => {
      let ended = false;
      const end = (error: string | null) => {
        if (ended) return;
        ended = true;
        h.onEnd(error);
      };
      // Its own connection (no agent): a stream holds it for as long as it runs.
      const req: ClientRequest = httpRequest(url, { method: 'POST', agent: false, headers: headers(payload) }, (res: IncomingMessage) => {
        h.onResponse(res.statusCode ?? 0);
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => h.onData(chunk));
        res.on('end', () => end(null));
        res.on('error', (err) => end(err.message));
      });
      req.on('error', (err) => end(err.message));
      req.end(payload);
      return {
        destroy: () => {
          ended = true;
          req.destroy();
        },
      };
    },
    openGrpc: (endpoint, path, h) => {
      let closed = false;
      const close = (why: string) => {
        if (closed) return;
        closed = true;
        h.onClose(why);
        stream.close();
        session.destroy();
      };
      const session = connect(endpoint);
      session.on('error', () => close('session error'));
      session.on('goaway', () => close('the member closed the session'));
      session.on('close', () => close('session closed'));
      const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' }, { endStream: false });
      stream.on('response', (headers) => {
        if (headers[':status'] !== 200) close(`HTTP ${headers[':status']}`);
      });
      stream.on('data', (chunk: Buffer) => !closed && h.onData(chunk));
      stream.on('error', () => close('stream error'));
      stream.on('close', () => close('stream closed'));
      return {
        write: (frame) => void stream.write(frame),
        close: () => {
          closed = true;
          stream.close();
          session.destroy();
        },
      };
    },
    close: () => agent.destroy(),
  };
}
