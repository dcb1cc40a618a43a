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
});
