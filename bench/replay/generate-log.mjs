// Writes a Combined Log Format access log of about SIZE bytes to FILE (a realistic mix: ids in
// paths, query strings, a few statuses, 1 s timestamps at ~2,000 req/s). Deterministic.
// Usage: node generate-log.mjs FILE SIZE_BYTES
import { createWriteStream } from 'node:fs';

const [file, sizeText] = process.argv.slice(2);
const target = Number(sizeText);
if (!file || !(target > 0)) {
  console.error('usage: node generate-log.mjs FILE SIZE_BYTES');
  process.exit(2);
}
let seed = 12345;
const rand = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const int = (min, max) => min + Math.floor(rand() * (max - min + 1));
const hex = (n) => {
  let out = '';
  for (let i = 0; i < n; i++) out += '0123456789abcdef'[int(0, 15)];
  return out;
};
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n) => String(n).padStart(2, '0');
const clf = (ms) => {
  const d = new Date(ms);
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
};
const paths = [
  () => `/route?key=${int(1, 100000)}`,
  () => `/api/products/${int(1, 50000)}?ref=search&page=${int(1, 20)}`,
  () => `/api/users/${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}/orders`,
  () => `/api/orders/${hex(24)}`,
  () => '/balance',
  () => '/static/app.js',
];
const out = createWriteStream(file, { highWaterMark: 1 << 22 });
let written = 0;
let ms = Date.UTC(2026, 2, 1, 0, 0, 0);
while (written < target) {
  const lines = [];
  for (let i = 0; i < 20000; i++) {
    ms += 0.5;
    const kind = int(0, 9);
    const method = kind === 4 ? 'POST' : 'GET';
    const path = (paths[kind] ?? paths[0])();
    const status = rand() < 0.02 ? 404 : rand() < 0.005 ? 500 : 200;
    lines.push(
      `192.0.2.${int(1, 254)} - - [${clf(ms)}] "${method} ${path} HTTP/1.1" ${status} ${int(100, 9000)} "https://shop.example/" "Mozilla/5.0 (X11; Linux x86_64) bench/1.0"`,
    );
  }
  const chunk = `${lines.join('\n')}\n`;
  written += Buffer.byteLength(chunk);
  if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', resolve));
}
await new Promise((resolve) => out.end(resolve));
console.log(JSON.stringify({ file, bytes: written }));
