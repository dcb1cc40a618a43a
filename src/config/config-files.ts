import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Whether cosmiconfig could find a config file from `dir` (only `dir` itself, or with `upward` each
 * directory up to the root), so that it is loaded only when it may find one. Errs on the side of
 * yes: any search place that exists, a package.json with an "agentctl" key or that cannot be read
 * (cosmiconfig reports that), and a directory that cannot be checked all count. cosmiconfig's
 * project search stops at the first package.json; going on to the root only asks it more often.
 */
export function mayHaveConfigFile(dir: string, names: readonly string[], upward: boolean): boolean {
  let current = path.resolve(dir);
  for (;;) {
    for (const name of names) {
      const file = path.join(current, name);
      try {
        if (!statSync(file, { throwIfNoEntry: false })) continue;
        if (name !== 'package.json') return true;
        const json: unknown = JSON.parse(readFileSync(file, 'utf8'));
        if (!json || typeof json !== 'object' || Object.hasOwn(json, 'agentctl')) return true;
      } catch {
        return true;
      }
    }
    const parent = path.dirname(current);
    if (!upward || parent === current) return false;
    current = parent;
  }
}
