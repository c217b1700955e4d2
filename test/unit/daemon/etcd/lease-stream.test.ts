// The keepalive stream's hand-written protobuf and gRPC framing, checked against protobufjs reading and writing the
// same messages as etcd's rpc.proto declares them.
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { decodeKeepAliveResponse, GrpcFrameReader, keepAliveFrame } from '../../../../daemon/etcd/lease-stream.js';

const root = protobuf.Root.fromJSON({
  nested: {
    ResponseHeader: { fields: { cluster_id: { type: 'uint64', id: 1 }, member_id: { type: 'uint64', id: 2 }, revision: { type: 'int64', id: 3 }, raft_term: { type: 'uint64', id: 4 } } },
    LeaseKeepAliveRequest: { fields: { ID: { type: 'int64', id: 1 } } },
    LeaseKeepAliveResponse: { fields: { header: { type: 'ResponseHeader', id: 1 }, ID: { type: 'int64', id: 2 }, TTL: { type: 'int64', id: 3 } } },
  },
});
const Request = root.lookupType('LeaseKeepAliveRequest');
const Response = root.lookupType('LeaseKeepAliveResponse');

// Lease ids as etcd hands them out: large int64s, beyond a double's exact range.
const IDS = ['7587880154343227661', '1', '127', '128', '9223372036854775807', '694d8a4c0bd6e10d'].map((id) => (/^\d+$/.test(id) ? id : BigInt(`0x${id}`).toString()));

describe('keepalive stream encoding', () => {
  it('frames a LeaseKeepAliveRequest that protobufjs reads back with the same id', () => {
    for (const id of IDS) {
      const frame = keepAliveFrame(id);
      expect(frame[0]).toBe(0); // not compressed
      expect(frame.readUInt32BE(1)).toBe(frame.length - 5);
      const decoded = Request.toObject(Request.decode(frame.subarray(5)), { longs: String });
      expect(decoded.ID).toBe(id);
    }
  });

  it('reads the id and TTL of a LeaseKeepAliveResponse written by protobufjs, header included; an omitted TTL is 0', () => {
    const header = { cluster_id: '14841639068965178418', member_id: '10276657743932975437', revision: '4021', raft_term: '7' };
    for (const id of IDS) {
      const bytes = Buffer.from(Response.encode(Response.fromObject({ header, ID: id, TTL: 1 })).finish());
      expect(decodeKeepAliveResponse(bytes)).toEqual({ id, ttl: 1 });
    }
    const gone = Buffer.from(Response.encode(Response.fromObject({ header, ID: IDS[0] })).finish());
    expect(decodeKeepAliveResponse(gone)).toEqual({ id: IDS[0], ttl: 0 });
    expect(() => decodeKeepAliveResponse(Buffer.from([0x10, 0xff]))).toThrow(/malformed/);
    expect(() => decodeKeepAliveResponse(Buffer.from([0x0a, 0x05, 0x01]))).toThrow(/malformed/);
  });

  it('splits a byte stream into messages wherever the chunks break', () => {
    const messages = [Buffer.from([8, 1]), Buffer.alloc(0), Buffer.from([8, 0x96, 0x01, 0x18, 2])];
    const stream = Buffer.concat(messages.map((m) => Buffer.concat([Buffer.from([0, 0, 0, 0, m.length]), m])));
    for (let cut = 0; cut <= stream.length; cut++) {
      const reader = new GrpcFrameReader();
      const got = [...reader.push(stream.subarray(0, cut)), ...reader.push(stream.subarray(cut))];
      expect(got).toEqual(messages);
    }
    expect(() => new GrpcFrameReader().push(Buffer.from([1, 0, 0, 0, 0]))).toThrow(/compressed/);
  });
});
