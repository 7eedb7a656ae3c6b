// The `host_addrs` map (kernel/lib/hosts.h): the addresses DNS answered for the names a
// session's profile allows, each until its TTL runs out, for the allowed_hosts rule and ports
// of that name. The DNS proxy writes an address before the answer reaches the agent, so the
// agent's connect to it finds it.
import ipaddr from 'ipaddr.js';

import type { BpfMap } from '../bridge/bpf-map.js';
import { decodeStruct, encodeStruct } from '../wire/struct-layout.js';
import { HOST_PORTS, HostAddr, HostAddrKey } from '../wire/wire-layout.js';

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

function keyOf(session: number, address: string): Buffer {
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress())
    ip = (ip as ipaddr.IPv6).toIPv4Address();
  const addr = Buffer.alloc(16);
  Buffer.from(ip.toByteArray()).copy(addr);
  return encodeStruct(HostAddrKey, {
    session,
    family: ip.kind() === 'ipv4' ? 4 : 6,
    pad: Buffer.alloc(3),
    addr,
  });
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
