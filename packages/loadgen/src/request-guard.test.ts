import type { RequestTemplate } from '@peakgate/core';
import { isPeakgateError } from '@peakgate/core';
import { describe, expect, it } from 'vitest';
import { assertRequestsSendable } from './request-guard.js';

const request = (fields: Partial<RequestTemplate>): RequestTemplate => ({
  weight: 1,
  method: 'GET',
  path: '/',
  headers: {},
  ...fields,
});

/** The PeakgateError a plan's requests are refused with (fails when they are accepted). */
function refusal(requests: RequestTemplate[]): { code: string; message: string; details: string[] } {
  try {
    assertRequestsSendable(requests);
  } catch (error) {
    if (isPeakgateError(error)) return { code: error.code, message: error.message, details: [...error.details] };
    throw error;
  }
  throw new Error('expected the requests to be refused');
}

describe('request guard', () => {
  it('accepts requests that reach the wire as written, placeholders and a TAB in a header value included', () => {
    expect(() =>
      assertRequestsSendable([
        request({ path: '/a?b={{pick x y}}&c={{int 1 9}}', headers: { 'x-id': '{{uuid}}', 'x-t': 'a\tb' } }),
        request({ method: 'POST', path: '/b', body: 'line one\r\nline two' }),
      ]),
    ).not.toThrow();
  });

  it.each([
    [
      'a path with CR LF',
      request({ path: '/a\r\nGET /smuggled HTTP/1.1' }),
      'load.requests[0].path: a path cannot hold',
    ],
    ['a path with a space', request({ path: '/a HTTP/1.1' }), 'load.requests[0].path: a path cannot hold'],
    [
      'a header value with CR LF',
      request({ headers: { 'x-a': 'v\r\nHost: evil' } }),
      'load.requests[0].headers.x-a: a header value cannot hold CR, LF, NUL',
    ],
    ['a header value with NUL', request({ headers: { a: 'v\0' } }), 'load.requests[0].headers.a: a header value'],
    ['a header name with LF', request({ headers: { 'x\nHost': 'v' } }), 'expected a header name'],
    ['a header name with a colon', request({ headers: { 'a:b': 'v' } }), 'load.requests[0].headers["a:b"]'],
    [
      'a method with a space',
      request({ method: 'GET /x' as RequestTemplate['method'] }),
      'load.requests[0].method: expected an HTTP method',
    ],
    ['a {{pick}} option with CR', request({ path: '/a?{{pick x\ry}}' }), 'found CR'],
  ])('refuses %s with PG_ERR_SCENARIO_INVALID naming the field', (_, bad, message) => {
    const { code, message: text } = refusal([bad]);
    expect(code).toBe('PG_ERR_SCENARIO_INVALID');
    expect(text).toContain(message);
  });

  it('lists every problem, the first as the message and the rest as details', () => {
    const refused = refusal([request({ path: '/ok' }), request({ path: '/a\n', headers: { b: '\r' } })]);
    expect(refused.message).toMatch(/^load\.requests\[1\]\.path: /);
    expect(refused.details).toEqual([
      'load.requests[1].headers.b: a header value cannot hold CR, LF, NUL or other control characters, found CR at character 1',
    ]);
  });

  it('turns a template that does not compile into PG_ERR_SCENARIO_INVALID', () => {
    expect(refusal([request({ path: '/x/{{int 5 1}}' })])).toMatchObject({
      code: 'PG_ERR_SCENARIO_INVALID',
      message: expect.stringContaining('load.requests[0].path'),
    });
  });
});
