import { afterEach, describe, expect, it } from 'vitest';
import {
  clearSecretValues,
  createSecretMasker,
  createStreamMasker,
  MIN_MASKED_LENGTH,
  maskSecrets,
  maskSecretsDeep,
  registerSecretValues,
  secretForms,
} from './secret-mask.js';

afterEach(() => clearSecretValues());

describe('createSecretMasker', () => {
  it('replaces every occurrence of a value with ***', () => {
    const mask = createSecretMasker(['s3cr3t-token']);
    expect(mask('Authorization: Bearer s3cr3t-token, again s3cr3t-token.')).toBe(
      'Authorization: Bearer ***, again ***.',
    );
  });

  it('masks the forms a service would print the value in', () => {
    const value = 'p@ss w/"quote"&<tag>\'x';
    const mask = createSecretMasker([value]);
    const printed = [
      value,
      JSON.stringify(value),
      JSON.stringify({ header: value }),
      encodeURIComponent(value),
      encodeURIComponent(value).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()),
      encodeURIComponent(value).replace(/%20/g, '+'),
      encodeURI(value),
      value
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/"/g, '&quot;')
        .replace(/'/g, '&#39;'),
      // Go's encoding/json: <, > and & as \u003c, \u003e, \u0026
      JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026'),
      // JSON inside HTML, and a JSON body quoted again in a log line
      JSON.stringify(JSON.stringify(value)),
    ];
    for (const text of printed) {
      const masked = mask(`before ${text} after`);
      expect(masked, text).toContain('***');
      expect(masked, text).not.toContain('ss w');
      expect(masked, text).not.toContain('ss%20w');
      expect(masked, text).not.toContain('ss+w');
    }
  });

  it('masks the JSON forms PHP (\\/ for /) and Python (\\uXXXX for non-ASCII) write (issue 23 red team)', () => {
    const aws = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const mask = createSecretMasker([aws, 'pässwörd-✓-😀']);
    // PHP: json_encode(['got' => $header])
    expect(mask('{"got":"wJalrXUtnFEMI\\/K7MDENG\\/bPxRfiCYEXAMPLEKEY"}')).toBe('{"got":"***"}');
    // Go: url.QueryEscape(password), Python: quote_plus(password)
    expect(createSecretMasker(["p@ss w!rd*(x)'"])('q=p%40ss+w%21rd%2A%28x%29%27&r=1')).toBe('q=***&r=1');
    // Go: html/template's {{.Key}} in an error page; PHP: htmlspecialchars($key)
    const quoted = `wJalr+XUtn"FE'MI/K7MDENG`;
    const go = createSecretMasker([quoted]);
    expect(go('<p>bad key wJalr&#43;XUtn&#34;FE&#39;MI/K7MDENG</p>')).toBe('<p>bad key ***</p>');
    expect(go('<p>bad key wJalr+XUtn&quot;FE&#039;MI/K7MDENG</p>')).toBe('<p>bad key ***</p>');
    // Python: json.dumps({'got': header})
    expect(mask('{"got": "p\\u00e4ssw\\u00f6rd-\\u2713-\\ud83d\\ude00"}')).toBe('{"got": "***"}');
  });

  it('masks each line of a multi-line value on its own, as a log tail quotes it line by line', () => {
    const pem = '-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\r\nSecondLineOfTheKey/xyz\n-----END KEY-----';
    const mask = createSecretMasker([pem]);
    expect(mask(pem)).toBe('***');
    // A crash reason joins the tail's lines, each masked on its own before.
    expect(mask('crashed: MIIEvQIBADANBgkqhkiG9w0BAQEFAASC | SecondLineOfTheKey/xyz | -----END KEY-----')).toBe(
      'crashed: *** | *** | ***',
    );
    // Short lines stay under the floor.
    expect(createSecretMasker(['ab\ncd\nlong-enough'])('ab cd long-enough')).toBe('ab cd ***');
  });

  it('leaves values under the floor alone and text without values unchanged', () => {
    const short = 'x'.repeat(MIN_MASKED_LENGTH - 1);
    const mask = createSecretMasker([short]);
    expect(mask(`a ${short} b`)).toBe(`a ${short} b`);
    expect(createSecretMasker(['longenough'])('nothing here')).toBe('nothing here');
  });

  it('treats regular-expression characters in a value literally', () => {
    const mask = createSecretMasker(['a.b*c(d)[e]$']);
    expect(mask('xa.b*c(d)[e]$y aXbbc(d)[e]$')).toBe('x***y aXbbc(d)[e]$');
  });

  it('secretForms includes the raw value and its JSON form', () => {
    expect(secretForms('ab"cd')).toEqual(expect.arrayContaining(['ab"cd', 'ab\\"cd', 'ab%22cd', 'ab&quot;cd']));
  });
});

describe('maskSecrets (registered values)', () => {
  it('masks nothing until values are registered', () => {
    expect(maskSecrets('token-12345')).toBe('token-12345');
    registerSecretValues(['token-12345']);
    expect(maskSecrets('token-12345')).toBe('***');
    clearSecretValues();
    expect(maskSecrets('token-12345')).toBe('token-12345');
  });

  it('maskSecretsDeep masks strings in a JSON value, keys included', () => {
    registerSecretValues(['hunter2-long']);
    expect(maskSecretsDeep({ reasons: ['got hunter2-long'], 'hunter2-long': 1, n: 3 })).toEqual({
      reasons: ['got ***'],
      '***': 1,
      n: 3,
    });
  });

  it('maskSecretsDeep leaves an encoded histogram whole even when a value occurs inside it by chance', () => {
    registerSecretValues(['QUJD']);
    const histogram = 'HISTFAAAACl4nJNpmSzMwMDAQUQJQUYGBgZFQUYGQUaGQZmZQUZGBgYVRQ';
    const trial = { logTail: ['echo QUJD'], result: { histogram: `${histogram}QUJD`, phase: 'QUJD' } };
    expect(maskSecretsDeep(trial)).toEqual({
      logTail: ['echo ***'],
      result: { histogram: `${histogram}QUJD`, phase: '***' },
    });
  });
});

describe('createStreamMasker', () => {
  it('masks a value split across chunks, one character at a time', () => {
    registerSecretValues(['split-secret-value']);
    const text = 'line one\nheader: split-secret-value\ntail split-secret-value';
    const stream = createStreamMasker();
    let out = '';
    for (const char of text) out += stream.push(char);
    out += stream.end();
    expect(out).toBe('line one\nheader: ***\ntail ***');
  });

  it('sends whole lines at once when no value spans lines', () => {
    registerSecretValues(['split-secret-value']);
    const stream = createStreamMasker();
    expect(stream.push('ready on port 8080\n')).toBe('ready on port 8080\n');
    // 'partial split-sec' is shorter than the value: all of it could still be the value's start.
    expect(stream.push('partial split-sec')).toBe('');
    expect(stream.push('ret-value done\n')).toBe('partial *** done\n');
    expect(stream.end()).toBe('');
  });

  it('passes chunks through when nothing is registered', () => {
    const stream = createStreamMasker();
    expect(stream.push('abc')).toBe('abc');
    expect(stream.end()).toBe('');
  });
});
