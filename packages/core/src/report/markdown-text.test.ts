import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';
import {
  markdownCodeBlock,
  markdownCodeSpan,
  markdownHtmlText,
  markdownInline,
  markdownText,
} from './markdown-text.js';

// A CommonMark renderer with raw HTML on, as GitHub's job summary allows <img> and <strong>.
const md = new MarkdownIt({ html: true });
const render = (markdown: string): string => md.render(markdown);

const HOSTILE = [
  '`<img src=x onerror=alert(1)>`',
  '<strong>FORGED: PASS</strong>',
  '**FORGED** _x_ [link](https://evil.example) ![i](https://evil.example/i.png)',
  'a | b\nc\r<img src=y>',
  '# FORGED',
  '- item',
  '1. item',
  '> quote',
  '---',
  '+ plus',
  '2) item',
  '    indented code',
  '```',
  '````<strong>x</strong>',
  '&lt;img src=z&gt;',
  'x\u001b]0;title\u0007y\u2028<b>z</b>',
];

describe('markdownText', () => {
  it.each(HOSTILE)('renders %j as its characters in a paragraph, a list item and a table cell', (text) => {
    for (const markdown of [
      markdownText(text),
      `- ${markdownText(text)}`,
      `## title: ${markdownText(text)}`,
      `| a | b |\n| --- | --- |\n| ${markdownInline(text)} | 2 |`,
      `## peakgate compare: ${markdownInline(text)}`,
    ]) {
      const html = render(markdown);
      expect(html).not.toMatch(/<(img|strong|em|a|h1|blockquote|ol|pre|b|hr|del|s)\b/);
      // Only the one list item or table we wrote.
      expect(html.match(/<li>/g)?.length ?? 0).toBeLessThanOrEqual(1);
      expect(html.match(/<td>/g)?.length ?? 0).toBeLessThanOrEqual(2);
    }
  });

  it('keeps ordinary text and figures readable', () => {
    for (const figure of ['1.336 ms', '+68.9%', '-1.8%..-1.8%', '-', '12 req/s']) {
      expect(markdownInline(figure)).toBe(figure);
      expect(markdownText(figure)).toBe(figure === '-' ? '\\-' : figure);
    }
    expect(markdownText('checkout-peak v1.2 (GET /items?page=2)')).toBe('checkout-peak v1.2 (GET /items?page=2)');
    expect(render(markdownText('a|b `c` <d>'))).toBe('<p>a|b `c` &lt;d&gt;</p>\n');
  });
});

describe('bidirectional controls (issue 23 red team)', () => {
  it('drops overrides, embeddings and isolates from every form, keeping the letters', () => {
    const spoof = 'peak\u202e sm 10.32 \u2066x\u2069\u202ay\u202c';
    for (const shown of [
      markdownInline(spoof),
      markdownText(spoof),
      markdownCodeSpan(spoof),
      ...markdownCodeBlock([spoof]),
    ]) {
      expect(shown).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
    }
    expect(markdownInline(spoof)).toBe('peak sm 10.32 xy');
  });
});

describe('markdownCodeSpan', () => {
  it.each(HOSTILE)('keeps %j inside one code span', (text) => {
    const html = render(`Baseline ${markdownCodeSpan(text)} against candidate ${markdownCodeSpan('ok')}.`);
    expect(html).not.toMatch(/<(img|strong|em|a|b)\b/);
    expect(html.match(/<code>/g)).toHaveLength(2);
  });

  it('fences with more backticks than any run inside and pads a leading or trailing backtick', () => {
    expect(markdownCodeSpan('node server.js')).toBe('`node server.js`');
    expect(markdownCodeSpan('a``b')).toBe('```a``b```');
    expect(markdownCodeSpan('`x`')).toBe('`` `x` ``');
    expect(render(markdownCodeSpan('`x`'))).toBe('<p><code>`x`</code></p>\n');
    expect(markdownCodeSpan('')).toBe('` `');
  });
});

describe('markdownCodeBlock', () => {
  it('keeps every line inside one fence, whatever backticks or HTML it holds', () => {
    const lines = ['```', '````', '</details>', '<img src=x>', 'a\rb', '~~~'];
    const html = render(
      ['<details><summary>x</summary>', '', ...markdownCodeBlock(lines), '', '</details>'].join('\n'),
    );
    expect(html.match(/<pre>/g)).toHaveLength(1);
    expect(html).not.toMatch(/<img/);
    expect(html).toContain('&lt;/details&gt;');
  });
});

describe('markdownHtmlText', () => {
  it('escapes HTML inside a raw <summary> line', () => {
    const html = render(
      `<details><summary>${markdownHtmlText('<img src=x> & <strong>FORGED</strong>')}</summary>\n\n</details>`,
    );
    expect(html).not.toMatch(/<(img|strong)\b/);
    expect(html).toContain('&lt;img src=x&gt;');
  });
});
