// Finds the Debian mirror the host itself uses, so the lab never names one.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../common/errors.js';

interface Source {
  uri: string;
  suites: string[];
  enabled: boolean;
}

/** Parses one-line (`deb URI suite comp…`) and deb822 (`URIs:`/`Suites:`) apt sources. */
export function parseAptSources(text: string, deb822: boolean): Source[] {
  if (!deb822) {
    return text
      .split('\n')
      .map((l) => l.replace(/#.*/, '').trim())
      .filter((l) => l.startsWith('deb '))
      .map((l) => {
        const words = l.replace(/\[[^\]]*\]/, '').split(/\s+/);
        return { uri: words[1] ?? '', suites: [words[2] ?? ''], enabled: true };
      });
  }
  return text.split(/\n\s*\n/).map((stanza) => {
    const field = (name: string) =>
      stanza
        .split('\n')
        .find((l) => l.toLowerCase().startsWith(name.toLowerCase() + ':'))
        ?.slice(name.length + 1)
        .trim() ?? '';
    return {
      uri: field('URIs').split(/\s+/)[0] ?? '',
      suites: field('Suites').split(/\s+/),
      enabled: field('Enabled').toLowerCase() !== 'no',
    };
  });
}

/** The first enabled source serving the plain `bookworm` suite (not -security/-updates). */
export function pickMirror(sources: Source[], suite = 'bookworm'): string | undefined {
  return sources.find((s) => s.enabled && s.uri && s.suites.includes(suite))?.uri;
}

export function hostDebianMirror(override?: string): string {
  const explicit = override ?? process.env.PGLAB_MIRROR;
  if (explicit) return explicit;
  const files: [string, boolean][] = [];
  if (existsSync('/etc/apt/sources.list')) files.push(['/etc/apt/sources.list', false]);
  const dir = '/etc/apt/sources.list.d';
  if (existsSync(dir)) {
    for (const f of readdirSync(dir).sort()) {
      if (f.endsWith('.list')) files.push([join(dir, f), false]);
      else if (f.endsWith('.sources')) files.push([join(dir, f), true]);
    }
  }
  const sources = files.flatMap(([f, deb822]) => parseAptSources(readFileSync(f, 'utf8'), deb822));
  const mirror = pickMirror(sources);
  if (!mirror) {
    throw new UserError(
      'found no Debian bookworm mirror in /etc/apt/sources.list or /etc/apt/sources.list.d',
      'pass --mirror URL or set PGLAB_MIRROR to the Debian mirror this host can reach',
    );
  }
  return mirror;
}
