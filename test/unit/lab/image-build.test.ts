import { describe, expect, it } from 'vitest';
import { IMAGE_RECIPE, MONGO_IMAGE_RECIPE, mmdebstrapArgs, recipeHash } from '../../../lab/image.js';

describe('image build (mmdebstrap)', () => {
  const args = mmdebstrapArgs(IMAGE_RECIPE, '/img/x.partial', 'http://mirror.example/debian');

  it('installs every package of the recipe in one pass, suite, target and mirror last', () => {
    const include = args.find((a) => a.startsWith('--include='))?.slice('--include='.length).split(',');
    expect(include).toEqual([...IMAGE_RECIPE.bootstrapPackages, ...IMAGE_RECIPE.packages]);
    expect(args.slice(-3)).toEqual(['bookworm', '/img/x.partial', 'http://mirror.example/debian']);
    expect(args).toContain('--variant=minbase');
  });

  it('keeps PostgreSQL from creating a main cluster before its package is configured', () => {
    const hook = args.find((a) => a.startsWith('--essential-hook='));
    expect(hook).toContain('create_main_cluster = false');
    expect(hook).toContain('etc/postgresql-common/createcluster.conf');
  });

  it('ships the role services disabled and networkd enabled; the mongo image gets its user', () => {
    expect(args).toContain('--customize-hook=chroot "$1" systemctl disable postgresql.service etcd.service haproxy.service pgbouncer.service');
    expect(args).toContain('--customize-hook=chroot "$1" systemctl enable systemd-networkd.service');
    const mongo = mmdebstrapArgs(MONGO_IMAGE_RECIPE, '/img/m', 'http://m/');
    expect(mongo.some((a) => a.includes('useradd --system --user-group') && a.endsWith(' mongodb'))).toBe(true);
    expect(mongo.some((a) => a.includes('systemctl disable'))).toBe(false);
  });

  it('has a new cache key for the new builder (old debootstrap images are not reused)', () => {
    expect(recipeHash(IMAGE_RECIPE)).not.toBe('c0756e5305ef');
  });
});
