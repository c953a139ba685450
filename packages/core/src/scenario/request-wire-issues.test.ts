import { describe, expect, it } from 'vitest';
import { CLIENT_OWNED_HEADERS, readyPathProblem, requestWireIssues } from './request-wire-issues.js';

describe('requestWireIssues: headers the client owns', () => {
  it.each([...CLIENT_OWNED_HEADERS])('refuses %s, in any case, naming the header', (name) => {
    for (const written of [name, name.toUpperCase()]) {
      expect(requestWireIssues({ path: '/', headers: { [written]: '0' } })).toEqual([
        {
          path: ['headers', written],
          at: 'key',
          message: `the load engine writes ${written} itself (it frames the request or the connection): leave it out`,
        },
      ]);
    }
  });

  it('keeps ordinary headers, content-type and authorization included', () => {
    expect(
      requestWireIssues({
        path: '/',
        headers: { 'content-type': 'application/json', authorization: 'Bearer x', 'x-hostname': 'a' },
      }),
    ).toEqual([]);
  });
});

describe('readyPathProblem: a path of the build itself', () => {
  it.each(['/healthz', '/a/b?x=1', '/q?next=http://x/y', '/%5C'])('accepts %s', (readyPath) => {
    expect(readyPathProblem(readyPath)).toBeUndefined();
  });

  it.each([
    ['//127.0.0.1:47002/x', /without \/\//],
    ['/\\127.0.0.1:47002/x', /without \\/],
    ['/a//b', /without \/\//],
    ['http://127.0.0.1:47002/x', /starting with \//],
    ['127.0.0.1/x', /starting with \//],
  ])('refuses %s', (readyPath, message) => {
    expect(readyPathProblem(readyPath)).toMatch(message);
  });
});
