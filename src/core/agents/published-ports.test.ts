import { describe, expect, it } from 'vitest';
import { formatPublishedPort, isLoopbackAddress, parsePublish, parsePublishList } from './published-ports.js';

describe('--publish', () => {
  it.each([
    ['3000', { hostIp: '127.0.0.1', hostPort: 3000, containerPort: 3000, protocol: 'tcp' }],
    ['8080:3000', { hostIp: '127.0.0.1', hostPort: 8080, containerPort: 3000, protocol: 'tcp' }],
    ['0:3000', { hostIp: '127.0.0.1', hostPort: 0, containerPort: 3000, protocol: 'tcp' }],
    [':3000', { hostIp: '127.0.0.1', hostPort: 0, containerPort: 3000, protocol: 'tcp' }],
    ['127.0.0.2:3000', { hostIp: '127.0.0.2', hostPort: 3000, containerPort: 3000, protocol: 'tcp' }],
    ['0.0.0.0:8080:3000', { hostIp: '0.0.0.0', hostPort: 8080, containerPort: 3000, protocol: 'tcp' }],
    ['127.0.0.1::3000', { hostIp: '127.0.0.1', hostPort: 0, containerPort: 3000, protocol: 'tcp' }],
    ['[::1]:8080:80', { hostIp: '::1', hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
    ['5353/udp', { hostIp: '127.0.0.1', hostPort: 5353, containerPort: 5353, protocol: 'udp' }],
  ])('%s binds to 127.0.0.1 unless a host address is written', (value, expected) => {
    expect(parsePublish(value)).toEqual(expected);
  });

  it.each([
    ['', /not a port number/],
    ['0', /not a port number/],
    ['70000', /not a port number/],
    ['abc', /not a port number/],
    ['localhost:80:80', /write 127\.0\.0\.1/],
    ['example.com:80:80', /not an IP address/],
    ['1:2:3:4', /too many parts|not an IP/],
    ['80/sctp', /tcp or udp/],
    ['[1.2.3.4]:80', /not an IPv6 address/],
    ['127.0.0.1:0', /not a port number/],
  ])('%s is refused with INVALID_PUBLISH', (value, message) => {
    expect(() => parsePublish(value)).toThrow(
      expect.objectContaining({ code: 'INVALID_PUBLISH', message: expect.stringMatching(message) }),
    );
  });

  it('refuses one host port twice, but lets the engine pick several', () => {
    expect(() => parsePublishList(['3000', '3000'])).toThrow(expect.objectContaining({ code: 'INVALID_PUBLISH' }));
    expect(parsePublishList(['0:80', '0:81', '127.0.0.1:3000', '127.0.0.2:3000'])).toHaveLength(4);
  });

  it('tells loopback from other addresses, and shows bindings as docker ps does', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1'].map(isLoopbackAddress)).toEqual([true, true, true]);
    expect(['0.0.0.0', '::', '192.168.1.5', ''].map(isLoopbackAddress)).toEqual([false, false, false, false]);
    expect(formatPublishedPort(parsePublish('8080:3000'))).toBe('127.0.0.1:8080->3000/tcp');
    expect(formatPublishedPort(parsePublish('[::1]:80:80'))).toBe('[::1]:80->80/tcp');
  });
});
