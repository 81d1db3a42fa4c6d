import { describe, expect, it } from 'vitest';
import { codeBlocks, shellCommands } from './code-blocks';

describe('codeBlocks (the README doctest harness)', () => {
  it('finds each fenced block with its language and line; a skip mark before it says why', () => {
    const md = [
      '# T',
      '```ts',
      'a();',
      '```',
      '',
      '<!-- doctest: skip (needs a key) -->',
      '',
      '```js',
      'b();',
      '```',
      '```',
      'plain',
      '```',
    ].join('\n');
    expect(codeBlocks(md)).toEqual([
      { lang: 'ts', code: 'a();\n', line: 2 },
      { lang: 'js', code: 'b();\n', line: 8, skip: 'needs a key' },
      { lang: '', code: 'plain\n', line: 11 },
    ]);
  });

  it('refuses a doctest mark it does not understand, rather than running the block anyway', () => {
    expect(() => codeBlocks('<!-- doctest: skip -->\n```ts\nx\n```\n')).toThrow(/line 1: a doctest mark is/);
  });
});

describe('shellCommands', () => {
  it('splits pipelines, expands a|b alternatives and includes optional parts', () => {
    expect(shellCommands('echo \'{"a": 1}\' | conveyor enqueue q a - --priority 5   # a comment')).toEqual([
      ['echo', '{"a": 1}'],
      ['conveyor', 'enqueue', 'q', 'a', '-', '--priority', '5'],
    ]);
    expect(shellCommands('conveyor retry|cancel q 42 [--json]')).toEqual([
      ['conveyor', 'retry', 'q', '42', '--json'],
      ['conveyor', 'cancel', 'q', '42', '--json'],
    ]);
    expect(shellCommands('conveyor worker [agents ...] [--threads 4]')).toEqual([['conveyor', 'worker', 'agents', '--threads', '4']]);
  });
});
