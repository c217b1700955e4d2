// Synthetic etcd load, run in a lab machine: RATE lease keepalives a second on ONE gRPC LeaseKeepAlive stream (node http2,
// the protobuf by hand) for SECONDS against HOST, then its own CPU.
// bin/pglab exec pg1 -- node -e "$(cat measure/keepalive-load/grpc-stream.cjs)" 10.42.0.20 15 75
const http = require('http'), http2 = require('http2');
const [host, rate, seconds] = ((a) => [a[0], Number(a[1]), Number(a[2])])(process.argv.slice(-3));
const post = (path, body) => new Promise((res, rej) => {
  const data = JSON.stringify(body);
  const req = http.request({ host, port: 2379, path, method: 'POST', headers: { 'content-type': 'application/json' } }, (r) => { let s = ''; r.on('data', (c) => (s += c)); r.on('end', () => res(JSON.parse(s))); });
  req.on('error', rej); req.end(data);
});
const varint = (v) => { const out = []; v = BigInt(v); while (v >= 0x80n) { out.push(Number(v & 0x7fn) | 0x80); v >>= 7n; } out.push(Number(v)); return out; };
(async () => {
  const g = await post('/v3/lease/grant', { TTL: '10' });
  const s = http2.connect(`http://${host}:2379`);
  const st = s.request({ ':method': 'POST', ':path': '/etcdserverpb.Lease/LeaseKeepAlive', 'content-type': 'application/grpc', te: 'trailers' });
  let got = 0; st.on('data', (c) => { got++; });
  const msg = Buffer.from([0x08, ...varint(g.ID)]);
  const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, msg.length]), msg]);
  const c0 = process.cpuUsage(); let n = 0; const end = Date.now() + seconds * 1000;
  const t = setInterval(() => {
    if (Date.now() > end) { clearInterval(t); console.log('cpu%', ((u) => ((u.user + u.system) / 1e4 / seconds).toFixed(3))(process.cpuUsage(c0)), 'sent', n, 'data chunks', got); process.exit(0); }
    n++; st.write(frame);
  }, 1000 / rate);
})();
