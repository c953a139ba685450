/**
 * Fault matrix, targets: an https target given by name is resolved once, checked, and connected to
 * at the checked address, with the name kept for TLS (SNI and the certificate check). The resolver
 * here answers loopback the first time and a TEST-NET address after: a load engine that looked the
 * name up again (as it did for https) would connect elsewhere, or here, where nothing resolves the
 * name at all, fail every request. A local https server with a certificate for the name, made for
 * this test by openssl and trusted through NODE_EXTRA_CA_CERTS, records each connection's SNI.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const NAME = 'rebind.test';
const loader = path.join(import.meta.dirname, 'fixtures', 'https-rebind-load.mjs');
const opensslMissing = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'openssl is not installed';
  }
})();

let dir = '';
let server: Server | undefined;
let port = 0;
const sni: string[] = [];
const hosts: string[] = [];

beforeAll(async () => {
  if (opensslMissing !== undefined) return;
  dir = await mkdtemp(path.join(tmpdir(), 'peakgate-faults-https-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${NAME}`,
      '-addext',
      `subjectAltName=DNS:${NAME}`,
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  server = createServer({ key: await readFile(key), cert: await readFile(cert) }, (request, response) => {
    hosts.push(request.headers.host ?? '');
    response.end('ok');
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    sni.push(String((socket as TLSSocket & { servername?: string | false }).servername));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

function load(model: 'open' | 'closed'): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [loader, `https://${NAME}:${port}/`, model], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: path.join(dir, 'cert.pem') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe.skipIf(opensslMissing !== undefined)(
  `an https target given by name (skipped: ${opensslMissing ?? '-'})`,
  () => {
    it.each(['open', 'closed'] as const)(
      '%s model: one lookup, every connection to the checked address, SNI and certificate for the name',
      async (model) => {
        sni.length = 0;
        hosts.length = 0;
        const run = await load(model);
        expect(run.code, run.stderr).toBe(0);
        const result = JSON.parse(run.stdout) as {
          lookups: number;
          requests: { total: number; ok: number; errors: number };
        };
        // Resolved once: the second answer (192.0.2.1) was never asked for.
        expect(result.lookups).toBe(1);
        expect(result.requests.total).toBeGreaterThan(5);
        // Every request reached this server (the address checked) and was answered: no lookup of
        // the name in the load workers (which cannot resolve it), no certificate error.
        expect(result.requests.errors, run.stdout).toBe(0);
        expect(result.requests.ok).toBe(result.requests.total);
        expect(hosts.length).toBeGreaterThanOrEqual(result.requests.ok);
        expect(new Set(hosts)).toEqual(new Set([`${NAME}:${port}`]));
        expect(sni.length).toBeGreaterThan(0);
        expect(new Set(sni)).toEqual(new Set([NAME]));
      },
      60_000,
    );
  },
);
