import { describe, expect, it } from 'vitest';
import { compileRequestMix, compileTemplate, envNamesIn, envValuesFor, TemplateError } from './request-template.js';

describe('request templates', () => {
  it('fills {{int}}, {{uuid}} and {{pick}} in path, headers, body and json string leaves', () => {
    const t = compileTemplate(
      {
        weight: 1,
        method: 'POST',
        path: '/items/{{int 3 5}}?c={{pick red green}}',
        headers: { 'x-id': '{{uuid}}' },
        json: { name: 'n-{{int 1 1}}', tags: ['{{pick a}}', 7], nested: { id: '{{uuid}}' }, '{{int 1 2}}': 'key' },
      },
      'requests[0]',
    );
    expect(t.constant).toBe(false);
    for (let i = 0; i < 50; i++) {
      const r = t.render();
      expect(r.path).toMatch(/^\/items\/[345]\?c=(red|green)$/);
      expect(r.headers['x-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(r.headers['content-type']).toBe('application/json');
      const body = JSON.parse(r.body ?? '');
      expect(body.name).toBe('n-1');
      expect(body.tags).toEqual(['a', 7]);
      expect(body.nested.id).toHaveLength(36);
      // Keys are not templated.
      expect(body['{{int 1 2}}']).toBe('key');
    }
  });

  it('keeps constant templates constant and honours weights', () => {
    const fixed = compileRequestMix([{ weight: 1, method: 'GET', path: '/a', headers: {} }]);
    expect(fixed.fixed?.path).toBe('/a');
    const mix = compileRequestMix([
      { weight: 7, method: 'GET', path: '/seven', headers: {} },
      { weight: 3, method: 'GET', path: '/three', headers: {} },
    ]);
    let seven = 0;
    for (let i = 0; i < 20_000; i++) if (mix.next().path === '/seven') seven++;
    expect(seven / 20_000).toBeGreaterThan(0.68);
    expect(seven / 20_000).toBeLessThan(0.72);
  });

  it.each([
    ['/x/{{int 5 1}}', 'MIN <= MAX'],
    ['/x/{{int a b}}', 'integers'],
    ['/x/{{uuid 3}}', 'no arguments'],
    ['/x/{{pick}}', 'at least one option'],
    ['/x/{{random}}', 'unknown placeholder'],
    ['/x/{{int 1 2}', 'unbalanced'],
  ])('refuses %s with a TemplateError naming the field', (path, message) => {
    const compile = () => compileRequestMix([{ weight: 1, method: 'GET', path, headers: {} }]);
    expect(compile).toThrow(TemplateError);
    expect(compile).toThrow('load.requests[0].path');
    expect(compile).toThrow(message);
  });

  it('refuses an empty mix (nothing to send)', () => {
    expect(() => compileRequestMix([])).toThrow('load.requests: expected at least one request');
  });

  describe('{{env NAME}}', () => {
    const template = {
      weight: 1,
      method: 'POST' as const,
      path: '/a?token={{env TOKEN}}',
      headers: { authorization: 'Bearer {{env TOKEN}}' },
      json: { password: '{{env PASSWORD}}', n: '{{int 1 1}}' },
    };

    it('fills values given in the task, the same for every request', () => {
      const rendered = compileTemplate(template, 'r', 0, { TOKEN: 'abc', PASSWORD: 'p w\nx' }).render();
      expect(rendered.path).toBe('/a?token=abc');
      expect(rendered.headers.authorization).toBe('Bearer abc');
      // A body takes any text: its length is sent, so a line break there is data.
      expect(JSON.parse(rendered.body ?? '')).toEqual({ password: 'p w\nx', n: '1' });
      // A body with no other placeholder is built once, with the value in it.
      const constant = compileTemplate({ ...template, json: { list: [{ password: '{{env PASSWORD}}' }] } }, 'r', 0, {
        TOKEN: 'abc',
        PASSWORD: 'pw',
      });
      expect(constant.constant).toBe(true);
      expect(constant.render().body).toBe('{"list":[{"password":"pw"}]}');
    });

    it('names a variable that is not set', () => {
      expect(() => compileTemplate(template, 'load.requests[0]', 0, { TOKEN: 'abc' })).toThrow(
        'load.requests[0].json.password: {{env PASSWORD}}: no value was handed in for PASSWORD (run with --env PASSWORD)',
      );
    });

    it.each([
      [
        'path',
        { TOKEN: 'a b', PASSWORD: '' },
        'load.requests[0].path: {{env TOKEN}}: the value of TOKEN holds a space',
      ],
      ['path', { TOKEN: 'a\r\nHost: evil', PASSWORD: '' }, 'holds control character U+000D at character 2'],
      ['header', { TOKEN: 'ok', PASSWORD: '' }, ''],
    ])('refuses a value with CR, LF or a space where it would reach the request line (%s)', (_field, env, message) => {
      const withHeaderOnly = { ...template, path: '/a' };
      if (message === '') {
        expect(() =>
          compileTemplate(withHeaderOnly, 'load.requests[0]', 0, { TOKEN: 'x\ty', PASSWORD: '' }),
        ).not.toThrow();
        expect(() => compileTemplate(withHeaderOnly, 'load.requests[0]', 0, { TOKEN: 'x\ny', PASSWORD: '' })).toThrow(
          'load.requests[0].headers.authorization: {{env TOKEN}}: the value of TOKEN holds control character U+000A',
        );
        return;
      }
      expect(() => compileTemplate(template, 'load.requests[0]', 0, env)).toThrow(message);
    });

    it('finds the names a plan uses and reads only those', () => {
      expect(envNamesIn([template])).toEqual(['PASSWORD', 'TOKEN']);
      expect(envValuesFor([template], { TOKEN: 't', OTHER: 'o' })).toEqual({ TOKEN: 't' });
    });
  });
});
