// The mongo node kind, as the rest of pglab sees it: machines of role `mongo` running mongod in replica set rs0.
// Everything outside this folder imports from here; the other files are the kind's own business.
export { mongoRole, MONGOD_UNIT } from './role.js';
export { MONGO_TARBALL_NAME } from './tarball.js';
export { serverName, type MongoServer } from './server.js';
export { NPM_SERVER } from './npm-package.js';
export { describeServerInstall, ensureServer, installedServer, installMongod, mongodServerDir, MONGO_SERVER_MOUNT } from './install.js';
export { mongoServerFor, mongoUnavailable, requireMongoMachines } from './availability.js';
export { labMongoUri } from './credentials.js';
export { ensureReplicaSet } from './setup.js';
export { addMongoStates, mongoServerOf } from './status.js';
export { helloAll, helloOn, memberClient } from './probe.js';
export { memberState, MONGO_PORT, rejoined } from './replica-set.js';
