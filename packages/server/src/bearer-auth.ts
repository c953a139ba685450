/**
 * Bearer-token check for every route that reads or starts work. The comparison runs over
 * SHA-256 digests of equal length with timingSafeEqual, so neither the token's content nor its
 * length leaks through response times.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { PeakgateError } from '@peakgate/core';

export function bearerChecker(token: string | undefined): (authorization: string | undefined) => void {
  const expected = token === undefined ? undefined : digest(token);
  return (authorization) => {
    if (expected === undefined) return;
    const match = /^Bearer (.+)$/.exec(authorization ?? '');
    if (match?.[1] === undefined || !timingSafeEqual(digest(match[1]), expected)) {
      throw new PeakgateError(
        'PG_ERR_SERVER_UNAUTHORIZED',
        authorization === undefined ? 'missing bearer token (Authorization: Bearer …)' : 'wrong bearer token',
      );
    }
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** 127.0.0.0/8, ::1 and localhost: the only hosts the server binds without a token. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}
