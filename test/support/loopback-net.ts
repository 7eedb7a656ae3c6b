// Loopback pieces the egress tests share: a TCP listener on an address the test names, and the
// start of a Python agent that speaks DNS itself (glibc's resolver would ask the host's own
// nameserver, which tests must not reach).
import { createServer } from 'node:net';
import type { TestContext } from 'node:test';

import { dnsmasqMissing, startLoopbackDns } from '../../src/bench/loopback-dns.js';

/** A listener on `host`:`port` (0: any free port) that closes each connection; its port. */
export async function listenLoopback(t: TestContext, host: string, port = 0): Promise<number> {
  const server = createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(port, host, r));
  t.after(() => {
    server.close();
  });
  return (server.address() as { port: number }).port;
}

/** Python defining R (the resolver) and q(name, qtype): one DNS query packet. */
export function pythonDnsClient(resolver: string): string {
  return String.raw`
import socket, struct, random
R = '${resolver}'
def q(name, qtype=1):
    hdr = struct.pack('>HHHHHH', random.randint(0, 65535), 0x0100, 1, 0, 0, 0)
    return hdr + b''.join(bytes([len(p)]) + p.encode() for p in name.split('.')) + b'\0' + struct.pack('>HH', qtype, 1)
`;
}

/**
 * The egress tests' little world: dnsmasq on `resolver`:53 serving good.test (127.0.0.2) and
 * evil.test (127.0.0.9, with a TXT record), and a listener on both addresses at one port. The
 * port, or undefined when dnsmasq is missing (the test is skipped, saying why).
 */
export async function egressWorld(t: TestContext, resolver: string): Promise<number | undefined> {
  const missing = dnsmasqMissing();
  if (missing !== undefined) {
    t.skip(missing);
    return undefined;
  }
  const dns = await startLoopbackDns({
    address: resolver,
    port: 53,
    records: ['good.test,127.0.0.2', 'evil.test,127.0.0.9'],
    txts: ['evil.test,exfiltrated'],
  });
  t.after(() => {
    dns.stop();
  });
  const port = await listenLoopback(t, '127.0.0.2');
  await listenLoopback(t, '127.0.0.9', port);
  return port;
}
