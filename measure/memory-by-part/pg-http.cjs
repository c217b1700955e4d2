const { report } = require('./report.cjs');
const { Client } = require('pg');
const http = require('http');
http.createServer((q, r) => r.end('ok')).listen(18999);
const c = new Client({ host: '/var/run/postgresql', user: 'postgres', database: 'postgres' });
c.connect().then(() => setInterval(() => c.query('select pg_is_in_recovery(), pg_last_wal_replay_lsn()').catch(()=>{}), 500));
report('pg+http');
