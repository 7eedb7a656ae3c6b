// What vigil's DNS proxy adds to a lookup (egress by host name): Debian's dnsmasq on loopback,
// asked the same A query directly and through a session's proxy (which checks the name, forwards
// it, reads the answer and writes each address into the kernel's learned map before answering),
// in alternating pairs of sequential UDP queries. The kernel's redirect of the agent's packet to
// the proxy is a rewrite of the destination in the connect/sendmsg hook: not measured apart.
import { createSocket } from 'node:dgram';

import dnsPacket from 'dns-packet';

import { DnsSessionProxy } from '../egress/dns-proxy.js';
import { AgentKernel } from '../loader/agent-kernel.js';
import { parseHostSpec } from '../policy/host-spec.js';
import { dnsmasqMissing, freeUdpPort, startLoopbackDns } from './loopback-dns.js';

const SESSION = 0x7ff0_0401;

export interface DnsLatency {
  queries: number;
  directUs: number[];
  proxiedUs: number[];
  /** why it was not measured */
  skipped?: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] ?? NaN;
}

/** `n` sequential A queries for good.test on one socket; µs per query. */
async function timeQueries(port: number, n: number): Promise<number> {
  const s = createSocket('udp4');
  const query = dnsPacket.encode({
    type: 'query',
    id: 1,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name: 'good.test', type: 'A' }],
  });
  const t = performance.now();
  for (let i = 0; i < n; i++) {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no answer on port ${port}`));
      }, 2000);
      s.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
      s.send(query, port, '127.0.0.1');
    });
  }
  const us = ((performance.now() - t) * 1000) / n;
  s.close();
  return us;
}

export async function measureDnsLatency(reps: number, n: number): Promise<DnsLatency> {
  const missing = dnsmasqMissing();
  if (missing !== undefined) return { queries: n, directUs: [], proxiedUs: [], skipped: missing };
  const upstream = await freeUdpPort();
  const dnsmasq = await startLoopbackDns({
    address: '127.0.0.1',
    port: upstream,
    records: ['good.test,127.0.0.2'],
  });
  const kernel = AgentKernel.open({ onEvents: () => undefined });
  const rule = { id: 'allowed_hosts[0]', index: 0, pattern: parseHostSpec('good.test') };
  const proxy = await DnsSessionProxy.start({
    session: SESSION,
    policy: { denied: [], allowed: [rule] },
    upstreams: [{ address: '127.0.0.1', port: upstream }],
    minTtlS: 60,
    learn: (a, ttlS, r) => {
      kernel.learnHostAddress(
        { session: SESSION, address: a.address, rule: r.index, ports: [] },
        ttlS * 1000,
      );
    },
    record: () => undefined,
  });
  const out: DnsLatency = { queries: n, directUs: [], proxiedUs: [] };
  try {
    const port = proxy.ports[0]?.port ?? 0;
    await timeQueries(port, 20); // warm
    for (let rep = 0; rep < reps; rep++) {
      if (rep % 2 === 0) {
        out.directUs.push(await timeQueries(upstream, n));
        out.proxiedUs.push(await timeQueries(port, n));
      } else {
        out.proxiedUs.push(await timeQueries(port, n));
        out.directUs.push(await timeQueries(upstream, n));
      }
    }
  } finally {
    await proxy.close();
    kernel.forgetHostAddresses(SESSION);
    kernel.close();
    dnsmasq.stop();
  }
  return out;
}

export function renderDnsLatency(d: DnsLatency): string[] {
  if (d.skipped !== undefined)
    return ['', '### DNS through the session proxy', '', `Not measured: ${d.skipped}.`, ''];
  const direct = median(d.directUs);
  const proxied = median(d.proxiedUs);
  return [
    '',
    '### DNS through the session proxy (egress by host name)',
    '',
    `An A query for an allowed name, ${d.queries} sequential queries per run, ${d.directUs.length} runs each way, alternating: dnsmasq on loopback asked directly, and through a session's DNS proxy (name check, forward, answer parsed, the address written into the kernel's learned map, answer returned).`,
    '',
    '| path | µs per query (median) |',
    '| --- | ---: |',
    `| dnsmasq directly | ${direct.toFixed(0)} |`,
    `| through vigil's proxy | ${proxied.toFixed(0)} (+${(proxied - direct).toFixed(0)} µs, ${(proxied / direct).toFixed(2)}x) |`,
    '',
  ];
}
