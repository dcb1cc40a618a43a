import { describe, expect, it } from 'vitest';
import { findEnforcingPlugin, isolationWarning, networkPolicyCheck } from './network-policy-check.js';

describe('whether NetworkPolicy is enforced (the DaemonSets in kube-system)', () => {
  it('finds known enforcing plugins by their DaemonSet, and nothing in a plain cluster', () => {
    expect(findEnforcingPlugin(['kube-proxy', 'calico-node'])).toEqual({
      enforced: true,
      plugin: 'Calico',
      daemonSet: 'calico-node',
    });
    expect(findEnforcingPlugin(['cilium', 'cilium-envoy'])).toMatchObject({ enforced: true, plugin: 'Cilium' });
    expect(findEnforcingPlugin([])).toEqual({ enforced: false });
    // Flannel alone does not enforce NetworkPolicy; a name that only contains a known one is not it.
    expect(findEnforcingPlugin(['kube-flannel-ds', 'my-calico-node-exporter'])).toEqual({ enforced: false });
  });

  it('says plainly when it is not enforced, and when it cannot tell', () => {
    const none = networkPolicyCheck({ enforced: false });
    expect(none.status).toBe('warn');
    expect(none.message).toMatch(/^not enforced: no network plugin known to enforce NetworkPolicy was found/);
    expect(networkPolicyCheck({ enforced: undefined, reason: 'forbidden' })).toMatchObject({
      status: 'warn',
      message: 'unknown: forbidden',
    });
    expect(networkPolicyCheck({ enforced: true, plugin: 'Cilium', daemonSet: 'cilium' }).status).toBe('ok');
  });

  it('warns at start where a process ignoring the proxy can connect directly; keys still never enter', () => {
    const warning = isolationWarning({ enforced: false })!;
    expect(warning).toContain('no network plugin known to enforce NetworkPolicy was found');
    expect(warning).toContain('can connect directly');
    expect(warning).toContain('never enter the agent');
    expect(isolationWarning({ enforced: true, plugin: 'Calico', daemonSet: 'calico-node' })).toBeUndefined();
  });
});
