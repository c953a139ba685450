import { describe, expect, it } from 'vitest';
import { lddPaths } from './node-base.js';

describe('lddPaths', () => {
  it('takes the resolved path of every library and the loader, not the vdso or unresolved names', () => {
    const output = [
      '\tlinux-vdso.so.1 (0x00007ffd3c9f2000)',
      '\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f0c3c600000)',
      '\tlibm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x00007f0c3c519000)',
      '\tlibmissing.so.1 => not found',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007f0c3cc5e000)',
      '',
    ].join('\n');
    expect(lddPaths(output)).toEqual([
      '/lib/x86_64-linux-gnu/libm.so.6',
      '/lib/x86_64-linux-gnu/libstdc++.so.6',
      '/lib64/ld-linux-x86-64.so.2',
    ]);
  });

  it('is empty for a statically linked binary', () => {
    expect(lddPaths('\tnot a dynamic executable\n')).toEqual([]);
  });
});
