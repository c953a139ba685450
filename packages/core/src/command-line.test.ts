import { describe, expect, it } from 'vitest';
import { CommandLineError, splitCommandLine } from './command-line.js';

describe('splitCommandLine', () => {
  it('splits words like a shell, without running one', () => {
    expect(splitCommandLine('node server.js --port 8080')).toEqual(['node', 'server.js', '--port', '8080']);
    expect(splitCommandLine(`  node  -e "console.log('a b')"  `)).toEqual(['node', '-e', "console.log('a b')"]);
    expect(splitCommandLine(`sh -c 'echo "$HOME"'`)).toEqual(['sh', '-c', 'echo "$HOME"']);
    expect(splitCommandLine('a\\ b "" c')).toEqual(['a b', '', 'c']);
    expect(splitCommandLine('"say \\"hi\\""')).toEqual(['say "hi"']);
  });

  it('keeps what a shell would expand or treat as an operator as plain text (no shell runs it)', () => {
    expect(splitCommandLine('node a#b #c')).toEqual(['node', 'a#b', '#c']);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${X} is the point of the case
    expect(splitCommandLine('node ${X}y $HOME "$PORT"')).toEqual(['node', '${X}y', '$HOME', '$PORT']);
    expect(splitCommandLine('node *.js > log && true')).toEqual(['node', '*.js', '>', 'log', '&&', 'true']);
  });

  it('rejects an unbalanced quote', () => {
    expect(() => splitCommandLine("node 'x")).toThrow(CommandLineError);
    expect(() => splitCommandLine("node 'x")).toThrow(`unbalanced ' quote in "node 'x"`);
    expect(() => splitCommandLine('node "x \\"')).toThrow(CommandLineError);
  });
});
