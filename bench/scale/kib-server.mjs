// The "trivial server" of the scale bench: node:http answering every request with 1 KiB of JSON
// (no framework), so the generator is measured against about the cheapest service there is.
// Listens on 127.0.0.1, a free port; prints the port on stdout.
import { createServer } from 'node:http';

const body = Buffer.from(JSON.stringify({ pad: 'x'.repeat(1024 - 10) }));
if (body.length !== 1024) throw new Error(`body is ${body.length} bytes, not 1024`);
const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    response.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
