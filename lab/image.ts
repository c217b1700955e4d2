// The base image every machine boots from: Debian bookworm by mmdebstrap plus
// the packages of every role, built once and cached under a hash of its recipe.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './host-command.js';
import { removeTree, unmountAll } from './mounts.js';
import { acquireFileLock } from './lab-lock.js';
import { labName, paths } from './state-dir.js';
import { haOf, type HaManager, type Role, type Topology } from './topology.js';

export interface ImageRecipe {
  suite: string;
  bootstrapPackages: string[];
  packages: string[];
  /** Units shipped disabled: roles enable what they run, per machine. */
  disabledUnits: string[];
  /** Bump when the fix-up steps below change, so the cache key changes too. */
  fixupsRevision: number;
  /** System users to create (absent from the base recipe, so its hash, and every built image, stay as they were). */
  systemUsers?: string[];
}

export const IMAGE_RECIPE: ImageRecipe = {
  suite: 'bookworm',
  bootstrapPackages: ['systemd', 'systemd-sysv', 'dbus', 'iproute2'],
  packages: [
    'postgresql-15', 'pgbouncer', 'etcd-server', 'etcd-client', 'haproxy', 'nodejs',
    'procps', 'nftables', 'ca-certificates', 'iputils-ping', 'less', 'netcat-openbsd',
  ],
  // A rebooted old primary must not come back as primary by itself: only pgdaemon starts PostgreSQL.
  disabledUnits: ['postgresql.service', 'etcd.service', 'haproxy.service', 'pgbouncer.service'],
  // 2: built by mmdebstrap in one pass (was debootstrap, then apt-get).
  fixupsRevision: 2,
};

/**
 * The mongo machines' own, smaller image: mongod (bound in from the server tarball) needs libcurl4 and libssl3, and a
 * user to run as. A separate recipe leaves the base image's hash alone: labs without mongo rebuild nothing, and their
 * machines are not wiped for a new image.
 */
export const MONGO_IMAGE_RECIPE: ImageRecipe = {
  suite: 'bookworm',
  bootstrapPackages: IMAGE_RECIPE.bootstrapPackages,
  packages: ['libcurl4', 'libssl3', 'ca-certificates', 'procps', 'nftables', 'iputils-ping', 'less', 'netcat-openbsd'],
  disabledUnits: [],
  fixupsRevision: 2,
  systemUsers: ['mongodb'],
};

/**
 * The PostgreSQL machines of a Patroni lab: the base recipe plus Debian's Patroni 3.0.2 and python3-etcd, which its
 * etcd3 DCS imports (Patroni's etcd3 client is its own, over etcd's JSON gateway, built on python-etcd's classes; the
 * python3-etcd3 package is not used). A recipe of its own, so the base recipe's hash, and every pgdaemon lab's image,
 * stay as they are; etcd and haproxy machines of a Patroni lab boot from the base image. Patroni's unit is shipped
 * disabled like PostgreSQL's: the lab enables it once its patroni.yml is written.
 */
export const PATRONI_IMAGE_RECIPE: ImageRecipe = {
  ...IMAGE_RECIPE,
  packages: [...IMAGE_RECIPE.packages, 'patroni', 'python3-etcd'],
  disabledUnits: [...IMAGE_RECIPE.disabledUnits, 'patroni.service'],
};

export function recipeOf(role: Role, ha: HaManager = 'pgdaemon'): ImageRecipe {
  if (role === 'mongo') return MONGO_IMAGE_RECIPE;
  return role === 'postgres' && ha === 'patroni' ? PATRONI_IMAGE_RECIPE : IMAGE_RECIPE;
}

/** The image a machine of this role boots from in this lab. */
export function roleImageDir(role: Role, t: Topology): string {
  return imageDir(recipeOf(role, haOf(t)));
}

/** Every recipe the topology's machines need, the base one first. */
export function recipesOf(t: Topology): ImageRecipe[] {
  const needed = new Set(t.machines.map((m) => recipeOf(m.role, haOf(t))));
  return [IMAGE_RECIPE, PATRONI_IMAGE_RECIPE, MONGO_IMAGE_RECIPE].filter((r) => needed.has(r));
}

export function recipeHash(recipe: ImageRecipe = IMAGE_RECIPE): string {
  return createHash('sha256').update(JSON.stringify(recipe)).digest('hex').slice(0, 12);
}

export function imageDir(recipe: ImageRecipe = IMAGE_RECIPE): string {
  return paths.image(recipeHash(recipe));
}

export function imageExists(recipe: ImageRecipe = IMAGE_RECIPE): boolean {
  return existsSync(join(imageDir(recipe), '.pglab-image-complete'));
}

interface BuildOptions {
  mirror: string;
  signal?: AbortSignal;
  onLine?: (line: string) => void;
}

/** Files in the image cache that belong to its lock, kept by `destroy --all`. */
export const IMAGE_LOCK_FILES = ['.lock', '.lock.holder.json'];

/**
 * Holds the image cache's lock around `work`. Labs may share the cache (PGLAB_IMAGES), so the
 * lab lock does not keep two of them from building (and deleting each other's .partial) at once.
 */
export async function withImageLock<T>(verb: string, onWait: (message: string) => void, work: () => Promise<T>): Promise<T> {
  const [lockName, holderName] = IMAGE_LOCK_FILES as [string, string];
  const lock = await acquireFileLock(join(paths.images(), lockName), join(paths.images(), holderName), verb, { wait: true, onWait }, 'the image cache lock');
  try {
    return await work();
  } finally {
    await lock.release();
  }
}

/**
 * Builds every recipe not in the cache at once, under one hold of the cache's lock: a lab with mongo machines needs
 * two images, and two mmdebstraps overlap their downloads and dpkg runs (cold `make`: 58 + 37 s one after the other).
 * Returns how long each one took.
 */
export async function buildImages(opts: BuildOptions, recipes: readonly ImageRecipe[]): Promise<{ recipe: ImageRecipe; ms: number }[]> {
  const say = opts.onLine ?? (() => {});
  return withImageLock(`machines (image build, lab ${labName()})`, say, () =>
    Promise.all(
      recipes.filter((r) => !imageExists(r)).map(async (recipe) => {
        const t0 = Date.now();
        await buildImageNow({ ...opts, onLine: (l) => say(`${recipeHash(recipe)}: ${l}`) }, recipe); // renamed into place only when complete
        return { recipe, ms: Date.now() - t0 };
      }),
    ),
  );
}

/**
 * mmdebstrap, not debootstrap: debootstrap fetched its ~100 packages one wget at a time (20 s of a 56 s build here),
 * then apt installed the rest in a second pass; mmdebstrap lets apt fetch and install everything in one pass (30 s).
 * dpkg skips its fsyncs (the image is renamed into place only when complete, so a crash leaves a .partial to
 * delete, never a half-written image). The merged-usr hook gives the same /usr layout as debootstrap did, without
 * pulling in the usrmerge package.
 */
export function mmdebstrapArgs(recipe: ImageRecipe, target: string, mirror: string): string[] {
  const inChroot = (command: string) => `--customize-hook=chroot "$1" ${command}`;
  return [
    '--variant=minbase',
    `--include=${[...recipe.bootstrapPackages, ...recipe.packages].join(',')}`,
    '--dpkgopt=force-unsafe-io',
    '--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr',
    // Before postgresql-common is configured: no "main" cluster; pgdaemon creates its own.
    '--essential-hook=mkdir -p "$1/etc/postgresql-common" && echo "create_main_cluster = false" > "$1/etc/postgresql-common/createcluster.conf"',
    ...(recipe.disabledUnits.length > 0 ? [inChroot(`systemctl disable ${recipe.disabledUnits.join(' ')}`)] : []),
    ...(recipe.systemUsers ?? []).map((user) => inChroot(`useradd --system --user-group --home-dir /var/lib/${user} --no-create-home --shell /usr/sbin/nologin ${user}`)),
    inChroot('systemctl enable systemd-networkd.service'),
    recipe.suite,
    target,
    mirror,
  ];
}

async function buildImageNow(opts: BuildOptions, recipe: ImageRecipe): Promise<string> {
  const final = imageDir(recipe);
  const tmp = `${final}.partial`;
  await removeTree(tmp); // left by an interrupted build
  await mkdir(paths.images(), { recursive: true });
  const say = opts.onLine ?? (() => {});

  say(`mmdebstrap ${recipe.suite} from ${opts.mirror}: ${recipe.packages.join(' ')}`);
  await run('mmdebstrap', mmdebstrapArgs(recipe, tmp, opts.mirror), { signal: opts.signal, onLine: say, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
  await unmountAll(tmp); // mmdebstrap unmounts what it mounted; a leftover would survive the rename
  await rm(join(tmp, 'var/lib/apt/lists'), { recursive: true, force: true });
  await mkdir(join(tmp, 'var/lib/apt/lists/partial'), { recursive: true });
  await rm(join(tmp, 'etc/resolv.conf'), { force: true }); // mmdebstrap's copy of the host's; the machines get their own
  await writeFile(join(tmp, 'etc/resolv.conf'), '', { mode: 0o644 });
  // Every clone must get its own machine-id at first boot.
  await writeFile(join(tmp, 'etc/machine-id'), '');
  await writeFile(join(tmp, '.pglab-image-complete'), JSON.stringify({ recipe, builtAt: new Date().toISOString() }) + '\n');
  await removeTree(final);
  await rename(tmp, final);
  return final;
}

/** Images other than the current recipe's: left by older recipes, removed by `destroy --all`. */
export async function listImages(): Promise<string[]> {
  if (!existsSync(paths.images())) return [];
  return (await readdir(paths.images())).map((d) => join(paths.images(), d));
}
