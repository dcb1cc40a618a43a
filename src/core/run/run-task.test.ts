import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../config/schema.js';
import { INPUT_PATH, planTask } from './run-task.js';

const config = {
  agents: {
    claude: { image: 'example/claude:1', taskCommand: ['claude', '-p', '{prompt}'] },
    plain: { image: 'example/plain:1' },
  },
  tasks: {
    'fix-issue': { agent: 'claude', prompt: 'Fix the issue in {input}.' },
    lint: { agent: 'plain', command: ['sh', '-c', 'make lint'] },
    bare: { agent: 'plain' },
  },
} as unknown as Config;

const dir = mkdtempSync(join(tmpdir(), 'agentctl-task-'));
writeFileSync(join(dir, 'issue.md'), 'the text of the issue; rm -rf / "quoted"\n');

async function usageCode(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'resolved',
    (error: { code: string }) => error.code,
  );
}

describe('planTask', () => {
  it('hands the input over as a file: the command names its path, never its content', async () => {
    const plan = await planTask(config, dir, { task: 'fix-issue', inputFile: 'issue.md' });
    expect(plan.agent).toBe('claude');
    expect(plan.command).toEqual(['claude', '-p', `Fix the issue in ${INPUT_PATH}.`]);
    expect(plan.env).toEqual([`AGENTCTL_INPUT_FILE=${INPUT_PATH}`, 'AGENTCTL_TASK=fix-issue']);
    expect(plan.input?.content.toString()).toContain('the text of the issue');
    expect(JSON.stringify(plan.command)).not.toContain('the text of the issue');
  });

  it("uses the task's own command over the profile's taskCommand; --agent overrides the task's profile", async () => {
    expect((await planTask(config, dir, { task: 'lint' })).command).toEqual(['sh', '-c', 'make lint']);
    expect((await planTask(config, dir, { task: 'lint', agent: 'claude' })).agent).toBe('claude');
  });

  it('without --task: the command after -- and the input file as given', async () => {
    const plan = await planTask(config, dir, { args: ['make', 'test'], inputFile: join(dir, 'issue.md') });
    expect(plan).toMatchObject({ command: ['make', 'test'], env: [`AGENTCTL_INPUT_FILE=${INPUT_PATH}`] });
    expect((await planTask(config, dir, {})).command).toBeUndefined();
  });

  it('refuses what cannot work, with stable codes', async () => {
    expect(await usageCode(planTask(config, dir, { task: 'nope' }))).toBe('TASK_UNKNOWN');
    expect(await usageCode(planTask(config, dir, { task: 'lint', args: ['x'] }))).toBe('TASK_AND_COMMAND');
    expect(await usageCode(planTask(config, dir, { task: 'lint', image: 'x:1' }))).toBe('TASK_AND_IMAGE');
    expect(await usageCode(planTask(config, dir, { task: 'bare' }))).toBe('TASK_COMMAND_MISSING');
    expect(await usageCode(planTask(config, dir, { task: 'fix-issue' }))).toBe('TASK_INPUT_MISSING');
    expect(await usageCode(planTask(config, dir, { task: 'fix-issue', inputFile: 'missing.md' }))).toBe(
      'INPUT_NOT_FOUND',
    );
    const noPrompt = { ...config, tasks: { p: { agent: 'claude' } } } as unknown as Config;
    expect(await usageCode(planTask(noPrompt, dir, { task: 'p' }))).toBe('TASK_PROMPT_MISSING');
  });
});
