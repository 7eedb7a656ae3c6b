// The session DNS proxy against a real resolver: Debian's dnsmasq on loopback, serving test names.
// Allowed names are forwarded and their addresses learned before the answer returns; other names
// are refused without reaching the resolver; TCP works as UDP does; garbage gets FORMERR.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createConnection } from 'node:net';
import { after, before, describe, it } from 'node:test';

import dnsPacket, { type DecodedPacket } from 'dns-packet';

import { DnsSessionProxy, type DnsQueryRecord } from '../../../src/egress/dns-proxy.js';
import type { HostRule } from '../../../src/egress/name-policy.js';
import { parseHostSpec } from '../../../src/policy/host-spec.js';
import {
  dnsmasqMissing,
  freeUdpPort,
  startLoopbackDns,
  type LoopbackDns,
} from '../../../src/bench/loopback-dns.js';

const missing = dnsmasqMissing();

function rule(list: 'allowed_hosts' | 'denied_hosts', index: number, spec: string): HostRule {
  return { id: `${list}[${index}]`, index, pattern: parseHostSpec(spec) };
}

function udpAsk(port: number, packet: Buffer, host = '127.0.0.1'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const timer = setTimeout(() => {
      s.close();
      reject(new Error('no answer'));
    }, 3000);
    s.on('message', (m) => {
      clearTimeout(timer);
      s.close();
      resolve(m);
    });
    s.send(packet, port, host);
  });
}

function tcpAsk(port: number, packet: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const c = createConnection({ host: '127.0.0.1', port });
    let buf = Buffer.alloc(0);
    c.on('connect', () =>
      c.write(Buffer.concat([Buffer.from([packet.length >> 8, packet.length & 255]), packet])),
    );
    c.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        c.destroy();
        resolve(buf.subarray(2));
      }
    });
    c.on('error', reject);
  });
}

const query = (name: string, type: 'A' | 'AAAA' | 'TXT' = 'A', id = 4242): Buffer =>
  dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type }] });

const decode = (b: Buffer): DecodedPacket & { rcode?: string } => dnsPacket.decode(b);
const datas = (p: DecodedPacket): unknown[] =>
  (p.answers ?? []).map((x) => ('data' in x ? x.data : undefined));
const lastRecord = (records: DnsQueryRecord[], ok: (r: DnsQueryRecord) => boolean) =>
  [...records].reverse().find(ok);

describe('DNS proxy, with dnsmasq as the resolver', { skip: missing ?? false }, () => {
  let upstreamPort = 0;
  let proxy: DnsSessionProxy;
  let dnsmasq: LoopbackDns | undefined;
  const learned: { address: string; ttlS: number; rule: string; at: number }[] = [];
  const records: DnsQueryRecord[] = [];

  before(async () => {
    upstreamPort = await freeUdpPort();
    dnsmasq = await startLoopbackDns({
      address: '127.0.0.1',
      port: upstreamPort,
      records: [
        'good.test,127.0.0.2,::2',
        'api.good.test,127.0.0.4',
        'secret.good.test,127.0.0.5',
        'evil.test,127.0.0.9',
      ],
      cnames: ['alias.good.test,good.test'],
      txts: ['evil.test,exfiltrated'],
      ttlS: 30,
    });
    proxy = await DnsSessionProxy.start({
      session: 77,
      policy: {
        denied: [rule('denied_hosts', 0, 'secret.good.test')],
        allowed: [rule('allowed_hosts', 0, 'good.test'), rule('allowed_hosts', 1, '*.good.test:443')],
      },
      upstreams: [{ address: '127.0.0.1', port: upstreamPort }],
      minTtlS: 60,
      learn: (a, ttlS, r) => learned.push({ address: a.address, ttlS, rule: r.id, at: Date.now() }),
      record: (q) => records.push(q),
      timeoutMs: 1000,
    });
  });

  after(async () => {
    await proxy.close();
    dnsmasq?.stop();
  });

  it('forwards an allowed name and learns its addresses before answering', async () => {
    const port = proxy.ports[0]?.port ?? 0;
    const a = decode(await udpAsk(port, query('good.test')));
    const answeredAt = Date.now();
    assert.deepEqual(datas(a), ['127.0.0.2']);
    const l = learned.find((x) => x.address === '127.0.0.2');
    assert.ok(l, 'learned');
    assert.ok(l.at <= answeredAt);
    assert.equal(l.ttlS, 60, 'the minimum TTL over the answer’s 30 s');
    assert.equal(l.rule, 'allowed_hosts[0]');
    const aaaa = decode(await udpAsk(port, query('good.test', 'AAAA', 7)));
    assert.deepEqual(datas(aaaa), ['::2']);
    assert.ok(learned.some((x) => x.address === '::2'));
  });

  it('follows a CNAME chain to the addresses', async () => {
    const port = proxy.ports[0]?.port ?? 0;
    const a = decode(await udpAsk(port, query('alias.good.test')));
    assert.ok((a.answers ?? []).some((x) => x.type === 'CNAME'));
    const l = learned.filter((x) => x.rule === 'allowed_hosts[1]').map((x) => x.address);
    assert.deepEqual(l, ['127.0.0.2'], 'the CNAME target’s address, for the rule of the name asked');
  });

  it('refuses names no rule allows, and denied names a wildcard would allow, of any type', async () => {
    const port = proxy.ports[0]?.port ?? 0;
    const before = learned.length;
    for (const [name, type] of [
      ['evil.test', 'A'],
      ['evil.test', 'TXT'],
      ['secret.good.test', 'A'],
    ] as const) {
      const r = decode(await udpAsk(port, query(name, type)));
      assert.equal(r.rcode, 'REFUSED', name);
      assert.equal((r.answers ?? []).length, 0);
      const rec = lastRecord(records, (x) => x.name === name && x.qtype === type);
      assert.equal(rec?.verdict, 'BLOCK');
    }
    assert.equal(lastRecord(records, (x) => x.name === 'secret.good.test')?.rule, 'denied_hosts[0]');
    assert.equal(lastRecord(records, (x) => x.name === 'evil.test')?.rule, null);
    assert.equal(learned.length, before, 'nothing learned');
  });

  it('answers over TCP as over UDP, on the same port, and over IPv6 loopback', async () => {
    const p = proxy.ports[0];
    assert.ok(p);
    const r = decode(await tcpAsk(p.port, query('api.good.test')));
    assert.deepEqual(datas(r), ['127.0.0.4']);
    assert.equal(records.at(-1)?.transport, 'tcp');
    if (p.ipv6) {
      const r6 = decode(await udpAsk(p.port, query('good.test', 'A', 9), '::1'));
      assert.deepEqual(datas(r6), ['127.0.0.2']);
    }
  });

  it('answers SERVFAIL when the kernel cannot learn the addresses (never an answer it would refuse)', async () => {
    const recorded: DnsQueryRecord[] = [];
    const failing = await DnsSessionProxy.start({
      session: 79,
      policy: { denied: [], allowed: [rule('allowed_hosts', 0, 'good.test')] },
      upstreams: [{ address: '127.0.0.1', port: upstreamPort }],
      minTtlS: 60,
      learn: () => {
        throw new Error('map gone');
      },
      record: (q) => recorded.push(q),
    });
    try {
      const r = decode(await udpAsk(failing.ports[0]?.port ?? 0, query('good.test')));
      assert.equal(r.rcode, 'SERVFAIL');
      assert.equal(datas(r).length, 0);
      assert.match(recorded[0]?.reason ?? '', /could not be allowed in the kernel: map gone/);
    } finally {
      await failing.close();
    }
  });

  it('answers garbage with FORMERR and counts it', async () => {
    const port = proxy.ports[0]?.port ?? 0;
    const before = proxy.counters.malformed;
    const r = await udpAsk(port, Buffer.from([0x12, 0x34, 0xff, 0xff, 0x00]));
    assert.equal(r.readUInt16BE(0), 0x1234);
    assert.equal(r.readUInt16BE(2) & 0xf, 1, 'FORMERR');
    assert.equal(proxy.counters.malformed, before + 1);
  });
});

describe('DNS proxy, with its resolver down', () => {
  it('answers SERVFAIL and records why, learning nothing', async () => {
    const dead = await freeUdpPort();
    const records: DnsQueryRecord[] = [];
    const proxy = await DnsSessionProxy.start({
      session: 78,
      policy: { denied: [], allowed: [rule('allowed_hosts', 0, 'good.test')] },
      upstreams: [{ address: '127.0.0.1', port: dead }],
      minTtlS: 1,
      learn: () => assert.fail('nothing to learn'),
      record: (q) => records.push(q),
      timeoutMs: 300,
    });
    try {
      const r = decode(await udpAsk(proxy.ports[0]?.port ?? 0, query('good.test')));
      assert.equal(r.rcode, 'SERVFAIL');
      assert.match(records[0]?.reason ?? '', /the resolver failed/);
    } finally {
      await proxy.close();
    }
  });
});
