// Synthetic etcd load through the JSON gateway, run in a lab machine: RATE requests a second of KIND (ka: lease keepalives on
// a lease of its own; range: linearizable range reads of /pglab/) for SECONDS against HOST, then its own CPU.
// bin/pglab exec pg1 -- node -e "$(cat measure/keepalive-load/gateway.cjs)" 10.42.0.20 ka 15 75
const http = require('http');
const [host, kind, rate, seconds] = ((a) => [a[0], a[1], Number(a[2]), Number(a[3])])(process.argv.slice(-4));
const agent = new http.Agent({ keepAlive: true });
const post = (path, body) => new Promise((res, rej) => {
  const data = JSON.stringify(body);
  const req = http.request({ host, port: 2379, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (r) => { let s = ''; r.on('data', (c) => (s += c)); r.on('end', () => res(JSON.parse(s))); });
  req.on('error', rej); req.end(data);
});
(async () => {
  const g = await post('/v3/lease/grant', { TTL: '10' });
  const c0 = process.cpuUsage(); let n = 0;
  const end = Date.now() + seconds * 1000;
  const t = setInterval(async () => {
    if (Date.now() > end) { clearInterval(t); console.log('cpu%', ((u) => ((u.user + u.system) / 1e4 / seconds).toFixed(3))(process.cpuUsage(c0)), 'sent', n); process.exit(0); }
    n++;
    if (kind === 'ka') await post('/v3/lease/keepalive', { ID: g.ID });
    else await post('/v3/kv/range', { key: Buffer.from('/pglab/').toString('base64'), range_end: Buffer.from('/pglab0').toString('base64') });
  }, 1000 / rate);
})();
