import { describe, expect, it } from 'vitest';
import { toSpecFacts } from '../../runtime/docker-create-body.js';
import { describeLoosening, findLoosenings as findInFacts } from './loosenings.js';

/** Loosenings of an existing container, from what the engine reports of it (its HostConfig). */
const findLoosenings = (
  hostConfig: {
    NetworkMode?: string;
    CapAdd?: string[];
    Binds?: string[];
    PortBindings?: Record<string, { HostIp: string; HostPort: string }[]>;
  },
  unsafe?: string,
) => findInFacts(toSpecFacts({ HostConfig: hostConfig }), unsafe);

describe('findLoosenings', () => {
  it('finds nothing in the hardened default', () => {
    expect(findLoosenings({ Binds: ['/src/app:/workspace:rw', 'agentctl-x-home:/home/agent:rw'], CapAdd: [] })).toEqual(
      [],
    );
    expect(findLoosenings({ NetworkMode: 'bridge' })).toEqual([]);
    expect(findLoosenings({ NetworkMode: 'my-net' })).toEqual([]);
  });

  it('finds each loosening in a create body or an existing container', () => {
    expect(
      findLoosenings(
        {
          NetworkMode: 'container:db',
          CapAdd: ['NET_ADMIN', 'SYS_PTRACE'],
          Binds: [
            '/src/app:/workspace:rw',
            '/var/run/docker.sock:/var/run/docker.sock',
            '/tmp/ssh-1/agent.2:/run/ssh-agent.sock',
          ],
        },
        '/home/ada is your home directory',
      ),
    ).toEqual([
      { kind: 'network-shared', value: 'container:db' },
      { kind: 'engine-socket', value: '/var/run/docker.sock' },
      { kind: 'ssh-agent', value: '/tmp/ssh-1/agent.2' },
      { kind: 'capability', value: 'NET_ADMIN' },
      { kind: 'capability', value: 'SYS_PTRACE' },
      { kind: 'unsafe-workspace', value: '/home/ada is your home directory' },
    ]);
    expect(findLoosenings({ NetworkMode: 'host' })).toEqual([{ kind: 'network-host', value: 'host' }]);
  });

  it('finds a port published beyond loopback (0.0.0.0, ::, a LAN address), not one on 127.0.0.1 or ::1', () => {
    expect(
      findLoosenings({
        PortBindings: {
          '3000/tcp': [
            { HostIp: '127.0.0.1', HostPort: '3000' },
            { HostIp: '0.0.0.0', HostPort: '8080' },
          ],
          '53/udp': [{ HostIp: '::', HostPort: '5353' }],
          '22/tcp': [{ HostIp: '::1', HostPort: '2222' }],
          '80/tcp': [{ HostIp: '192.168.1.5', HostPort: '' }],
        },
      }),
    ).toEqual([
      { kind: 'published-port', value: '0.0.0.0:8080->3000/tcp' },
      { kind: 'published-port', value: '[::]:5353->53/udp' },
      { kind: 'published-port', value: '192.168.1.5:(any)->80/tcp' },
    ]);
    expect(describeLoosening('web', { kind: 'published-port', value: '0.0.0.0:8080->3000/tcp' })).toMatch(
      /--publish 0\.0\.0\.0:8080->3000\/tcp.*every network/,
    );
  });

  it('words each as one line naming the agent and the flag', () => {
    expect(describeLoosening('fixer', { kind: 'network-host', value: 'host' })).toBe(
      "agent fixer shares the host's network (--network host): it reaches every service listening on the host, loopback included",
    );
    expect(describeLoosening('fixer', { kind: 'engine-socket', value: '/var/run/docker.sock' })).toMatch(
      /--docker-access socket.*root on the engine's host/,
    );
  });
});
