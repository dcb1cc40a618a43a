import { describe, expect, it } from 'vitest';
import { createLocalProcessProbe } from './container-process.js';

const ID = 'c936d217f4c82802069a584f1702da2b8d5c621555c543cfe1cbec813f3175f6';

describe('createLocalProcessProbe', () => {
  it("is true only while the pid's cgroup names the container", async () => {
    const files: Record<string, string> = {
      '/proc/42/cgroup': `8:pids:/libpod_parent/libpod-${ID}\n`,
      '/proc/43/cgroup': '8:pids:/user.slice\n',
    };
    const probe = createLocalProcessProbe(async (path) => {
      if (path in files) return files[path]!;
      throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    });
    expect(await probe(42, ID)).toBe(true);
    expect(await probe(43, ID)).toBe(false); // the pid was reused by another process
    expect(await probe(44, ID)).toBe(false); // gone
    expect(await probe(0, ID)).toBe(false);
    expect(await probe(42, 'not-an-id')).toBe(false);
  });
});
