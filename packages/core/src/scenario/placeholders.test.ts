import { describe, expect, it } from 'vitest';
import { PlaceholderError, parsePlaceholders } from './placeholders.js';

describe('parsePlaceholders', () => {
  it('splits text and placeholders', () => {
    expect(parsePlaceholders('/products?page={{int 1 50}}&id={{uuid}}&c={{ pick red green }}')).toEqual([
      { kind: 'text', text: '/products?page=' },
      { kind: 'int', min: 1, max: 50 },
      { kind: 'text', text: '&id=' },
      { kind: 'uuid' },
      { kind: 'text', text: '&c=' },
      { kind: 'pick', options: ['red', 'green'] },
    ]);
  });

  it('reads {{env NAME}} as a reference to the environment, not its value', () => {
    expect(parsePlaceholders('Bearer {{env API_TOKEN}}')).toEqual([
      { kind: 'text', text: 'Bearer ' },
      { kind: 'env', name: 'API_TOKEN' },
    ]);
  });

  it('keeps plain text as one part and empty text as none', () => {
    expect(parsePlaceholders('/healthz')).toEqual([{ kind: 'text', text: '/healthz' }]);
    expect(parsePlaceholders('')).toEqual([]);
    expect(parsePlaceholders('{{int -5 5}}')).toEqual([{ kind: 'int', min: -5, max: 5 }]);
  });

  it.each([
    ['/a?{{int 5 1}}', '{{int 5 1}}: MIN must not be greater than MAX'],
    ['/a?{{int 1}}', '{{int 1}}: expected {{int MIN MAX}} with two integers'],
    ['/a?{{int 1 x}}', '{{int 1 x}}: expected {{int MIN MAX}} with two integers'],
    ['/a?{{int 1.5 3}}', '{{int 1.5 3}}: expected {{int MIN MAX}} with two integers'],
    ['/a?{{uuid 4}}', '{{uuid 4}}: uuid takes no arguments'],
    ['/a?{{pick}}', '{{pick}}: expected {{pick A B ...}} with at least one option'],
    [
      '/a?{{nope}}',
      'unknown placeholder {{nope}}; placeholders are {{int MIN MAX}}, {{uuid}}, {{pick A B ...}} and {{env NAME}}',
    ],
    ['/a?{{env}}', '{{env}}: expected {{env NAME}} with one environment variable name'],
    ['/a?{{env A B}}', '{{env A B}}: expected {{env NAME}} with one environment variable name'],
    ['/a?{{env 1A}}', '{{env 1A}}: expected {{env NAME}} with one environment variable name'],
    ['/a?{{env A-B}}', '{{env A-B}}: expected {{env NAME}} with one environment variable name'],
    ['/a?{{}}', 'unknown placeholder {{}}'],
    ['/a?{{uuid', '"{{" without a closing "}}" in "/a?{{uuid"'],
    ['/a?uuid}}', '"}}" without an opening "{{" in "/a?uuid}}"'],
    ['/a?{{ {{uuid}}', 'unbalanced "{{" in "/a?{{ {{uuid}}"'],
  ])('rejects %j', (template, message) => {
    expect(() => parsePlaceholders(template)).toThrow(PlaceholderError);
    expect(() => parsePlaceholders(template)).toThrow(message);
  });
});
