import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFakeAgentImages, removeFakeAgentImages } from '../helpers/fake-agents.js';
import { readTestEngines } from '../helpers/engines.js';
import { lifecycleFixture } from '../helpers/lifecycle.js';

// The built-in profiles with fake agent CLIs (test/helpers/fake-agents.ts) in images named as the
// profiles' stacks name them: `<repository>:<tag>`, `<repository>-codex:<tag>`, …
const f = lifecycleFixture('agents');
const suffix = f.agentName('x').split('-').pop()!;
const repository = `agentctl-test/fake-agent-${suffix}`;
const TAG = '1.0.0';
const SECRET = `sk-fake-openai-${suffix}-9f3e`;
let images: string[] = [];
let configHome = '';
const env = (extra: Record<string, string> = {}) => ({
  AGENTCTL_IMAGE_REPOSITORY: repository,
  AGENTCTL_IMAGE_TAG: TAG,
  // No user config: what is tested is what agentctl knows by itself.
  XDG_CONFIG_HOME: configHome,
  ...extra,
});

async function logsOf(name: string): Promise<string> {
  const result = await f.cli(['logs', name]);
  expect(result.exitCode, result.stderr + result.stdout).toBe(0);
  return result.stdout;
}

describe(`built-in agent profiles on ${f.engineName}`, () => {
  beforeAll(async () => {
    images = await buildFakeAgentImages(f.docker, readTestEngines().debianImage, repository, TAG);
    configHome = join(f.workspace(), 'config');
    mkdirSync(configHome);
  }, 300_000);
  afterAll(async () => {
    await f.cleanUp();
    await removeFakeAgentImages(f.docker, images);
  });

  it('start --agent codex with no config runs the codex stack image, its command and offers OPENAI_API_KEY as a file', async () => {
    const name = f.agentName('codex');
    const result = await f.cli(['start', name, '-d', '--agent', 'codex', '--json', '--workspace', f.workspace()], {
      env: env({ OPENAI_API_KEY: SECRET }),
    });
    expect(result.exitCode, result.stderr + result.stdout).toBe(0);
    expect(result.json.agent.image).toBe(`${repository}-codex:${TAG}`);
    expect(await logsOf(name)).toMatch(/^codex: fresh session [0-9a-f-]{36}$/m);
    const container = await f.docker.getContainer(`agentctl-${name}`).inspect();
    expect(container.Config.Env).toContain('OPENAI_API_KEY_FILE=/run/secrets/OPENAI_API_KEY');
    expect(container.Config.Env.join('\n')).not.toContain(SECRET);
    expect(f.outputs.join('\n')).not.toContain(SECRET);
  });

  it('plain start runs the default profile, claude, on the base stack image', async () => {
    const name = f.agentName('claude');
    const result = await f.cli(['start', name, '-d', '--json', '--workspace', f.workspace()], { env: env() });
    expect(result.exitCode, result.stderr + result.stdout).toBe(0);
    expect(result.json.agent.image).toBe(`${repository}:${TAG}`);
    expect(await logsOf(name)).toMatch(/^claude: fresh session /m);
  });

  it('a user config changes one field of a built-in profile and keeps the others', async () => {
    const own = join(f.workspace(), 'config');
    mkdirSync(join(own, 'agentctl'), { recursive: true });
    writeFileSync(
      join(own, 'agentctl', 'config.yaml'),
      `agents:\n  gemini:\n    image: ${repository}-opencode:${TAG}\n`,
    );
    const name = f.agentName('gemini');
    const result = await f.cli(['start', name, '-d', '--agent', 'gemini', '--json', '--workspace', f.workspace()], {
      env: env({ XDG_CONFIG_HOME: own }),
    });
    expect(result.exitCode, result.stderr + result.stdout).toBe(0);
    expect(result.json.agent.image).toBe(`${repository}-opencode:${TAG}`);
    // The image changed; the command is still the built-in gemini one.
    expect(await logsOf(name)).toMatch(/^gemini: fresh session /m);
    const shown = await f.cli(['config', 'show', '--json'], { env: env({ XDG_CONFIG_HOME: own }) });
    expect(shown.json.config.agents.gemini.resumeCommand).toEqual(['gemini', '--resume']);
    const sources = new Map(
      shown.json.values.map((value: { key: string; source: string }) => [value.key, value.source]),
    );
    expect(sources.get('agents.gemini.image')).toBe(join(own, 'agentctl', 'config.yaml'));
    expect(sources.get('agents.gemini.command')).toBe('built-in');
  });

  describe('sessions that resume', () => {
    const start = async (args: string[], extra: Record<string, string> = {}) => {
      const result = await f.cli(['start', ...args, '-d', '--json'], { env: env(extra) });
      // The fake agent ends at once: wait for it, so the next start finds it stopped.
      if (result.exitCode === 0) expect((await f.cli(['wait', args[0]!])).exitCode).toBe(0);
      return result;
    };

    it('start --continue resumes the last session (the home volume), a plain start begins a fresh one, also after re-creation', async () => {
      const name = f.agentName('resume');
      const workspace = f.workspace();
      expect((await start([name, '--workspace', workspace])).exitCode).toBe(0);
      const first = /claude: fresh session ([0-9a-f-]{36})/.exec(await logsOf(name))![1]!;

      const resumed = await start([name, '--continue']);
      expect(resumed.exitCode, resumed.stdout + resumed.stderr).toBe(0);
      expect(await logsOf(name)).toContain(`claude: resumed session ${first} (turn 1)`);

      expect((await start([name])).exitCode).toBe(0);
      const sessions = [...(await logsOf(name)).matchAll(/claude: fresh session ([0-9a-f-]{36})/g)].map((m) => m[1]);
      expect(sessions).toHaveLength(2);
      const second = sessions[1]!;
      expect(second).not.toBe(first);

      // Re-created: rm keeps the home volume, and the new container continues the session in it.
      expect((await f.cli(['rm', name])).exitCode).toBe(0);
      const again = await start([name, '--continue', '--workspace', workspace]);
      expect(again.exitCode, again.stdout + again.stderr).toBe(0);
      expect(again.json.agent.resumed).toBe(false);
      expect(await logsOf(name)).toContain(`claude: resumed session ${second} (turn 1)`);
    });

    it('the codex profile resumes with codex resume --last', async () => {
      const name = f.agentName('coderes');
      expect((await start([name, '--agent', 'codex', '--workspace', f.workspace()])).exitCode).toBe(0);
      const id = /codex: fresh session ([0-9a-f-]{36})/.exec(await logsOf(name))![1]!;
      const resumed = await start([name, '--continue']);
      expect(resumed.exitCode, resumed.stdout + resumed.stderr).toBe(0);
      expect(await logsOf(name)).toContain(`codex: resumed session ${id} (turn 1)`);
    });

    it('an agent with no session, or one started with its own command, says so and leaves nothing behind', async () => {
      const fresh = f.agentName('nosession');
      const none = await start([fresh, '--continue', '--workspace', f.workspace()]);
      expect(none.exitCode, none.stdout + none.stderr).toBe(7);
      expect(none.json.error.code).toBe('SESSION_NOT_FOUND');
      expect(none.json.error.hint).toContain(`agentctl start ${fresh}`);
      expect(await f.containerExists(`agentctl-${fresh}`)).toBe(false);
      expect(await f.volumeExists(`agentctl-${fresh}-home`)).toBe(false);

      const own = f.agentName('owncmd');
      const created = await f.cli(['start', own, '-d', '--json', '--workspace', f.workspace(), '--', 'true'], {
        env: env(),
      });
      expect(created.exitCode, created.stdout).toBe(0);
      expect((await f.cli(['wait', own])).exitCode).toBe(0);
      const refused = await f.cli(['start', own, '--continue', '-d', '--json'], { env: env() });
      expect(refused.exitCode, refused.stdout).toBe(2);
      expect(refused.json.error.code).toBe('RESUME_UNSUPPORTED');
      const withCommand = await f.cli(['start', f.agentName('cmdcont'), '--continue', '-d', '--json', '--', 'true'], {
        env: env(),
      });
      expect(withCommand.json.error.code).toBe('CONTINUE_WITH_COMMAND');
    });
  });
});
