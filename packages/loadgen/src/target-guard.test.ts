import { isPeakgateError } from '@peakgate/core';
import { describe, expect, it } from 'vitest';
import {
  assertTargetAllowed,
  isLoopbackAddress,
  isLoopbackHost,
  type LookupAll,
  resolveTarget,
} from './target-guard.js';

describe('target guard', () => {
  it.each(['localhost', '127.0.0.1', '127.8.9.1', '::1', '[::1]'])('treats %s as loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(['10.0.0.1', 'example.com', '128.0.0.1', '::2', 'evil.localhost', '::ffff:10.0.0.1', '::ffff:a00:1'])(
    'does not treat %s as loopback',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
    },
  );

  it('refuses non-loopback targets unless allowed', () => {
    expect(() => assertTargetAllowed('http://10.0.0.1:8080')).toThrow(/only loopback/);
    try {
      assertTargetAllowed('http://10.0.0.1:8080');
      expect.unreachable();
    } catch (error) {
      expect(isPeakgateError(error) && error.code).toBe('PG_ERR_TARGET_REFUSED');
    }
    expect(assertTargetAllowed('http://Example.com:8080', ['example.com']).hostname).toBe('example.com');
    expect(assertTargetAllowed('http://[::1]:80/').port).toBe('');
    expect(() => assertTargetAllowed('ftp://127.0.0.1/')).toThrow(/http/);
  });

  it.each(['::ffff:127.0.0.1', '::ffff:7f00:1', '0:0:0:0:0:0:0:1'])(
    'treats the IPv4-mapped or long form %s as loopback',
    (address) => {
      expect(isLoopbackAddress(address)).toBe(true);
    },
  );
});

describe('resolveTarget', () => {
  const answering =
    (...addresses: string[]): LookupAll =>
    async () =>
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  const refusal = async (promise: Promise<unknown>): Promise<string> => {
    try {
      await promise;
    } catch (error) {
      return isPeakgateError(error) ? error.code : String(error);
    }
    return 'resolved';
  };

  it('judges numeric spellings by the address they mean (the URL parser normalises them)', async () => {
    for (const loop of [
      'http://2130706433:81/',
      'http://0x7f000001:81/',
      'http://0177.0.0.1:81/',
      'http://[::ffff:7f00:1]:81/',
    ])
      expect((await resolveTarget(loop, [], answering())).connectUrl.port).toBe('81');
    for (const outside of [
      'http://3232235777/',
      'http://0xc0a80101/',
      'http://[::ffff:c0a8:101]/',
      'http://0300.0250.1.1/',
    ])
      expect(await refusal(resolveTarget(outside, [], answering()))).toBe('PG_ERR_TARGET_REFUSED');
  });

  it('resolves a name once, refuses it when any address is not loopback, even *.localhost and localhost', async () => {
    expect(await refusal(resolveTarget('http://evil.localhost:8080/', [], answering('10.1.2.3')))).toBe(
      'PG_ERR_TARGET_REFUSED',
    );
    expect(await refusal(resolveTarget('http://localhost:8080/', [], answering('127.0.0.1', '192.0.2.1')))).toBe(
      'PG_ERR_TARGET_REFUSED',
    );
  });

  it('connects to the address it checked, with the name in Host', async () => {
    let lookups = 0;
    const once: LookupAll = async () => {
      lookups += 1;
      return [{ address: lookups === 1 ? '127.0.0.7' : '10.0.0.1', family: 4 }];
    };
    const resolved = await resolveTarget('http://app.localhost:8080/base', [], once);
    expect(resolved.connectUrl.href).toBe('http://127.0.0.7:8080/base');
    expect(resolved.hostHeader).toBe('app.localhost:8080');
    expect(lookups).toBe(1);
    const v6 = await resolveTarget('http://six.localhost:9/', [], answering('::1'));
    expect(v6.connectUrl.host).toBe('[::1]:9');
  });

  it('https: connects to the address it checked too, with the name as the TLS servername', async () => {
    const resolved = await resolveTarget('https://app.localhost:8443/', [], answering('127.0.0.9'));
    expect(resolved.connectUrl.href).toBe('https://127.0.0.9:8443/');
    expect(resolved.servername).toBe('app.localhost');
    expect(resolved.hostHeader).toBe('app.localhost:8443');
    // An address needs no servername (certificates for an IP are checked against the IP).
    expect((await resolveTarget('https://127.0.0.1:8443/')).servername).toBeUndefined();
  });

  it('lets --allow-target name a host that resolves elsewhere', async () => {
    const resolved = await resolveTarget('http://staging.example:80/', ['staging.example'], answering('192.0.2.5'));
    expect(resolved.connectUrl.hostname).toBe('192.0.2.5');
  });
});
