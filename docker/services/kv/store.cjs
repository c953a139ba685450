// A tiny in-memory key-value store over HTTP, the dependency in peakgate's dependency tests:
//   PUT /kv/<key> (body = value)   GET /kv/<key>   GET /healthz
// Listens on PORT (default 7000). Plain Node, no packages: the image is FROM the offline base.

const http = require('node:http');

// KV_CRASH=1: die while starting, for the test of a dependency that never gets ready.
if (process.env.KV_CRASH) {
  console.error('kv-store: refusing to start (KV_CRASH is set)');
  process.exit(3);
}

const store = new Map();
const port = Number(process.env.PORT || 7000);

const server = http.createServer((req, res) => {
  if (req.url === '/healthz') return void res.end('ok');
  const match = /^\/kv\/([\w.-]{1,128})$/.exec(req.url || '');
  if (!match) {
    res.statusCode = 404;
    return void res.end();
  }
  const key = match[1];
  if (req.method === 'PUT') {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      store.set(key, Buffer.concat(chunks).toString());
      res.statusCode = 204;
      res.end();
    });
    return;
  }
  if (!store.has(key)) {
    res.statusCode = 404;
    return void res.end();
  }
  res.end(store.get(key));
});
server.keepAliveTimeout = 30_000;
server.listen(port, '0.0.0.0', () => console.log(`kv-store listening on ${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
