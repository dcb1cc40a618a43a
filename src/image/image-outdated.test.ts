import { describe, expect, it } from 'vitest';
import { checkImageOutdated, compareVersions } from './image-outdated.js';

const repo = 'ghcr.io/owner/agent';

describe('compareVersions', () => {
  it('finds a newer compatible version, and a newer major apart from it', () => {
    const report = compareVersions(`${repo}:1.2.0`, repo, '1.2.0', [
      '1.1.0',
      '1.2.0',
      '1.4.1',
      '1.3.0',
      '2.0.0',
      'latest',
      '1',
    ]);
    expect(report).toMatchObject({
      latestCompatible: '1.4.1',
      latest: '2.0.0',
      outdated: true,
      newerIncompatible: true,
    });
  });

  it('is up to date when only pre-releases, other tags or older versions are newer', () => {
    const report = compareVersions(`${repo}:1.2.0`, repo, '1.2.0', ['1.0.0', '1.2.0', '1.3.0-rc.1', 'latest', 'dev']);
    expect(report).toMatchObject({
      latestCompatible: '1.2.0',
      latest: '1.2.0',
      outdated: false,
      newerIncompatible: false,
    });
  });

  it('below 1.0 a new minor is not compatible (semver caret)', () => {
    const report = compareVersions(`${repo}:0.1.0`, repo, '0.1.0', ['0.1.0', '0.1.3', '0.2.0']);
    expect(report).toMatchObject({
      latestCompatible: '0.1.3',
      latest: '0.2.0',
      outdated: true,
      newerIncompatible: true,
    });
  });

  it('a version the registry no longer lists is compared all the same', () => {
    const report = compareVersions(`${repo}:1.0.0`, repo, '1.0.0', []);
    expect(report).toMatchObject({ latestCompatible: null, latest: null, outdated: false, newerIncompatible: false });
  });
});

describe('checkImageOutdated', () => {
  const deps = (tags: string[], seen: string[] = []) => ({
    env: {},
    homedir: '/nonexistent',
    fetch: (async (url: string | URL | Request) => {
      seen.push(String(url));
      return new Response(JSON.stringify({ name: 'owner/agent', tags }), { status: 200 });
    }) as typeof fetch,
  });

  it("asks the reference's registry for its repository's tags", async () => {
    const seen: string[] = [];
    const report = await checkImageOutdated(deps(['1.0.0', '1.0.2'], seen), '127.0.0.1:5000/owner/agent:1.0.0');
    expect(seen[0]).toContain('127.0.0.1:5000/v2/owner/agent/tags/list');
    expect(report).toMatchObject({
      reference: '127.0.0.1:5000/owner/agent:1.0.0',
      current: '1.0.0',
      latestCompatible: '1.0.2',
      outdated: true,
    });
  });

  it.each([
    ['a development tag', `${repo}:dev`],
    ['no tag but a digest', `${repo}@sha256:${'a'.repeat(64)}`],
    ['a partial version', `${repo}:1.2`],
  ])('refuses %s with a usage error that says what can be compared', async (_what, reference) => {
    await expect(checkImageOutdated(deps([]), reference)).rejects.toMatchObject({
      kind: 'usage',
      code: 'IMAGE_TAG_NOT_VERSION',
      hint: expect.stringContaining('image outdated'),
    });
  });

  it("maps the registry's 404 to IMAGE_NOT_FOUND", async () => {
    const missing = {
      env: {},
      homedir: '/nonexistent',
      fetch: (async () => new Response('{}', { status: 404 })) as typeof fetch,
    };
    await expect(checkImageOutdated(missing, `${repo}:1.0.0`)).rejects.toMatchObject({ code: 'IMAGE_NOT_FOUND' });
  });
});
