// Listening sockets of vigil's egress proxies: on the loopback addresses only, IPv6 without
// dual-stack (the kernel sends IPv4 connections to 127.0.0.1 itself).
import { createServer, type Server } from 'node:net';

/** Stream buffer of a spliced connection's sockets: fewer pause/resume turns per megabyte. */
export const SPLICE_BUFFER = 1 << 20;

/** A TCP server on `address`:`port` (0: any free port); `allowHalfOpen` for a proxy that splices. */
export function listenTcp(address: string, port: number, allowHalfOpen = false): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer({ allowHalfOpen, noDelay: true, highWaterMark: SPLICE_BUFFER });
    s.once('error', reject);
    s.listen({ port, host: address, ipv6Only: address.includes(':') }, () => {
      s.off('error', reject);
      resolve(s);
    });
  });
}

export function closeServer(s: Server): Promise<void> {
  return new Promise((resolve) => {
    s.close(() => {
      resolve();
    });
  });
}
