// `resolvers` in network rules: the host's nameservers, not every address.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { compileTables } from '../../../src/policy/compile-tables.js';
import { evaluate } from '../../../src/policy/evaluate.js';
import { loadProfileText } from '../../../src/policy/load-profile.js';
import { hostResolvers } from '../../../src/policy/resolvers.js';

describe('resolvers', () => {
  it('reads the nameserver lines of resolv.conf, zones and duplicates dropped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-resolv-'));
    try {
      const file = join(dir, 'resolv.conf');
      writeFileSync(
        file,
        '# comment\nsearch example.internal\nnameserver 10.0.0.53\nnameserver fe80::1%eth0\nnameserver 10.0.0.53\nnameserver not-an-ip\noptions edns0\n',
      );
      assert.deepEqual(hostResolvers(file), ['10.0.0.53', 'fe80::1']);
      assert.deepEqual(hostResolvers(join(dir, 'missing')), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a rule names each resolver with its ports; the kernel tables hold them', () => {
    const p = loadProfileText(
      "name: t\nversion: '1'\ndefault_policy: {networks: deny}\nallowed_networks: ['resolvers:53/udp']\n",
      'inline.yaml',
      { resolvers: ['192.0.2.1', '2001:db8::1'] },
    );
    const rule = p.networks.allowed[0];
    assert.deepEqual(
      rule?.targets.map((t) => t.cidr),
      ['192.0.2.1/32', '2001:db8::1/128'],
    );
    const c = (ip: string, port: number, proto: 'tcp' | 'udp') =>
      evaluate(p, { kind: 'connect', ip, port, proto }).action;
    assert.equal(c('192.0.2.1', 53, 'udp'), 'ALLOW');
    assert.equal(c('2001:db8::1', 53, 'udp'), 'ALLOW');
    assert.equal(c('192.0.2.1', 53, 'tcp'), 'BLOCK');
    assert.equal(c('192.0.2.2', 53, 'udp'), 'BLOCK');
    assert.equal(compileTables(p, 0).figures.networkEntries, 2);
  });

  it('no resolver configured: the rule names nothing', () => {
    const p = loadProfileText("name: t\nversion: '1'\nallowed_networks: [resolvers]\n", 'inline.yaml', {
      resolvers: [],
    });
    assert.deepEqual(p.networks.allowed[0]?.targets, []);
  });
});
