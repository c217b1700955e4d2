// The fast path (one walk that validates and copies a parsed line) may only accept what the zod schema accepts,
// and must read it the same way.
import { describe, expect, it } from 'vitest';
import { historyOpSchema } from '../../../../chaos/checker/history-format.js';
import { fieldsFromOp, fieldsFromPlainJson, LineFields } from '../../../../chaos/checker/line-fields.js';
import { Prng } from '../../../../imdb-data/prng.js';
import { DEFAULT_SIM, simulateAppendHistory } from '../../../support/append-history-sim.js';

/** The fast path on a line, or false when it is not JSON or not the plain shape. */
function fast(text: string, f: LineFields): boolean {
  try {
    return fieldsFromPlainJson(JSON.parse(text), f);
  } catch {
    return false;
  }
}

/** What the ordinary path makes of a line, or null when the schema refuses it. */
function viaSchema(text: string): LineFields | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const r = historyOpSchema.safeParse(json);
  return r.success ? fieldsFromOp(r.data, new LineFields()) : null;
}

/** The fields that matter, comparable. */
function view(f: LineFields) {
  return {
    index: f.index, time: f.time, type: f.type, process: f.process, node: f.node, port: f.port, lsn: f.lsn, final: f.final,
    mops: Array.from({ length: f.mops }, (_, i) => (f.kinds[i] === 0 ? ['append', f.keys[i], f.appendValues[i]] : ['r', f.keys[i], f.readLen[i] === -1 ? null : f.elems.slice(f.readStart[i], (f.readStart[i] as number) + (f.readLen[i] as number))])),
  };
}

function agrees(text: string): void {
  const f = new LineFields();
  const ok = fast(text, f);
  const slow = viaSchema(text);
  if (ok) {
    expect(slow, text).not.toBeNull();
    expect(view(f), text).toEqual(view(slow as LineFields));
  }
}

describe('fieldsFromPlainJson', () => {
  const lines = [...simulateAppendHistory({ ...DEFAULT_SIM, transactions: 300, seed: 3 })].map((o) => JSON.stringify(o));

  it('reads the lines the workload writes, the same way the schema does', () => {
    for (const l of lines) {
      const f = new LineFields();
      expect(fast(l, f), l).toBe(true);
      expect(view(f)).toEqual(view(viaSchema(l) as LineFields));
    }
  });

  it.each([
    '{"index":1,"time":2,"type":"ok","process":"p 1","f":"txn","value":[["r","k",["a","b"]],["append",-3,"x"]],"node":null,"port":null,"lsn":"0/1","final":false}',
    ' { "index" : 1 , "time" : 2.5 , "type" : "info" , "process" : 0 , "f" : "txn" , "value" : [ ] } ',
    '{"index":1,"time":2,"type":"ok","process":0,"f":"txn","value":[],"extra":1}',
    '{"index":1,"time":2,"type":"ok","process":0,"f":"txn","value":[["r","k\\"",[1]]]}',
    '{"index":1,"time":2,"type":"ok","process":0,"f":"txn","value":[["r",1,[01]]]}',
    '{"index":1,"time":2,"type":"ok","process":0,"f":"txn","value":[["r",1,[1.5]]]}',
    '{"index":1,"time":2,"type":"ok","process":0,"f":"txn","value":[["r",1,[9007199254740993]]]}',
    '{"index":1,"index":2,"time":2,"type":"ok","process":0,"f":"txn","value":[]}',
    '{"index":1,"time":2,"type":"ok","process":0,"f":"txn","value":[]} x',
    '{"index":1,"time":2,"type":"ok","process":0,"f":"txn","value":[],"lsn":"zz"}',
    '{"index":-1,"time":2,"type":"ok","process":0,"f":"txn","value":[]}',
    '{"time":2,"type":"ok","process":0,"f":"txn","value":[]}',
  ])('agrees with the schema on %s', (text) => agrees(text));

  it('never accepts a damaged line the schema refuses (random deletions, insertions, swaps)', () => {
    const rng = new Prng(11, 'damage');
    const junk = ['"', ',', ']', '[', '}', '{', '-', '0', '.', 'e', ' ', 'null', 'x', '\\'];
    for (let n = 0; n < 3000; n++) {
      const l = rng.pick(lines);
      const at = rng.int(l.length);
      const mutated = rng.chance(0.5) ? l.slice(0, at) + l.slice(at + 1 + rng.int(3)) : l.slice(0, at) + rng.pick(junk) + l.slice(at);
      agrees(mutated);
    }
  });
});
