import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../common/errors.js';
import { readLabRecord, writeLabRecord, type LabRecord } from '../../../lab/lab-state.js';
import { paths } from '../../../lab/state-dir.js';
import { DEFAULT_TOPOLOGY } from '../../../lab/topology.js';
import { tempPglabHome } from '../../support/temp-home.js';

const home = tempPglabHome('pglab-state-');
const record: LabRecord = { topology: DEFAULT_TOPOLOGY, topologySource: 'default', image: '/var/lib/pglab/images/abc', updatedAt: '2026-11-29T10:00:00.000Z' };


function readError(): UserError {
  try {
    readLabRecord();
  } catch (err) {
    if (err instanceof UserError) return err;
    throw err;
  }
  throw new Error('readLabRecord did not throw');
}

describe('the lab record', () => {
  it('reads back what was written', async () => {
    await writeLabRecord(record);
    expect(readLabRecord()).toEqual(record);
  });

  it('is replaced by a rename, never rewritten in place (a crash leaves the old file or the new one)', async () => {
    await writeLabRecord(record);
    const before = statSync(paths.labFile()).ino;
    await writeLabRecord({ ...record, updatedAt: '2026-11-29T11:00:00.000Z' });
    expect(statSync(paths.labFile()).ino).not.toBe(before);
    expect(readdirSync(home())).toEqual(['lab.json']);
  });

  it('turns a half-written file into a message that says what to do', () => {
    writeFileSync(paths.labFile(), JSON.stringify(record, null, 2).slice(0, 120));
    const err = readError();
    expect(err.message).toMatch(/lab record .*lab\.json is damaged \(not JSON/);
    expect(err.hint).toMatch(/pglab machines --topology FILE/);
    expect(err.hint).toMatch(/pglab destroy/);
  });

  it('rejects JSON of the wrong shape, naming the field', () => {
    writeFileSync(paths.labFile(), JSON.stringify({ ...record, topology: { ...record.topology, machines: [{ name: 'pg0', role: 'oracle', ip: '10.42.0.10' }] } }));
    expect(readError().message).toMatch(/damaged \(topology\.machines\.0\.role: /);
    writeFileSync(paths.labFile(), '{}');
    expect(readError().message).toMatch(/damaged \(topology: Required\)/);
  });

  it('is absent when there is no file', () => {
    expect(readLabRecord()).toBeUndefined();
  });
});
