import { describe, expect, it } from 'vitest';
import { logExcerpt } from './log-excerpt.js';

describe('logExcerpt', () => {
  it("keeps the line that says why a Node build died at start, not only Node's epilogue", () => {
    // What `node -e "require('nope-missing')"` prints, as the process driver captured it.
    const tail = [
      'node:internal/modules/cjs/loader:1228',
      '  throw err;',
      '  ^',
      '',
      "Error: Cannot find module 'nope-missing'",
      'Require stack:',
      '- /tmp/pg-term/[eval]',
      '    at Module._resolveFilename (node:internal/modules/cjs/loader:1225:15)',
      '    at Module._load (node:internal/modules/cjs/loader:1051:27)',
      '    at node:internal/main/eval_string:51:3 {',
      "  code: 'MODULE_NOT_FOUND',",
      "  requireStack: [ '/tmp/pg-term/[eval]' ]",
      '}',
      '',
      'Node.js v20.20.2',
    ];
    expect(logExcerpt(tail)).toBe(
      "Error: Cannot find module 'nope-missing' | requireStack: [ '/tmp/pg-term/[eval]' ] | Node.js v20.20.2",
    );
  });

  it('without an error line: the last lines, in order; a panic is found too', () => {
    expect(logExcerpt(['listening on 8080', 'got SIGTERM', 'bye now'])).toBe(
      'listening on 8080 | got SIGTERM | bye now',
    );
    expect(
      logExcerpt(['start', "thread 'main' panicked at src/main.rs:3", 'note: run with RUST_BACKTRACE=1', 'end']),
    ).toBe("thread 'main' panicked at src/main.rs:3 | note: run with RUST_BACKTRACE=1 | end");
    expect(logExcerpt([])).toBe('');
  });
});
