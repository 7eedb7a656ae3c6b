// NeuronTrace connect patterns -> vigil network specs. NeuronTrace matches a connect's destination
// as the text Rust prints for its socket address, `IP:PORT` or `[IPv6]:PORT`, against a globset
// glob; vigil matches addresses and ports. A glob has an exact vigil form when it is an address or
// an address prefix ending in `*` (at an octet or group boundary), with an exact port or `*`:
// `127.0.0.1:*` is 127.0.0.1/32, `10.*` is 10.0.0.0/8 on every port, `*:443` is every address on
// port 443, `[fd00:*]:*` is fd00::/16. Anything else (`1*`, `10.0.0.[1-3]:80`, a CIDR, which
// never appears in that text) is refused with the reason.
import ipaddr from 'ipaddr.js';
import { GlobsetRefusal, type GsSequence } from './globset-parse.js';
import { parseNetworkSpec, type NetworkTarget } from './network-spec.js';

const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])';
const GROUP = '[1-9a-f][0-9a-f]{0,3}'; // a group Rust prints in full: no leading zero, not 0
const PORT = '(\\*|[1-9][0-9]{0,4})';
const FORMS: readonly { re: RegExp; hosts: (m: RegExpExecArray) => string[] }[] = [
  // `*` or `*:PORT`: every address
  { re: new RegExp(`^\\*(?::${PORT})?$`), hosts: () => ['0.0.0.0/0', '::/0'] },
  // `a.b.c.d:PORT`
  { re: new RegExp(`^(${OCTET}(?:\\.${OCTET}){3}):${PORT}$`), hosts: (m) => [`${m[1] ?? ''}/32`] },
  // `a.*`, `a.b.*`, `a.b.c.*`, then `:PORT` or nothing (the `*` takes the port too)
  {
    re: new RegExp(`^((?:${OCTET}\\.){1,3})\\*(?::${PORT})?$`),
    hosts: (m) => {
      const octets = (m[1] ?? '').split('.').filter((o) => o !== '');
      return [`${[...octets, '0', '0', '0'].slice(0, 4).join('.')}/${8 * octets.length}`];
    },
  },
  // `[*]:PORT`, `[*`
  { re: new RegExp(`^\\[\\*(?:\\]:${PORT})?$`), hosts: () => ['::/0'] },
  // `[g1:...:gk:*]:PORT`, `[g1:...:gk:*`
  {
    re: new RegExp(`^\\[((?:${GROUP}:){1,7})\\*(?:\\]:${PORT})?$`),
    hosts: (m) => {
      const groups = (m[1] ?? '').split(':').filter((g) => g !== '');
      return [`${groups.join(':')}${groups.length < 8 ? '::' : ''}/${16 * groups.length}`];
    },
  },
  // `[ADDR]:PORT`
  {
    re: new RegExp(`^\\[([0-9a-f:.]+)\\]:${PORT}$`),
    hosts: (m) => {
      const text = m[1] ?? '';
      if (!ipaddr.IPv6.isValid(text)) throw new GlobsetRefusal(`'${text}' is not an IPv6 address`);
      const ip = ipaddr.IPv6.parse(text);
      if (ip.isIPv4MappedAddress()) {
        throw new GlobsetRefusal(
          'an IPv4-mapped IPv6 address: vigil matches such a destination as the IPv4 address, NeuronTrace as the bracketed text',
        );
      }
      const shown = rustIpv6(ip.parts);
      if (shown !== text) {
        throw new GlobsetRefusal(`NeuronTrace writes this address '${shown}', so '${text}' never matches`);
      }
      return [`${text}/128`];
    },
  },
];

/** The text Rust's Display gives an IPv6 address: the first longest run of 2+ zero groups is `::`. */
function rustIpv6(parts: readonly number[]): string {
  if (parts.slice(0, 6).join(',') === '0,0,0,0,0,65535') {
    const [a = 0, b = 0] = parts.slice(6);
    return `::ffff:${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
  }
  let best = { start: 0, len: 0 };
  let cur = { start: 0, len: 0 };
  parts.forEach((p, i) => {
    if (p !== 0) {
      cur = { start: 0, len: 0 };
      return;
    }
    if (cur.len === 0) cur = { start: i, len: 0 };
    cur.len++;
    if (cur.len > best.len) best = { ...cur };
  });
  const hex = (list: readonly number[]): string => list.map((p) => p.toString(16)).join(':');
  if (best.len < 2) return hex(parts);
  return `${hex(parts.slice(0, best.start))}::${hex(parts.slice(best.start + best.len))}`;
}

/** The vigil network specs matching exactly the destinations one connect glob matches. Throws GlobsetRefusal. */
export function connectSpecs(sequences: readonly GsSequence[]): string[] {
  const out: string[] = [];
  for (const seq of sequences) {
    let text = '';
    for (const t of seq) {
      if (t.type === 'literal') {
        if (t.ch === '*') throw new GlobsetRefusal("a literal '*' never appears in a destination");
        text += t.ch;
      } else if (t.type === 'star') {
        text += '*';
      } else if (t.type === 'class') {
        throw new GlobsetRefusal(
          "'[...]' is a character class in globset ('[::1]' is one ':' or '1'), so the glob never matches an '[IPv6]:PORT' destination as written; write '\\[::1\\]:*' for an IPv6 address, or the addresses a class stood for",
        );
      } else if (t.type === 'any') {
        throw new GlobsetRefusal(
          "'?' in a destination has no exact vigil form: write the addresses, or a prefix ending in '*'",
        );
      } else {
        throw new GlobsetRefusal("'**' next to '/': a destination never contains '/'");
      }
    }
    if (text.includes('/')) {
      throw new GlobsetRefusal(
        "a destination is written 'IP:PORT', never with '/': a CIDR matches nothing in NeuronTrace; write '10.*' for 10.0.0.0/8",
      );
    }
    const form = FORMS.map((f) => ({ f, m: f.re.exec(text) })).find((x) => x.m !== null);
    if (form === undefined || form.m === null) {
      throw new GlobsetRefusal(
        `'${text}' is not an address or an address prefix ending in '*' (at a '.' or ':'), with ':PORT' or ':*'; vigil matches address ranges, not text`,
      );
    }
    const m = form.m;
    const portText = m[m.length - 1];
    const port = portText === undefined || portText === '*' ? undefined : Number(portText);
    if (port !== undefined && port > 65535) throw new GlobsetRefusal(`port ${port} is over 65535`);
    for (const host of form.f.hosts(m)) {
      const v6 = host.includes(':');
      out.push(port === undefined ? host : v6 ? `[${host}]:${port}` : `${host}:${port}`);
    }
  }
  return [...new Set(out)];
}

/** A destination two sets of vigil network specs both match, as NeuronTrace writes it, or undefined. */
export function commonDestination(a: readonly string[], b: readonly string[]): string | undefined {
  for (const x of a.map(parseNetworkSpec)) {
    for (const y of b.map(parseNetworkSpec)) {
      const hit = meet(x, y);
      if (hit !== undefined) return hit;
    }
  }
  return undefined;
}

function meet(x: NetworkTarget, y: NetworkTarget): string | undefined {
  if (x.family !== y.family) return undefined;
  const bits = Math.min(x.prefix, y.prefix);
  for (let i = 0; i < bits; i++) {
    const bx = ((x.bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1;
    const by = ((y.bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1;
    if (bx !== by) return undefined;
  }
  const px = x.ports?.[0]?.[0];
  const py = y.ports?.[0]?.[0];
  if (px !== undefined && py !== undefined && px !== py) return undefined;
  const port = px ?? py ?? 443;
  const host = x.prefix >= y.prefix ? x : y;
  if (host.family === 4) return `${host.bytes.join('.')}:${port}`;
  const parts: number[] = [];
  for (let i = 0; i < 16; i += 2) parts.push(((host.bytes[i] ?? 0) << 8) | (host.bytes[i + 1] ?? 0));
  return `[${rustIpv6(parts)}]:${port}`;
}
