import { describe, expect, it } from 'vitest';
import type { AgentImageSummary } from '../image/list-agent-images.js';
import { imageTable } from './image-ls-table.js';

function image(overrides: Partial<AgentImageSummary>): AgentImageSummary {
  return {
    reference: 'ghcr.io/agentctl/agent:0.1.0',
    repository: 'ghcr.io/agentctl/agent',
    tag: '0.1.0',
    version: '0.1.0',
    stack: 'base',
    id: 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    size: 738_784_762,
    created: '2026-01-31T12:34:56.789Z',
    digest: null,
    ...overrides,
  };
}

describe('agentctl image ls, as text (golden)', () => {
  it('keeps its columns: sizes right-aligned, created in UTC to the second, a 12-digit id', () => {
    expect(
      imageTable([
        image({}),
        image({
          reference: 'ghcr.io/agentctl/agent-node:1.2.3-rc.1',
          version: '1.2.3-rc.1+build.20260131',
          stack: 'node',
          size: 1_234_567_890,
          id: 'sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210',
        }),
        image({
          reference: 'acme/claude:1',
          version: '1',
          stack: null,
          size: 5_100_000,
          created: '2025-12-01T00:00:00Z',
        }),
      ]),
    ).toEqual([
      'REFERENCE                               VERSION                    STACK         SIZE  CREATED               ID',
      'ghcr.io/agentctl/agent:0.1.0            0.1.0                      base        739 MB  2026-01-31 12:34:56   0123456789ab',
      'ghcr.io/agentctl/agent-node:1.2.3-rc.1  1.2.3-rc.1+build.20260131  node       1.23 GB  2026-01-31 12:34:56   fedcba987654',
      'acme/claude:1                           1                          -             5 MB  2025-12-01 00:00:00   0123456789ab',
    ]);
  });

  it('is as wide as it always was for short rows (VERSION 12, STACK 8, SIZE 8)', () => {
    expect(imageTable([image({ reference: 'a:1', version: '1', stack: 'base', size: 1e6 })])).toEqual([
      'REFERENCE  VERSION       STACK         SIZE  CREATED               ID',
      'a:1        1             base          1 MB  2026-01-31 12:34:56   0123456789ab',
    ]);
  });
});
