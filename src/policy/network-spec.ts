// Network rule values: IPs and CIDRs (v4 and v6), ports and port ranges, protocol. Parsed into
// plain data that maps straight onto LPM trie keys: family, network bytes, prefix length.
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { detailError } from '../errors.js';

export type Protocol = 'tcp' | 'udp' | 'any';

/** A destination as the kernel will key it. IPv4-mapped IPv6 rules are stored as IPv4. */
export interface NetworkTarget {
  readonly family: 4 | 6;
  readonly bytes: readonly number[]; // network address, host bits cleared
  readonly prefix: number;
  readonly cidr: string; // normalised text, e.g. '10.0.0.0/8', '2001:db8::/32'
  readonly ports: readonly (readonly [number, number])[] | null; // inclusive ranges; null = every port
  readonly protocol: Protocol;
}

export class NetworkSpecError extends detailError('VIGIL_PROFILE_NETWORK') {
  constructor(message: string) {
    super(message);
    this.name = 'NetworkSpecError';
  }
}

/**
 * Parses `ADDR[/LEN][:PORTS[/PROTO]]`, IPv6 with a port in brackets: `[ADDR[/LEN]]:PORTS`.
 * PORTS is `N`, `N-M` or `*`; PROTO is tcp or udp.
 */
export function parseNetworkSpec(spec: string): NetworkTarget {
  const text = spec.trim();
  let addr: string;
  let rest: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) throw new NetworkSpecError(`'${spec}': missing ']'`);
    addr = text.slice(1, close);
    const tail = text.slice(close + 1);
    if (tail !== '' && !tail.startsWith(':'))
      throw new NetworkSpecError(`'${spec}': expected ':PORT' after ']'`);
    rest = tail === '' ? undefined : tail.slice(1);
  } else if ((text.match(/:/g) ?? []).length > 1) {
    addr = text; // bare IPv6: no port possible without brackets
  } else {
    const colon = text.indexOf(':');
    addr = colon < 0 ? text : text.slice(0, colon);
    rest = colon < 0 ? undefined : text.slice(colon + 1);
  }
  let ports: [number, number][] | null = null;
  let protocol: Protocol = 'any';
  if (rest !== undefined) {
    const slash = rest.indexOf('/');
    const portText = slash < 0 ? rest : rest.slice(0, slash);
    if (slash >= 0) protocol = parseProtocol(rest.slice(slash + 1), spec);
    ports = portText === '*' ? null : [parsePortRange(portText, spec)];
  }
  return { ...parseCidr(addr, spec), ports, protocol };
}

function parseProtocol(text: string, spec: string): Protocol {
  if (text === 'tcp' || text === 'udp') return text;
  throw new NetworkSpecError(`'${spec}': unknown protocol '${text}'; expected tcp or udp`);
}

/** `443`, `8000-9000`; ports are 1..65535 and a range runs low to high. */
export function parsePortRange(text: string, spec: string = text): [number, number] {
  const m = /^([0-9]{1,5})(?:-([0-9]{1,5}))?$/.exec(text);
  if (m === null) throw new NetworkSpecError(`'${spec}': invalid port '${text}'; expected N or N-M`);
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  for (const p of [lo, hi]) {
    if (p < 1 || p > 65535) throw new NetworkSpecError(`'${spec}': port ${p} is out of range 1-65535`);
  }
  if (hi < lo) throw new NetworkSpecError(`'${spec}': port range ${lo}-${hi} runs backwards`);
  return [lo, hi];
}

function parseCidr(text: string, spec: string): Pick<NetworkTarget, 'family' | 'bytes' | 'prefix' | 'cidr'> {
  const slash = text.indexOf('/');
  const ipText = slash < 0 ? text : text.slice(0, slash);
  if (!isStrictIp(ipText)) {
    const hint = /[g-z]/i.test(ipText) ? ': hostnames cannot be enforced in the kernel, use a CIDR' : '';
    throw new NetworkSpecError(`'${spec}': '${ipText}' is not an IP address${hint}`);
  }
  let ip = ipaddr.parse(ipText);
  const max = ip.kind() === 'ipv4' ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const lenText = text.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(lenText) || Number(lenText) > max) {
      throw new NetworkSpecError(`'${spec}': prefix length '${lenText}' must be 0-${max}`);
    }
    prefix = Number(lenText);
  }
  // An IPv4-mapped IPv6 rule (::ffff:a.b.c.d/96+) is the IPv4 rule: connects are keyed the same way.
  if (ip instanceof ipaddr.IPv6 && ip.isIPv4MappedAddress() && prefix >= 96) {
    ip = ip.toIPv4Address();
    prefix -= 96;
  }
  const family = ip.kind() === 'ipv4' ? 4 : 6;
  const bytes = maskBytes(ip.toByteArray(), prefix);
  const network = ipaddr.fromByteArray(bytes);
  return { family, bytes, prefix, cidr: `${network.toString()}/${prefix}` };
}

/** Dotted-quad IPv4 or IPv6 without a zone; ipaddr.js alone would also take '10' or '0x0a.1'. */
function isStrictIp(text: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(text) || (ipaddr.IPv6.isValid(text) && !text.includes('%'));
}

function maskBytes(bytes: number[], prefix: number): number[] {
  return bytes.map((b, i) => {
    const bits = Math.max(0, Math.min(8, prefix - i * 8));
    return bits === 0 ? 0 : b & ((0xff << (8 - bits)) & 0xff);
  });
}

/** A connect's destination, in the form rules are compared with. */
export interface Destination {
  readonly family: 4 | 6;
  readonly bytes: readonly number[];
}

/**
 * Parses a destination IP; an IPv4-mapped IPv6 address becomes IPv4. Throws TypeError if invalid.
 * Hand-rolled after node's own validation: ipaddr.js takes ~30 µs per IPv6 address, too slow for
 * the differential test's 100,000 inputs.
 */
export function parseDestination(ip: string): Destination {
  const version = isIP(ip);
  if (version === 4) return { family: 4, bytes: ip.split('.').map(Number) };
  if (version !== 6 || ip.includes('%')) throw new TypeError(`not an IP address: '${ip}'`);
  const bytes = ipv6Bytes(ip);
  const mapped = bytes[10] === 0xff && bytes[11] === 0xff && bytes.slice(0, 10).every((b) => b === 0);
  return mapped ? { family: 4, bytes: bytes.slice(12) } : { family: 6, bytes };
}

/** Bytes of a valid (isIP-checked) IPv6 address, with `::` and a dotted IPv4 tail. */
function ipv6Bytes(ip: string): number[] {
  const groups = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (g.includes('.')) {
        const [a = 0, b = 0, c = 0, d = 0] = g.split('.').map(Number);
        out.push((a << 8) | b, (c << 8) | d);
      } else {
        out.push(parseInt(g, 16));
      }
    }
    return out;
  };
  const gap = ip.indexOf('::');
  const head = groups(gap < 0 ? ip : ip.slice(0, gap));
  const tail = gap < 0 ? [] : groups(ip.slice(gap + 2));
  const words = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  return words.flatMap((w) => [w >> 8, w & 0xff]);
}

/** Whether a destination falls in a rule's network (ports and protocol are checked by the caller). */
export function inNetwork(target: NetworkTarget, dest: Destination): boolean {
  if (target.family !== dest.family) return false;
  const full = target.prefix >> 3;
  for (let i = 0; i < full; i++) if (dest.bytes[i] !== target.bytes[i]) return false;
  const bits = target.prefix & 7;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return ((dest.bytes[full] ?? 0) & mask) === target.bytes[full];
}

export function portMatches(target: NetworkTarget, port: number): boolean {
  if (target.ports === null) return true;
  return target.ports.some(([lo, hi]) => port >= lo && port <= hi);
}
