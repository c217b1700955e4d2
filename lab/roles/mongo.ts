// MongoDB replica members: not buildable yet (no mongod package reachable); the topology rejects them.
import type { RoleModule } from './role.js';

export const mongoRole: RoleModule = {
  role: 'mongo',
  units: [],
  files: () => [],
};
