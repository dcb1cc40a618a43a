import { describe, expect, it } from 'vitest';
import { isTagRange, pickHighestTag } from './tag-range.js';

describe('semver tag ranges', () => {
  it('treats range syntax as a range and plain tags as literal tags', () => {
    for (const range of ['^1.2', '~1.4.0', '>=1.2 <2', '1.x', '1.2.*', '*'])
      expect(isTagRange(range), range).toBe(true);
    for (const tag of ['1.2.3', '1', '1.2', 'latest', 'dev', 'bookworm-slim', '1.2.3-rc.1'])
      expect(isTagRange(tag), tag).toBe(false);
  });

  it('picks the highest release tag satisfying the range', () => {
    const tags = ['1.1.9', '1.2.0', '1.3.1', '1.10.0', '2.0.0', 'latest', '1', '1.3', '1.11.0-rc.1', 'dev'];
    expect(pickHighestTag(tags, '^1.2')).toBe('1.10.0');
    expect(pickHighestTag(tags, '~1.3.0')).toBe('1.3.1');
    expect(pickHighestTag(tags, '>=2')).toBe('2.0.0');
    expect(pickHighestTag(tags, '^3')).toBeUndefined();
  });
});
