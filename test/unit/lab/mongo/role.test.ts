// The mongo machines' files and image: mongod's config and unit, the keyfile, and an image recipe of their own that
// leaves the base image (and every lab without mongo) untouched.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { IMAGE_RECIPE, MONGO_IMAGE_RECIPE, recipeHash, recipesOf } from '../../../../lab/image.js';
import { mongoRole, mongodConfig, mongodUnit } from '../../../../lab/roles/mongo/role.js';
import { mongoUri } from '../../../../lab/roles/mongo/credentials.js';
import { parseTopology } from '../../../../lab/topology-file.js';
import { DEFAULT_TOPOLOGY } from '../../../../lab/topology.js';

const T = parseTopology('machines:\n  mongo: 3\n', 'pglab.yaml');
const mongo1 = T.machines.find((m) => m.name === 'mongo1')!;
const secrets = { superuserPassword: 's', replicationPassword: 'r', appPassword: 'a', apiToken: 't', mongo: { adminPassword: 'ad', appPassword: 'ap', keyfile: 'c2VjcmV0' } };

describe('a mongo machine', () => {
  it('runs mongod of replica set rs0 on its own address and loopback, with keyfile auth and authorization on', () => {
    const conf = mongodConfig(mongo1);
    expect(conf).toContain('  bindIp: 127.0.0.1,10.42.0.41\n');
    expect(conf).toContain('  port: 27017\n');
    expect(conf).toContain('  replSetName: rs0\n');
    expect(conf).toContain('  keyFile: /etc/mongodb/keyfile\n  authorization: enabled\n');
  });

  it('writes mongod.conf as the nested YAML mongod reads (a misindented option makes mongod refuse to start)', () => {
    expect(parse(mongodConfig(mongo1))).toEqual({
      net: { port: 27017, bindIp: '127.0.0.1,10.42.0.41' },
      storage: { dbPath: '/var/lib/mongodb', wiredTiger: { engineConfig: { cacheSizeGB: 0.5 } } },
      replication: { replSetName: 'rs0' },
      security: { keyFile: '/etc/mongodb/keyfile', authorization: 'enabled' },
    });
  });

  it('starts mongod from the read-only server directory as the mongodb user, after the network is up', () => {
    const unit = mongodUnit();
    expect(unit).toContain('ExecStart=/opt/mongodb/bin/mongod --config /etc/mongod.conf\n');
    expect(unit).toContain('User=mongodb\n');
    expect(unit).toContain('After=network-online.target\n');
    expect(unit).toContain('StateDirectory=mongodb\n');
  });

  it('gets the keyfile readable by mongodb alone (mongod refuses anything looser)', () => {
    const files = mongoRole.files(mongo1, T, { secrets });
    expect(files.find((f) => f.path === 'etc/mongodb/keyfile')).toEqual({ path: 'etc/mongodb/keyfile', content: 'c2VjcmV0\n', mode: 0o400, owner: 'mongodb' });
    expect(files.map((f) => f.path)).toEqual(['etc/mongod.conf', 'etc/systemd/system/mongod.service', 'etc/mongodb/keyfile']);
    expect(mongoRole.units).toEqual(['mongod.service']);
  });

  it('gives clients a replica set URI with every member, authenticating against admin', () => {
    expect(mongoUri(T, { name: 'pglab', password: 'p@ss' })).toBe('mongodb://pglab:p%40ss@10.42.0.40:27017,10.42.0.41:27017,10.42.0.42:27017/imdb?replicaSet=rs0&authSource=admin');
  });
});

describe('images', () => {
  it('keeps the base recipe (and its cache key) apart from the mongo image', () => {
    // Mongo's packages must not change the base image's key (every lab would rebuild and wipe its machines). When the
    // base recipe changes on purpose, put its new hash here (6f8253449b98: built by mmdebstrap, fixupsRevision 2).
    expect(recipeHash(IMAGE_RECIPE)).toBe('6f8253449b98');
  });

  it('builds the mongo image, with the libraries mongod links and a mongodb user, only for a topology with mongo machines', () => {
    expect(MONGO_IMAGE_RECIPE.packages).toEqual(expect.arrayContaining(['libcurl4', 'libssl3', 'ca-certificates']));
    expect(MONGO_IMAGE_RECIPE.systemUsers).toEqual(['mongodb']);
    expect(recipesOf(DEFAULT_TOPOLOGY)).toEqual([IMAGE_RECIPE, MONGO_IMAGE_RECIPE]);
    expect(recipesOf(parseTopology('machines:\n  mongo: 0\n', 'x.yaml'))).toEqual([IMAGE_RECIPE]);
    expect(recipesOf(T)).toEqual([IMAGE_RECIPE, MONGO_IMAGE_RECIPE]);
    expect(recipesOf(parseTopology('machines:\n  postgres: 1\n  etcd: 1\n  haproxy: 0\n  mongo: 1\n', 'x.yaml'))).toEqual([IMAGE_RECIPE, MONGO_IMAGE_RECIPE]);
  });
});
