import { describe, expect, it } from 'vitest';
import { renderTable } from './table.js';

describe('renderTable (docker-CLI-like columns)', () => {
  it('pads each column to its widest cell, two spaces apart, nothing after the last cell', () => {
    expect(
      renderTable([
        ['NAME', 'STATE', 'IMAGE'],
        ['fixer', 'running', 'ghcr.io/agentctl/agent:0.1.0'],
        ['a-much-longer-name', 'exited (137)', 'x'],
      ]),
    ).toEqual([
      'NAME                STATE         IMAGE',
      'fixer               running       ghcr.io/agentctl/agent:0.1.0',
      'a-much-longer-name  exited (137)  x',
    ]);
  });

  it('counts wide characters as two columns and colour codes as none', () => {
    const bold = (text: string) => `\u001b[1m${text}\u001b[22m`;
    const lines = renderTable([
      [bold('NAME'), 'WORKSPACE', 'BRANCH'],
      ['a', '/home/用户/项目', 'main'],
      ['bb', '/w', '修复-🐛'],
    ]);
    expect(lines).toEqual([
      `${bold('NAME')}  WORKSPACE        BRANCH`,
      'a     /home/用户/项目  main',
      'bb    /w               修复-🐛',
    ]);
  });

  it('aligns right where asked and keeps a minimum width', () => {
    expect(
      renderTable(
        [
          ['SIZE', 'ID'],
          ['12 MB', 'abc'],
          ['1.20 GB', 'def'],
        ],
        [{ align: 'right', minWidth: 8 }],
      ),
    ).toEqual(['    SIZE  ID', '   12 MB  abc', ' 1.20 GB  def']);
  });

  it('treats missing cells as empty and trims the empty end of a line', () => {
    expect(
      renderTable([
        ['a', 'b', 'c'],
        ['', '', 'fix: x'],
        ['long', ''],
      ]),
    ).toEqual(['a     b  c', '         fix: x', 'long']);
  });
});
