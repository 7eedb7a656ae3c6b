import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ipaddr from 'ipaddr.js';
import {
  NetworkSpecError,
  inNetwork,
  parseDestination,
  parseNetworkSpec,
  parsePortRange,
} from '../../../src/policy/network-spec.js';

describe('parseNetworkSpec', () => {
  const brief = (s: string) => {
    const t = parseNetworkSpec(s);
    return [t.family, t.cidr, t.ports, t.protocol];
  };
  it('IPs, CIDRs, ports, ranges, protocols', () => {
    assert.deepEqual(brief('10.0.0.0/8'), [4, '10.0.0.0/8', null, 'any']);
    assert.deepEqual(brief('1.2.3.4'), [4, '1.2.3.4/32', null, 'any']);
    assert.deepEqual(brief('0.0.0.0/0:443'), [4, '0.0.0.0/0', [[443, 443]], 'any']);
    assert.deepEqual(brief('10.0.0.0/8:8000-9000/udp'), [4, '10.0.0.0/8', [[8000, 9000]], 'udp']);
    assert.deepEqual(brief('10.0.0.0/8:*/tcp'), [4, '10.0.0.0/8', null, 'tcp']);
    assert.deepEqual(brief('::1'), [6, '::1/128', null, 'any']);
    assert.deepEqual(brief('2001:db8::/32'), [6, '2001:db8::/32', null, 'any']);
    assert.deepEqual(brief('[::1]'), [6, '::1/128', null, 'any']);
    assert.deepEqual(brief('[::1]:8000-9000'), [6, '::1/128', [[8000, 9000]], 'any']);
    assert.deepEqual(brief('[2001:db8::/32]:443/tcp'), [6, '2001:db8::/32', [[443, 443]], 'tcp']);
    assert.deepEqual(brief('::ffff:192.168.0.0/112'), [4, '192.168.0.0/16', null, 'any']);
    assert.deepEqual(brief('::ffff:0:0/96'), [4, '0.0.0.0/0', null, 'any']);
  });
  it('refuses what it cannot enforce', () => {
    for (const bad of [
      'localhost',
      '10.0.0/8',
      '010.0.0.1',
      '10.0.0.0/',
      '10.0.0.0/-1',
      '::1/129',
      '[::1',
      '[::1]443',
      'fe80::1%eth0',
      '1.2.3.4:0',
      '1.2.3.4:65536',
      '1.2.3.4:a',
      '1.2.3.4:80/sctp',
    ]) {
      assert.throws(() => parseNetworkSpec(bad), NetworkSpecError, bad);
    }
  });
  it('port ranges', () => {
    assert.deepEqual(parsePortRange('1-65535'), [1, 65535]);
    assert.throws(() => parsePortRange('5-4'), /runs backwards/);
  });
});

describe('parseDestination', () => {
  it('agrees with ipaddr.js on random IPv6 addresses, mapped ones becoming IPv4', () => {
    let seed = 3;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed % n;
    };
    for (let i = 0; i < 3000; i++) {
      const words = Array.from({ length: 8 }, () => (rand(3) === 0 ? 0 : rand(65536)));
      if (i % 5 === 0) words.splice(0, 6, 0, 0, 0, 0, 0, 0xffff);
      const text = ipaddr.fromByteArray(words.flatMap((w) => [w >> 8, w & 0xff])).toString();
      const want = ipaddr.process(text);
      const got = parseDestination(text);
      assert.equal(got.family, want.kind() === 'ipv4' ? 4 : 6, text);
      assert.deepEqual(got.bytes, want.toByteArray(), text);
    }
  });
  it('takes dotted IPv4 tails and rejects zones and junk', () => {
    assert.deepEqual(parseDestination('::ffff:10.1.2.3'), { family: 4, bytes: [10, 1, 2, 3] });
    assert.deepEqual(parseDestination('64:ff9b::1.2.3.4').family, 6);
    assert.throws(() => parseDestination('fe80::1%eth0'), TypeError);
    assert.throws(() => parseDestination('1.2.3'), TypeError);
  });
  it('inNetwork masks partial bytes', () => {
    const t = parseNetworkSpec('10.128.0.0/9');
    assert.ok(inNetwork(t, parseDestination('10.200.1.1')));
    assert.ok(!inNetwork(t, parseDestination('10.127.1.1')));
    assert.ok(inNetwork(parseNetworkSpec('0.0.0.0/0'), parseDestination('255.255.255.255')));
    assert.ok(!inNetwork(parseNetworkSpec('0.0.0.0/0'), parseDestination('::2')));
  });
});
