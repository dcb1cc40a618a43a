import { describe, expect, it } from 'vitest';
import { suggestFix, type DetectionAttempt } from './detect-runtime.js';
import { podmanServiceHint } from './podman-service-hint.js';
import type { DetectionEnvironment } from './strategy.js';

const environment = (uid: number | undefined): DetectionEnvironment => ({
  env: {},
  platform: 'linux',
  homedir: '/home/u',
  uid,
  runtime: 'podman',
  fs: { exists: async () => false, readFile: async () => '', readdir: async () => [] },
});
const attempt = (endpoint: string, outcome: DetectionAttempt['outcome']): DetectionAttempt => ({
  strategy: 'podman',
  endpoint,
  outcome,
  detail: '',
});

describe('hints that named the wrong fix: rootful Podman → `systemctl --user`', () => {
  it("root's Podman is the system unit, never `systemctl --user`", () => {
    for (const attempts of [
      [attempt('unix:///run/podman/podman.sock', 'connection-refused')],
      [attempt('unix:///var/run/docker.sock', 'wrong-kind')],
      [attempt('unix:///run/podman/podman.sock', 'absent')],
    ]) {
      const hint = suggestFix(attempts, environment(0));
      expect(hint).toContain('`systemctl enable --now podman.socket`');
      expect(hint).not.toContain('--user');
      expect(hint).not.toContain('sudo');
    }
  });

  it("a regular user gets sudo for root's socket and `systemctl --user` for their own", () => {
    expect(suggestFix([attempt('unix:///run/podman/podman.sock', 'connection-refused')], environment(1000))).toContain(
      '`sudo systemctl enable --now podman.socket`',
    );
    expect(
      suggestFix([attempt('unix:///run/user/1000/podman/podman.sock', 'connection-refused')], environment(1000)),
    ).toContain('`systemctl --user enable --now podman.socket`');
    expect(podmanServiceHint({ uid: 1000 })).toContain('--user');
  });

  it("a user's own socket under a runtime directory ending in /run is not root's", () => {
    const hint = suggestFix(
      [attempt('unix:///home/u/run/podman/podman.sock', 'connection-refused')],
      environment(1000),
    );
    expect(hint).toContain('`systemctl --user enable --now podman.socket`');
    expect(hint).not.toContain('sudo');
  });

  it('the engine-agnostic hint as root has no sudo and no --user', () => {
    const hint = suggestFix([attempt('unix:///var/run/docker.sock', 'connection-refused')], {
      ...environment(0),
      runtime: undefined,
    });
    expect(hint).toBe(
      'Start the engine: `systemctl start docker`; for Podman: `systemctl enable --now podman.socket`, or `podman system service --time=0 unix:///run/podman/podman.sock &` without systemd',
    );
  });
});
