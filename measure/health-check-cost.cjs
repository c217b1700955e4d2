// Per-check CPU of node's http server vs a bare net server answering haproxy-style OPTIONS checks (a new connection
// each, like haproxy's). Run inside a machine: node --max-semi-space-size=1 --jitless --no-expose-wasm -e "$(cat FILE)" http|net
const http = require('http'), net = require('net');
const kind = process.argv.at(-1); // last: works as a file and with node -e "$(cat FILE)" KIND
let server;
if (kind === 'http') {
  server = http.createServer((req, res) => { const u = new URL(req.url, 'http://x'); u.searchParams.get('lag'); res.writeHead(200, { 'content-type': 'application/json', 'content-length': 0 }); res.end(''); });
} else {
  server = net.createServer((s) => {
    let buf = '';
    s.setEncoding('latin1');
    s.on('data', (d) => { buf += d; if (buf.includes('\r\n\r\n') || buf.length > 8192) { const line = buf.slice(0, buf.indexOf('\r\n')); line.split(' '); s.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 0\r\nconnection: close\r\n\r\n'); } });
    s.on('error', () => s.destroy());
  });
}
server.listen(0, '127.0.0.1', async () => {
  const port = server.address().port;
  const N = 1000;
  // The client is another process so only the server's CPU is in process.cpuUsage.
  const client = `const net=require('net');let n=0;function one(){const s=net.connect(${port},'127.0.0.1',()=>s.write('OPTIONS /primary HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n'));s.on('data',()=>{});s.on('close',()=>{if(++n<${N})one();});s.on('error',()=>{});}one();`;
  const before = process.cpuUsage();
  await new Promise((r) => { const c = require('child_process').spawn(process.execPath, ['-e', client], { stdio: 'inherit' }); c.on('exit', r); });
  const d = process.cpuUsage(before);
  console.log(`${kind}: ${((d.user + d.system) / 1000 / N).toFixed(3)} ms CPU per check (${N} checks)`);
  process.exit(0);
});
