import { describe, expect, it } from 'vitest';
import { compareVersions } from '../image/image-outdated.js';
import { describeOutdated } from './image-outdated.js';

const repo = 'ghcr.io/owner/agent';

describe('describeOutdated', () => {
  it('names the newer version and the commands to take it; says so when nothing is newer', () => {
    const newer = describeOutdated(compareVersions(`${repo}:1.0.0`, repo, '1.0.0', ['1.0.0', '1.1.0', '2.0.0']));
    expect(newer[0]).toContain('1.1.0 is published');
    expect(newer[0]).toContain(`agentctl image pull ${repo}:1.1.0`);
    expect(newer[1]).toContain('2.0.0');
    expect(describeOutdated(compareVersions(`${repo}:1.1.0`, repo, '1.1.0', ['1.1.0']))).toEqual([
      `${repo}:1.1.0: up to date (no newer compatible version is published)`,
    ]);
  });
});
