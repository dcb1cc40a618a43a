import { describe, expect, it } from 'vitest';
import { createKubeletErrorFilter } from './kubelet-log-filter.js';

async function filter(chunks: string[]): Promise<{ out: string; dropped: string[] }> {
  const dropped: string[] = [];
  const stream = createKubeletErrorFilter((text) => dropped.push(text));
  const parts: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => parts.push(chunk));
  const done = new Promise((resolve) => stream.on('end', resolve));
  for (const chunk of chunks) stream.write(Buffer.from(chunk));
  stream.end();
  await done;
  return { out: Buffer.concat(parts).toString(), dropped };
}

const ERROR = 'rpc error: code = NotFound desc = an error occurred when try to find container "5ced0c": not found';

describe('createKubeletErrorFilter', () => {
  it("drops the kubelet's error that ends a followed log, however it is split", async () => {
    expect(await filter(['tick-1\ntick-2\n', ERROR])).toEqual({ out: 'tick-1\ntick-2\n', dropped: [ERROR] });
    expect(await filter(['tick-1\r\nrpc er', 'ror: code = NotF', 'ound desc = x'])).toEqual({
      out: 'tick-1\r\n',
      dropped: ['rpc error: code = NotFound desc = x'],
    });
    expect(await filter([`tick-1${ERROR}`])).toEqual({ out: 'tick-1', dropped: [ERROR] });
  });

  it("keeps the agent's own lines, also one with the same words", async () => {
    expect(await filter([`${ERROR}\n`, 'next\n'])).toEqual({ out: `${ERROR}\nnext\n`, dropped: [] });
    expect(await filter(['a prompt: r', 'pc'])).toEqual({ out: 'a prompt: rpc', dropped: [] });
    expect(await filter(['rpc error: code = x'])).toEqual({ out: 'rpc error: code = x', dropped: [] });
    expect(await filter(['plain', ' text\n'])).toEqual({ out: 'plain text\n', dropped: [] });
  });
});
