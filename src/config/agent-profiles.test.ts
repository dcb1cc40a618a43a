import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILD_INFO } from '../shared/build-info.js';
import { ConfigError, UntrustedConfigError } from '../shared/errors.js';
import { getAgentProfile, getProfileImage, unknownProfileError } from './agent-profiles.js';
import { BUILTIN_AGENTS } from './builtin-agents.js';
import { loadConfig } from './load-config.js';
import { validateConfig } from './validate.js';

function dirs() {
  const root = mkdtempSync(path.join(tmpdir(), 'agentctl-profiles-'));
  const home = path.join(root, 'home');
  const project = path.join(root, 'project');
  mkdirSync(path.join(home, '.config', 'agentctl'), { recursive: true });
  mkdirSync(project, { recursive: true });
  writeFileSync(path.join(project, 'package.json'), '{"name":"sample"}');
  return { home, project, userFile: path.join(home, '.config', 'agentctl', 'config.yaml') };
}

describe('built-in agent profiles', () => {
  it('are there with no config at all, claude the default, each from source built-in', async () => {
    const t = dirs();
    const { config, sources } = await loadConfig({ cwd: t.project, env: {}, homedir: t.home });
    expect(config.defaultAgent).toBe('claude');
    expect(Object.keys(config.agents ?? {})).toEqual(['claude', 'codex', 'gemini', 'opencode']);
    expect(config.agents?.codex).toMatchObject({
      command: ['codex'],
      resumeCommand: ['codex', 'resume', '--last'],
      secrets: ['OPENAI_API_KEY'],
      egress: { allow: expect.arrayContaining(['api.openai.com']) },
    });
    expect(config.agents?.claude?.taskCommand).toEqual(['claude', '-p', '--output-format', 'json', '{prompt}']);
    expect(sources.get('agents.codex.command')).toBe('built-in');
    expect(sources.get('agents.claude.credentials.ANTHROPIC_API_KEY.header')).toBe('built-in');
  });

  it('every built-in profile passes the schema, and each secret it needs has a service', () => {
    expect(() => validateConfig({ agents: BUILTIN_AGENTS }, 'built-in')).not.toThrow();
    for (const [name, profile] of Object.entries(BUILTIN_AGENTS)) {
      expect(profile.secrets.length, name).toBeGreaterThan(0);
      for (const secret of profile.secrets) expect(Object.keys(profile.credentials), name).toContain(secret);
      expect(profile.sessions.startsWith(profile.state[0]!), name).toBe(true);
    }
  });

  it('a user config changes single fields: strings and lists replaced, maps merged, the rest kept', async () => {
    const t = dirs();
    writeFileSync(
      t.userFile,
      [
        'agents:',
        '  codex:',
        '    image: registry.example/mine/codex:7',
        '    secrets: [CODEX_API_KEY]',
        '    env: { CODEX_HOME: /home/agent/.codex }',
        '  claude:',
        '    resumeCommand: []',
        '    credentials:',
        '      ANTHROPIC_API_KEY: { hosts: [proxy.example], header: x-api-key, format: "{value}" }',
        '  mine:',
        '    command: [aider]',
        '',
      ].join('\n'),
    );
    const { config, sources } = await loadConfig({ cwd: t.project, env: {}, homedir: t.home });
    const codex = getAgentProfile(config, 'codex')!;
    expect(codex.image).toBe('registry.example/mine/codex:7');
    expect(codex.secrets).toEqual(['CODEX_API_KEY']);
    expect(codex.env).toEqual({ CODEX_HOME: '/home/agent/.codex' });
    expect(codex.resumeCommand).toEqual(['codex', 'resume', '--last']);
    expect(codex.taskCommand).toEqual(BUILTIN_AGENTS.codex.taskCommand);
    expect(sources.get('agents.codex.image')).toBe(t.userFile);
    expect(sources.get('agents.codex.command')).toBe('built-in');
    const claude = getAgentProfile(config, 'claude')!;
    expect(claude.resumeCommand).toEqual([]);
    expect(claude.credentials?.ANTHROPIC_API_KEY?.hosts).toEqual(['proxy.example']);
    // The other credential of the built-in profile is still there (maps merge key by key).
    expect(claude.credentials?.CLAUDE_CODE_OAUTH_TOKEN?.header).toBe('authorization');
    expect(getAgentProfile(config, 'mine')).toEqual({ command: ['aider'] });
    // The built-in objects themselves are never changed by a merge.
    expect(BUILTIN_AGENTS.codex.secrets).toEqual(['OPENAI_API_KEY']);
    expect(BUILTIN_AGENTS.claude.resumeCommand).toEqual(['claude', '--continue']);
  });

  it('a project config changing a built-in profile needs trust like any agents key', async () => {
    const t = dirs();
    writeFileSync(path.join(t.project, '.agentctlrc.yaml'), 'agents:\n  claude:\n    command: [sh]\n');
    const error = await loadConfig({ cwd: t.project, env: {}, homedir: t.home }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(UntrustedConfigError);
    expect((error as UntrustedConfigError).message).toContain('agents.claude.command');
  });

  it('paths under the home must stay under it', () => {
    for (const bad of ['/etc', '../x', '.claude/../../etc', '..']) {
      expect(() => validateConfig({ agents: { a: { sessions: bad } } }, 'test'), bad).toThrow(ConfigError);
      expect(() => validateConfig({ agents: { a: { state: [bad] } } }, 'test'), bad).toThrow(ConfigError);
    }
    expect(() => validateConfig({ agents: { a: { sessions: '.a..b/c', state: ['.x'] } } }, 'test')).not.toThrow();
  });

  it("an image comes from the profile's image, else its stack under image.repository / image.tag", () => {
    const pinned = `${BUILD_INFO.image.repository}:${BUILD_INFO.image.tag}`;
    expect(getProfileImage({}, BUILTIN_AGENTS.claude)).toBe(pinned);
    expect(getProfileImage({}, {})).toBe(pinned);
    expect(getProfileImage({}, BUILTIN_AGENTS.codex)).toBe(
      `${BUILD_INFO.image.repository}-codex:${BUILD_INFO.image.tag}`,
    );
    const mirror = { image: { repository: 'mirror.example/agentctl/agent', tag: '2.0.0' } };
    expect(getProfileImage(mirror, BUILTIN_AGENTS.gemini)).toBe('mirror.example/agentctl/agent-gemini:2.0.0');
    expect(getProfileImage(mirror, { ...BUILTIN_AGENTS.gemini, image: 'x/y:1' })).toBe('x/y:1');
  });

  it('an unknown profile names the ones there are, built-in included', () => {
    const error = unknownProfileError({ agents: { ...BUILTIN_AGENTS } }, 'cursor');
    expect(error.code).toBe('AGENT_PROFILE_UNKNOWN');
    expect(error.hint).toContain('claude, codex, gemini, opencode');
    expect(getAgentProfile({ agents: {} }, 'toString')).toBeUndefined();
  });
});
