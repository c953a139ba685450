import { describe, expect, it } from 'vitest';
import { escapeXml } from './xml-text.js';

describe('escapeXml', () => {
  it('escapes markup and drops what XML forbids', () => {
    expect(escapeXml('<a href="x">&\'</a>\u001b\u0007')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;');
  });

  it('drops bidirectional overrides, embeddings and isolates, keeping the letters (issue 23 red team)', () => {
    expect(escapeXml('peak\u202e sm 10.32 \u2066x\u2069\u202ay\u202c')).toBe('peak sm 10.32 xy');
  });
});
