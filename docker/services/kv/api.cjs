// A service that needs the kv-store dependency: GET /item?key=K reads K from the store (and
// writes it first when absent), so every request makes one or two calls to the dependency.
// Where the store is comes from PEAKGATE_DEP_KV_URL (peakgate sets it). MODE=regressed spends
// extra CPU per request (a redundant hashing loop), the regression the test must catch.

const http = require('node:http');
const crypto = require('node:crypto');

const base = process.env.PEAKGATE_DEP_KV_URL;
if (!base) {
  console.error('kv-api: PEAKGATE_DEP_KV_URL is not set; start me through peakgate with a kv dependency');
  process.exit(2);
}
const mode = process.env.MODE || 'good';
const rounds = Number(process.env.REGRESSION_ROUNDS || 3000);
const port = Number(process.env.PORT || 8080);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function kv(method, key, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/kv/${key}`, { method, agent, timeout: 2000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
    });
    req.on('timeout', () => req.destroy(new Error('kv timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

function redundantWork(value) {
  let digest = value;
  for (let i = 0; i < rounds; i++) digest = crypto.createHash('sha256').update(digest).digest('hex');
  return digest;
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url || '/', 'http://x');
  if (url.pathname === '/healthz') {
    // Ready only when the store answers: a build without its dependency is not ready.
    try {
      const r = await kv('GET', 'healthz-probe');
      res.statusCode = r.status === 404 || r.status === 200 ? 200 : 503;
    } catch {
      res.statusCode = 503;
    }
    return void res.end();
  }
  if (url.pathname !== '/item') {
    res.statusCode = 404;
    return void res.end();
  }
  const key = (url.searchParams.get('key') || 'k').replace(/[^\w.-]/g, '').slice(0, 64) || 'k';
  try {
    let got = await kv('GET', key);
    if (got.status === 404) {
      await kv('PUT', key, `value-of-${key}`);
      got = await kv('GET', key);
    }
    const checksum = mode === 'regressed' ? redundantWork(got.body) : '';
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ key, value: got.body, checksum }));
  } catch (error) {
    res.statusCode = 502;
    res.end(String(error));
  }
});
server.listen(port, '0.0.0.0', () => console.log(`kv-api listening on ${port} mode=${mode} store=${base}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
