// Where the lab keeps what it made, so any shell can see and remove it.
import { join } from 'node:path';

export function pglabHome(): string {
  return process.env.PGLAB_HOME ?? '/var/lib/pglab';
}

export const paths = {
  home: () => pglabHome(),
  images: () => join(pglabHome(), 'images'),
  image: (hash: string) => join(pglabHome(), 'images', hash),
  machines: () => join(pglabHome(), 'machines'),
  machine: (name: string) => join(pglabHome(), 'machines', name),
  labFile: () => join(pglabHome(), 'lab.json'),
  secrets: () => join(pglabHome(), 'secrets'),
  cache: () => join(pglabHome(), 'cache'),
};
