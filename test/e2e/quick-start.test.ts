import { execa } from 'execa';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { gitSync } from '../helpers/git-repo.js';
import { readTestEngines } from '../helpers/engines.js';

const bin = inject('agentctlBin');
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The README's quick start as the user types it: each `$ ` line of its first console block, comments cut. */
export function quickStartLines(text: string): string[] {
  const section = text.slice(text.indexOf('## Quick start'));
  const block = /```console\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block
    .split('\n')
    .filter((line) => line.startsWith('$ '))
    .map((line) =>
      line
        .slice(2)
        .replace(/\s+#.*$/, '')
        .trim(),
    );
}

const work = mkdtempSync(path.join(tmpdir(), 'agentctl-quick-start-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * Runs the README's quick start literally with the installed binary, in a fresh directory and in a
 * fresh git repository (no commit yet). The image comes from the documented variables; the first
 * agent is attached as in a terminal, and the user types `exit` there; `logs --follow` is ended
 * with Ctrl-C (SIGINT) after a moment, as the README says. Any failing line fails the test. Note:
 * the last line (`stop --all && prune`) acts on every agent of the engine, as it does for a user.
 */
describe.each(['a fresh directory', 'a fresh git repository'])(
  'the README quick start, typed literally in %s',
  (where) => {
    it('every line succeeds', async () => {
      const lines = quickStartLines(readme);
      expect(lines[0]).toMatch(/^cd /);
      expect(lines.length).toBeGreaterThan(5);
      const home = path.join(work, where.replaceAll(' ', '-'));
      const project = path.join(home, lines[0]!.slice(3));
      mkdirSync(project, { recursive: true });
      if (where.includes('git')) gitSync(project, 'init', '-q');
      const [repository, tag] = readTestEngines().testImage.split(':') as [string, string];
      const env = {
        PATH: `${path.dirname(bin)}:${process.env.PATH}`,
        HOME: home,
        NO_COLOR: '1',
        DOCKER_HOST: readTestEngines().docker.host,
        AGENTCTL_IMAGE_REPOSITORY: repository,
        AGENTCTL_IMAGE_TAG: tag,
        AGENTCTL_DATA_DIR: path.join(home, 'agentctl-data'),
        ANTHROPIC_API_KEY: 'sk-ant-quick-start-test',
      };
      try {
        for (const line of lines.slice(1)) {
          const follows = / --follow\b/.test(line);
          const attached = /^agentctl start\b/.test(line) && !/--detach|-d\b/.test(line);
          // Its own process group, as a terminal's foreground job: Ctrl-C reaches agentctl, not only sh.
          const child = execa('sh', ['-c', line], {
            cwd: project,
            env,
            extendEnv: false,
            reject: false,
            input: attached ? 'exit\n' : '',
            timeout: 90_000,
            detached: true,
          });
          const interrupt = follows ? setTimeout(() => process.kill(-child.pid!, 'SIGINT'), 3000) : undefined;
          const result = await child;
          clearTimeout(interrupt);
          const ok = follows
            ? result.exitCode === 130 || result.exitCode === 0 || result.signal === 'SIGINT'
            : result.exitCode === 0;
          expect(ok, `\`${line}\` exited ${result.exitCode ?? result.signal}: ${result.stderr}`).toBe(true);
        }
      } finally {
        // A failed line must not leave the README's agents to the next case.
        await execa(bin, ['rm', '--force', '--volumes', 'reviewer', path.basename(project)], {
          env,
          extendEnv: false,
          reject: false,
        });
      }
    });
  },
);
