// A session's egress proxies as the daemon runs them (session-dns.ts), against a kernel that
// records what it is told: the DNS proxy's redirections, the SNI proxy's port under verify_sni
// (none without it), and both gone with the session. With a real resolver (dnsmasq on loopback
// port 53, root only), the names an address was learned for are the names asked, CNAMEs or not.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { homedir } from 'node:os';
import { describe, it } from 'node:test';

import dnsPacket from 'dns-packet';

import { dnsmasqMissing, startLoopbackDns } from '../../../src/bench/loopback-dns.js';
import { SessionDns } from '../../../src/daemon/session-dns.js';
import { loadProfileText } from '../../../src/policy/load-profile.js';

const RESOLVER = '127.0.68.53';

function recordingKernel() {
  const calls: string[] = [];
  return {
    calls,
    kernel: {
      learnHostAddress: (e: { session: number; address: string }) =>
        calls.push(`learn ${e.session} ${e.address}`),
      forgetHostAddresses: (s: number) => calls.push(`forget ${s}`),
      redirectDns: (s: number, resolver: string, port: number) =>
        calls.push(`redirect ${s} ${resolver} ${port > 0}`),
      clearDnsRedirects: (s: number) => calls.push(`clear-dns ${s}`),
      setSniProxy: (s: number, port: number) => calls.push(`sni ${s} ${port > 0}`),
      clearSniProxy: (s: number) => calls.push(`clear-sni ${s}`),
      takeSniOrigin: () => undefined,
    },
  };
}

function profile(verifySni: boolean) {
  return loadProfileText(
    [
      'name: egress-unit',
      'default_policy: {networks: deny}',
      'allowed_hosts: [good.test, alias.test]',
      `verify_sni: ${verifySni}`,
      `dns: {resolvers: [${RESOLVER}]}`,
      '',
    ].join('\n'),
    'egress-unit.yaml',
    { home: homedir(), workspace: process.cwd() },
  );
}

function ask(port: number, name: string): Promise<void> {
  const q = dnsPacket.encode({
    type: 'query',
    id: 7,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type: 'A' }],
  });
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const timer = setTimeout(() => {
      s.close();
      reject(new Error(`no answer for ${name}`));
    }, 3000);
    s.once('message', () => {
      clearTimeout(timer);
      s.close();
      resolve();
    });
    s.send(q, port, '127.0.0.1');
  });
}

describe('session egress proxies', () => {
  it('start an SNI proxy only under verify_sni, and take every redirection away with the session', async () => {
    for (const verify of [true, false]) {
      const { calls, kernel } = recordingKernel();
      const logs: string[] = [];
      const dns = new SessionDns(kernel, { dns: () => undefined, sni: () => undefined }, (m) => logs.push(m));
      await dns.start(11, 'run-11', profile(verify));
      assert.deepEqual(
        calls,
        ['clear-dns 11', 'clear-sni 11', `redirect 11 ${RESOLVER} true`, ...(verify ? ['sni 11 true'] : [])],
        `verify_sni ${verify}`,
      );
      assert.deepEqual(logs, []);
      calls.length = 0;
      dns.stop(11);
      assert.deepEqual(calls, ['clear-dns 11', 'clear-sni 11', 'forget 11']);
      await dns.closeAll();
    }
  });

  it('keeps, per address, every allowed name DNS gave it for, as asked', async (t) => {
    const missing =
      dnsmasqMissing() ?? (process.getuid?.() === 0 ? undefined : 'a resolver on port 53 needs root');
    if (missing !== undefined) {
      t.skip(missing);
      return;
    }
    const dnsmasq = await startLoopbackDns({
      address: RESOLVER,
      port: 53,
      records: ['good.test,127.0.0.2', 'cdn.example.net,127.0.0.2'],
      cnames: ['alias.test,cdn.example.net'],
    });
    t.after(() => {
      dnsmasq.stop();
    });
    const { kernel } = recordingKernel();
    let port = 0;
    const dns = new SessionDns(
      { ...kernel, redirectDns: (_s, _r, p) => (port = p) },
      { dns: () => undefined, sni: () => undefined },
      () => undefined,
    );
    t.after(() => dns.closeAll());
    await dns.start(12, 'run-12', profile(true));
    await ask(port, 'good.test');
    await ask(port, 'ALIAS.test.');
    assert.deepEqual(dns.learned(12), { 'good.test': ['127.0.0.2'], 'alias.test': ['127.0.0.2'] });
    assert.equal(dns.hostOf(12, '127.0.0.2'), 'alias.test', 'the latest name');
  });
});
