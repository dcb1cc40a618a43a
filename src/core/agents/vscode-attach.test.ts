import { describe, expect, it } from 'vitest';
import { attachedContainerUri, containerOfUri } from './vscode-attach.js';

describe('the Dev Containers attached-container URI', () => {
  it('is the hex of {"containerName":"/agentctl-NAME"} and the workspace path', () => {
    const uri = attachedContainerUri('agentctl-fixer');
    expect(uri).toBe(
      `vscode-remote://attached-container+${Buffer.from('{"containerName":"/agentctl-fixer"}').toString('hex')}/workspace`,
    );
    // {"containerName":"/foo"} in hex, worked out by hand.
    expect(attachedContainerUri('/foo', '/src')).toBe(
      'vscode-remote://attached-container+7b22636f6e7461696e65724e616d65223a222f666f6f227d/src',
    );
    expect(containerOfUri(uri)).toBe('/agentctl-fixer');
    expect(containerOfUri('vscode-remote://ssh-remote+host/x')).toBeUndefined();
  });
});
