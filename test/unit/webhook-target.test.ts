import { describe, expect, it } from 'vitest';
import { addressProblem, ipLiteral, resolvedTargetProblem } from '../../src/domain/handoff/webhook-target';
import { webhookUrlProblem } from '../../src/domain/handoff/webhook-requests';

describe('addresses a webhook may reach', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.254', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.1', 'private'],
    ['192.168.1.20', 'private'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['169.254.169.254', 'linkLocal'],
    ['0.0.0.0', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['224.0.0.1', 'multicast'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fd00:ec2::254', 'uniqueLocal'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'linkLocal'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::a9fe:a9fe', 'rfc6052'],
    ['2002:a9fe:a9fe::1', '6to4'],
  ])('refuses %s (%s)', (address, range) => {
    expect(addressProblem(address, false)).toBe(`${address} is not a public address (${range})`);
  });

  it.each(['93.184.216.34', '8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '2001:4860:4860::8888', '::ffff:93.184.216.34'])('allows the public address %s', (address) => {
    expect(addressProblem(address, false)).toBeUndefined();
  });

  it('allows loopback, and nothing else private, where the deployment allows receivers on this machine (local mode)', () => {
    expect(addressProblem('127.0.0.1', true)).toBeUndefined();
    expect(addressProblem('::1', true)).toBeUndefined();
    expect(addressProblem('::ffff:127.0.0.1', true)).toBeUndefined();
    expect(addressProblem('10.0.0.1', true)).toMatch(/private/);
    expect(addressProblem('169.254.169.254', true)).toMatch(/linkLocal/);
  });

  it('refuses what is not an address', () => {
    expect(addressProblem('crm.example.com', false)).toMatch(/not an IP address/);
    expect(addressProblem('', false)).toMatch(/not an IP address/);
  });

  it('refuses a host name when any one of its addresses may not be reached, or when it has none', () => {
    expect(resolvedTargetProblem('crm.example.com', ['93.184.216.34', '2606:2800:220:1::1'], false)).toBeUndefined();
    expect(resolvedTargetProblem('crm.example.com', ['93.184.216.34', '10.0.0.1'], false)).toBe('must reach a public address; crm.example.com resolves to 10.0.0.1 is not a public address (private)');
    expect(resolvedTargetProblem('crm.example.com', [], false)).toMatch(/has none/);
  });

  it('reads address literals from URL hosts, and only those', () => {
    expect(ipLiteral('127.0.0.1')).toBe('127.0.0.1');
    expect(ipLiteral('[::1]')).toBe('::1');
    expect(ipLiteral(new URL('https://[::ffff:169.254.169.254]/').hostname)).toBe('::ffff:a9fe:a9fe');
    expect(ipLiteral('crm.example.com')).toBeUndefined();
    expect(ipLiteral('localhost')).toBeUndefined();
  });
});

describe('webhook URLs with an address or localhost as host', () => {
  it.each([
    'https://127.0.0.1/',
    'https://[::1]/',
    'https://169.254.169.254/latest/meta-data/',
    'https://[fd00:ec2::254]/',
    'https://[::ffff:127.0.0.1]/',
    'https://10.0.0.1/in',
    // The URL parser turns these spellings into 127.0.0.1 before anything else sees them.
    'https://0x7f.1/',
    'https://2130706433/',
    'https://localhost/',
    'https://LOCALHOST./',
    'https://api.localhost/',
  ])('refuses %s in AWS', (url) => {
    expect(webhookUrlProblem(url, false)).toMatch(/^must reach a public address; /);
  });

  it('allows a public address and, in local mode, a loopback one', () => {
    expect(webhookUrlProblem('https://93.184.216.34/in', false)).toBeUndefined();
    expect(webhookUrlProblem('https://127.0.0.1:8443/in', true)).toBeUndefined();
    expect(webhookUrlProblem('https://localhost:8443/in', true)).toBeUndefined();
    expect(webhookUrlProblem('https://10.0.0.1/in', true)).toMatch(/private/);
  });
});
