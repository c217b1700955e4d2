import { describe, expect, it } from 'vitest';
import { parseAptSources, pickMirror } from '../../../lab/apt-mirror.js';

describe('host apt mirror', () => {
  it('reads a deb822 file and skips the security suite', () => {
    const text = [
      'Types: deb',
      'URIs: http://security.example/debian-security',
      'Suites: bookworm-security',
      'Components: main',
      '',
      'Types: deb',
      'URIs: http://mirror.example/debian',
      'Suites: bookworm bookworm-updates',
      'Components: main',
    ].join('\n');
    expect(pickMirror(parseAptSources(text, true))).toBe('http://mirror.example/debian');
  });

  it('reads one-line sources with options and comments', () => {
    const text = '# deb http://old.example/debian bookworm main\ndeb [arch=amd64 signed-by=/k.gpg] http://m.example/debian bookworm main\n';
    expect(pickMirror(parseAptSources(text, false))).toBe('http://m.example/debian');
  });

  it('ignores disabled deb822 stanzas', () => {
    const text = 'Enabled: no\nURIs: http://off.example/debian\nSuites: bookworm\n';
    expect(pickMirror(parseAptSources(text, true))).toBeUndefined();
  });
});
