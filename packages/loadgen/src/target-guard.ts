/**
 * The loopback-only rule: peakgate sends load only to loopback addresses unless the user names
 * the host explicitly. Checked before any connection is opened, so a refusal sends nothing.
 */
import { isIP } from 'node:net';
import { PeakgateError } from '@peakgate/core';

/** Parses and checks a load target URL (http or https, no credentials). */
export function parseTargetUrl(target: string): URL {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new PeakgateError('PG_ERR_OPTS_INVALID', `--target: not a URL: ${JSON.stringify(target)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new PeakgateError(
      'PG_ERR_OPTS_INVALID',
      `--target: expected an http:// or https:// URL, got ${url.protocol}`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new PeakgateError('PG_ERR_OPTS_INVALID', '--target: credentials in the URL are not supported');
  }
  return url;
}

/** The URL's hostname without IPv6 brackets, lower-cased. */
export function targetHostname(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

/** True for `localhost`, 127.0.0.0/8, `::1` and IPv4-mapped 127.0.0.0/8. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) {
    if (host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host);
    return mapped?.[1]?.startsWith('127.') === true;
  }
  return false;
}

/**
 * Throws PG_ERR_TARGET_REFUSED unless the target is loopback or its hostname is in `allowHosts`
 * (compared case-insensitively, IPv6 with or without brackets). Returns the parsed URL.
 */
export function assertTargetAllowed(target: string, allowHosts: readonly string[] = []): URL {
  const url = parseTargetUrl(target);
  const host = targetHostname(url);
  if (isLoopbackHost(host)) return url;
  const allowed = allowHosts.map((h) => h.replace(/^\[(.*)\]$/, '$1').toLowerCase());
  if (allowed.includes(host)) return url;
  throw new PeakgateError(
    'PG_ERR_TARGET_REFUSED',
    `refusing to send load to ${host}: only loopback targets (127.0.0.0/8, ::1, localhost) are allowed by default`,
    { details: [`pass --allow-target ${host} if you own that host and mean to load it`] },
  );
}
