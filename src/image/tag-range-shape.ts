/**
 * Whether a tag is written like a semver range (`^1.2`, `~1.4.0`, `>=1 <2`, `1.x`): the cheap
 * first test of tag-range.ts `isTagRange`, without loading semver, so that a start with a literal
 * tag (nearly all) never loads it. Plain `1` or `1.2` stay literal: `image build` tags MAJOR and
 * MAJOR.MINOR.
 */
export function mayBeTagRange(tag: string): boolean {
  return /^[\^~<>=]|[\s|*]|(^|\.)[xX](\.|$)/.test(tag);
}
