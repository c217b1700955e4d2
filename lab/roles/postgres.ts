// PostgreSQL nodes: booted bare here; pgdaemon (deployed later) owns PostgreSQL itself.
import type { RoleModule } from './role.js';

export const postgresRole: RoleModule = {
  role: 'postgres',
  units: [],
  files: () => [],
};
