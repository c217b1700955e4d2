import { describe, expect, it } from 'vitest';
import { commandPathOf } from '../../../tasks/early-netns.js';

describe('commandPathOf (the early re-run inside the lab namespace)', () => {
  it('names a known command, and a known sub-command before its parent', () => {
    expect(commandPathOf(['status', '--json'])).toBe('status');
    expect(commandPathOf(['switchover', '--to', 'pg1'])).toBe('switchover');
    expect(commandPathOf(['imdb', 'load', '--target', 'jsonb'])).toBe('imdb load');
  });

  it('leaves anything unusual to the full CLI: options first, typos, nothing', () => {
    expect(commandPathOf(['--version'])).toBeNull();
    expect(commandPathOf(['statsu'])).toBeNull();
    expect(commandPathOf([])).toBeNull();
  });
});
