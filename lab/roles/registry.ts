// Every machine role, listed once.
import type { Role } from '../topology.js';
import { etcdRole } from './etcd.js';
import { haproxyRole } from './haproxy.js';
import { mongoRole } from './mongo/index.js';
import { postgresRole } from './postgres.js';
import type { RoleModule } from './role.js';

export const ROLE_MODULES: Record<Role, RoleModule> = {
  postgres: postgresRole,
  etcd: etcdRole,
  haproxy: haproxyRole,
  mongo: mongoRole,
};
