import { describe, expect, it } from 'vitest';
import { compileRequestMix, compileTemplate, TemplateError } from './request-template.js';

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
});
