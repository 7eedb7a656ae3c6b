// The `host_addrs` map (kernel/lib/hosts.h): the addresses DNS answered for the names a
// session's profile allows, each until its TTL runs out, for the allowed_hosts rule and ports
// of that name. The DNS proxy writes an address before the answer reaches the agent, so the
// agent's connect to it finds it.
import ipaddr from 'ipaddr.js';

import type { BpfMap } from '../bridge/bpf-map.js';
import { decodeStruct, encodeStruct } from '../wire/struct-layout.js';
import {
  DnsOrigin,
  DnsProxy,
  HOST_PORTS,
  HostAddr,
  HostAddrKey,
  SniClient,
  SniOrigin,
} from '../wire/wire-layout.js';

export interface LearnedAddress {
  session: number;
  /** an IPv4 or IPv6 address (an IPv4-mapped IPv6 address is kept as IPv4) */
  address: string;
  /** the allowed_hosts rule whose name DNS answered with it */
  rule: number;
  /** allowed ports; empty: any */
  ports: readonly number[];
}

export interface LearnedEntry extends LearnedAddress {
  /** CLOCK_BOOTTIME ns after which the hooks no longer allow it */
  expiresNs: bigint;
}

/** An address as the hooks key it: IPv4 in the first 4 of 16 bytes; IPv4-mapped IPv6 as IPv4. */
function addrOf(address: string): { family: 4 | 6; addr: Buffer } {
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress())
    ip = (ip as ipaddr.IPv6).toIPv4Address();
  const addr = Buffer.alloc(16);
  Buffer.from(ip.toByteArray()).copy(addr);
  return { family: ip.kind() === 'ipv4' ? 4 : 6, addr };
}

function keyOf(session: number, address: string): Buffer {
  return encodeStruct(HostAddrKey, { session, ...addrOf(address), pad: Buffer.alloc(3) });
}

function portsOf(buf: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i < HOST_PORTS; i++) {
    const p = buf.readUInt16LE(i * 2);
    if (p !== 0) out.push(p);
  }
  return out;
}

/**
 * Ports of an address two names share: any when either allows any; else both lists, at most
 * HOST_PORTS of them (past that the first ones are kept: a connect to a dropped port is refused,
 * never widened to every port).
 */
function mergePorts(a: readonly number[], b: readonly number[]): number[] {
  if (a.length === 0 || b.length === 0) return [];
  return [...new Set([...a, ...b])].slice(0, HOST_PORTS);
}

/** Writes (or extends) a learned address: the later expiry and both names' ports win. */
export function learnAddress(map: BpfMap, entry: LearnedAddress, expiresNs: bigint): void {
  const key = keyOf(entry.session, entry.address);
  const old = map.get(key);
  let ports = entry.ports.slice(0, HOST_PORTS);
  let expires = expiresNs;
  let rule = entry.rule;
  if (old !== undefined) {
    const o = decodeStruct(HostAddr, old);
    if (o.expires_ns > expiresNs) {
      expires = o.expires_ns;
      rule = o.rule;
    }
    ports = mergePorts(portsOf(o.ports), entry.ports);
  }
  const p = Buffer.alloc(HOST_PORTS * 2);
  ports.forEach((port, i) => p.writeUInt16LE(port, i * 2));
  map.set(key, encodeStruct(HostAddr, { expires_ns: expires, rule, ports: p }));
}

/** The session's learned addresses (expired ones too, until the LRU drops them). */
export function learnedAddresses(map: BpfMap, session: number): LearnedEntry[] {
  const out: LearnedEntry[] = [];
  for (const [k, v] of map.entries()) {
    const key = decodeStruct(HostAddrKey, k);
    if (key.session !== session) continue;
    const bytes = [...key.addr.subarray(0, key.family === 4 ? 4 : 16)];
    const address = ipaddr.fromByteArray(bytes).toString();
    const val = decodeStruct(HostAddr, v);
    out.push({ session, address, rule: val.rule, ports: portsOf(val.ports), expiresNs: val.expires_ns });
  }
  return out;
}

/** Forgets every address learned for an ended session. */
export function forgetAddresses(map: BpfMap, session: number): number {
  const keys = [...map.keys()].filter((k) => decodeStruct(HostAddrKey, k).session === session);
  return map.deleteMany(keys);
}

/**
 * Sends the session's DNS to `resolver` (port 53) to its proxy's loopback `port` instead
 * (kernel/hooks/cgroup_net.h), and shows answers from that port as the resolver's. An IPv4
 * resolver is also keyed as ::ffff:a.b.c.d, as an IPv6 socket writes it.
 */
export function redirectDns(
  maps: { redirect: BpfMap; origin: BpfMap },
  session: number,
  resolver: string,
  port: number,
  ipv6: boolean,
): void {
  const { family, addr } = addrOf(resolver);
  const value = encodeStruct(DnsProxy, { port, ipv6: ipv6 ? 1 : 0, pad: 0 });
  const key = (f: 4 | 6, a: Buffer) =>
    encodeStruct(HostAddrKey, { session, family: f, pad: Buffer.alloc(3), addr: a });
  maps.redirect.set(key(family, addr), value);
  if (family === 4) {
    const mapped = Buffer.alloc(16);
    mapped.writeUInt16BE(0xffff, 10);
    addr.copy(mapped, 12, 0, 4);
    maps.redirect.set(key(6, mapped), value);
  }
  const p = Buffer.alloc(4);
  p.writeUInt32LE(port);
  maps.origin.set(p, encodeStruct(DnsOrigin, { session, family, pad: Buffer.alloc(3), addr }));
}

/** Removes an ended session's DNS redirections. */
export function clearDnsRedirects(maps: { redirect: BpfMap; origin: BpfMap }, session: number): void {
  maps.redirect.deleteMany(
    [...maps.redirect.keys()].filter((k) => decodeStruct(HostAddrKey, k).session === session),
  );
  const origins = [...maps.origin.entries()].filter(
    ([, v]) => decodeStruct(DnsOrigin, v).session === session,
  );
  maps.origin.deleteMany(origins.map(([k]) => k));
}

/** Where a connection the kernel sent to a session's SNI proxy was going (kernel/hooks/cgroup_net.h). */
export interface SniOriginEntry {
  session: number;
  /** the destination the agent connected to */
  address: string;
  port: number;
}

/** Connects of the session to learned addresses on 80/443 go to its SNI proxy's loopback `port`. */
export function setSniProxy(map: BpfMap, session: number, port: number, ipv6: boolean): void {
  const key = Buffer.alloc(4);
  key.writeUInt32LE(session);
  map.set(key, encodeStruct(DnsProxy, { port, ipv6: ipv6 ? 1 : 0, pad: 0 }));
}

/** The session's SNI proxy stopped: its connects to learned addresses on 80/443 are refused. */
export function clearSniProxy(map: BpfMap, session: number): void {
  const key = Buffer.alloc(4);
  key.writeUInt32LE(session);
  map.delete(key);
}

/**
 * The destination of the connection whose agent end is `peer` (address and port, as the proxy
 * accepted it), removed from the map as it is read: each connection is looked up once.
 */
export function takeSniOrigin(map: BpfMap, peer: string, peerPort: number): SniOriginEntry | undefined {
  const { family, addr } = addrOf(peer);
  const key = encodeStruct(SniClient, { port: peerPort, family, pad: Buffer.alloc(3), addr });
  const v = map.get(key);
  if (v === undefined) return undefined;
  map.delete(key);
  const o = decodeStruct(SniOrigin, v);
  const bytes = [...o.addr.subarray(0, o.family === 4 ? 4 : 16)];
  return { session: o.session, address: ipaddr.fromByteArray(bytes).toString(), port: o.port };
}
