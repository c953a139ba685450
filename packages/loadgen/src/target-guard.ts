/**
 * The loopback-only rule: peakgate sends load only to loopback addresses unless the user names
 * the host explicitly. Checked before any connection is opened, so a refusal sends nothing.
 *
 * A name is never trusted as written (`evil.localhost` may resolve anywhere): {@link resolveTarget}
 * resolves it once, checks every address it resolves to, and returns a URL naming the checked
 * address, which the load engine connects to (with the original Host header). No second lookup
 * happens, so a resolver cannot answer loopback for the check and another address for the load
 * (DNS rebinding). Numeric spellings (`2130706433`, `0x7f.1`, `[::ffff:7f00:1]`) are normalised by
 * the URL parser and judged by the address they mean.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
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

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** True for an IP address in 127.0.0.0/8 or ::1, IPv4-mapped IPv6 included (`::ffff:127.0.0.1`, `::ffff:7f00:1`). */
export function isLoopbackAddress(address: string): boolean {
  const host = address.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const family = isIP(host);
  if (family === 4) return loopback.check(host, 'ipv4');
  // BlockList matches IPv4 rules against IPv4-mapped IPv6 addresses too.
  if (family === 6) return loopback.check(host, 'ipv6');
  return false;
}

/** True for `localhost` and loopback addresses; no lookup (names other than `localhost` are not loopback here). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return host === 'localhost' || isLoopbackAddress(host);
}

/**
 * Throws PG_ERR_TARGET_REFUSED unless the target is loopback or its hostname is in `allowHosts`
 * (compared case-insensitively, IPv6 with or without brackets). Returns the parsed URL. This check
 * is on the text only; {@link resolveTarget} is the one the load engine relies on.
 */
export function assertTargetAllowed(target: string, allowHosts: readonly string[] = []): URL {
  const url = parseTargetUrl(target);
  const host = targetHostname(url);
  if (isLoopbackHost(host) || isAllowed(host, allowHosts)) return url;
  if (isIP(host) === 0) return url; // a name: decided by resolveTarget
  throw refused(host);
}

export type LookupAll = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

const systemLookup: LookupAll = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export interface ResolvedTarget {
  /** The URL as given (normalised by the URL parser). */
  url: URL;
  /** The URL to connect to: the checked address in place of a name. */
  connectUrl: URL;
  /** The Host header to send when connectUrl differs from url (the name and port as given). */
  hostHeader?: string;
  /**
   * https to a name: the name for TLS (SNI and the certificate check), while the connection goes
   * to the checked address in connectUrl.
   */
  servername?: string;
  /** Every address the name resolved to (just the address itself for an IP). */
  addresses: string[];
}

/**
 * Resolves the target once and checks every address: all must be loopback unless the hostname is
 * in `allowHosts`. Returns where to connect. `lookup` is the system resolver by default (tests
 * pass one that answers what they need).
 */
export async function resolveTarget(
  target: string,
  allowHosts: readonly string[] = [],
  lookup: LookupAll = systemLookup,
): Promise<ResolvedTarget> {
  const url = parseTargetUrl(target);
  const host = targetHostname(url);
  const allowed = isAllowed(host, allowHosts);
  if (isIP(host) !== 0) {
    if (!allowed && !isLoopbackAddress(host)) throw refused(host);
    return { url, connectUrl: url, addresses: [host] };
  }
  let answers: Array<{ address: string; family: number }>;
  try {
    answers = await lookup(host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    throw new PeakgateError('PG_ERR_OPTS_INVALID', `--target: cannot resolve ${host}${code ? ` (${code})` : ''}`, {
      cause: error,
    });
  }
  const addresses = answers.map((answer) => answer.address);
  if (addresses.length === 0) throw new PeakgateError('PG_ERR_OPTS_INVALID', `--target: ${host} resolves to nothing`);
  const outside = addresses.filter((address) => !isLoopbackAddress(address));
  if (!allowed && outside.length > 0) throw refused(host, outside);
  const first = addresses[0] as string;
  const connectUrl = new URL(url.href);
  connectUrl.hostname = isIP(first) === 6 ? `[${first}]` : first;
  // https connects to the address too; the name goes to TLS as the servername (SNI, and the name
  // the certificate is checked against), so no second lookup happens for https either.
  if (url.protocol === 'https:') return { url, connectUrl, hostHeader: url.host, servername: host, addresses };
  return { url, connectUrl, hostHeader: url.host, addresses };
}

function isAllowed(host: string, allowHosts: readonly string[]): boolean {
  return allowHosts.map((h) => h.replace(/^\[(.*)\]$/, '$1').toLowerCase()).includes(host);
}

function refused(host: string, resolved?: readonly string[]): PeakgateError {
  const via = resolved === undefined ? '' : ` (it resolves to ${resolved.slice(0, 4).join(', ')})`;
  return new PeakgateError(
    'PG_ERR_TARGET_REFUSED',
    `refusing to send load to ${host}${via}: only loopback targets (127.0.0.0/8, ::1, names that resolve only to them) are allowed by default`,
    { details: [`pass --allow-target ${host} if you own that host and mean to load it`] },
  );
}
