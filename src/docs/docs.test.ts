import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../shared/exit-codes.js';
import { renderCommandReference } from './command-reference.js';
import { getProgramDefinition, walkCommands } from './program-definition.js';

const read = (name: string) => readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8');
const program = getProgramDefinition();
const commands = walkCommands(program);

describe('the docs', () => {
  it('docs/commands.md is what `npm run docs` generates from the program definition', () => {
    // When this fails after adding or changing a command: run `npm run docs` and commit the result.
    expect(read('commands.md')).toBe(renderCommandReference(program));
  });

  it('finds the commands by walking the program (a sanity check of the walk itself)', () => {
    const paths = commands.map((c) => c.path);
    expect(paths).toEqual(expect.arrayContaining(['version', 'config', 'config show', 'completion']));
    expect(paths).not.toContain('__complete');
  });

  it.each(commands.map((c) => c.path))('the command reference and the user guide both cover `agentctl %s`', (path) => {
    expect(read('commands.md')).toContain(`## agentctl ${path}\n`);
    expect(read('user-guide.md')).toContain(`agentctl ${path}`);
  });

  it.each(Object.entries(EXIT_CODES))(
    'the command reference and exit-code page document exit code of %s',
    (kind, { code }) => {
      expect(read('commands.md')).toMatch(new RegExp(`^\\| ${code} \\| ${kind} \\|`, 'm'));
      expect(read('exit-codes.md')).toMatch(new RegExp(`^\\| ${code} \\| ${kind} \\|`, 'm'));
    },
  );
});
