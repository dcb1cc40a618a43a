import { describe, expect, it } from 'vitest';
import { getDataDir, getWorktreeDir } from './paths.js';

describe('data and worktree directories', () => {
  const home = '/home/ada';

  it('defaults to $XDG_DATA_HOME/agentctl, else ~/.local/share/agentctl', () => {
    expect(getDataDir({}, { XDG_DATA_HOME: '/xdg' }, home)).toBe('/xdg/agentctl');
    expect(getDataDir({}, {}, home)).toBe('/home/ada/.local/share/agentctl');
    expect(getWorktreeDir({}, {}, home)).toBe('/home/ada/.local/share/agentctl/worktrees');
  });

  it('takes absolute paths and ~ from config or AGENTCTL_DATA_DIR', () => {
    expect(getDataDir({ dataDir: '/srv/agentctl/' }, {}, home)).toBe('/srv/agentctl');
    expect(getDataDir({ dataDir: '~/agentctl-data' }, {}, home)).toBe('/home/ada/agentctl-data');
    expect(getWorktreeDir({ dataDir: '/srv/a', worktreeDir: '~' }, {}, home)).toBe('/home/ada');
  });

  it('refuses a relative AGENTCTL_DATA_DIR or worktreeDir (it put data inside the checkout agentctl ran in)', () => {
    expect(() => getDataDir({ dataDir: 'data' }, {}, home)).toThrow(
      expect.objectContaining({
        code: 'DIRECTORY_RELATIVE',
        kind: 'config',
        message: expect.stringContaining('AGENTCTL_DATA_DIR (config `dataDir`) is a relative path ("data")'),
      }),
    );
    expect(() => getDataDir({ dataDir: './x' }, {}, home)).toThrow(
      expect.objectContaining({ code: 'DIRECTORY_RELATIVE' }),
    );
    expect(() => getWorktreeDir({ worktreeDir: '../trees' }, {}, home)).toThrow(
      expect.objectContaining({
        code: 'DIRECTORY_RELATIVE',
        message: expect.stringContaining('AGENTCTL_WORKTREE_DIR'),
      }),
    );
  });

  it('ignores a relative XDG_DATA_HOME, as the XDG spec says', () => {
    expect(getDataDir({}, { XDG_DATA_HOME: 'relative' }, home)).toBe('/home/ada/.local/share/agentctl');
  });
});
