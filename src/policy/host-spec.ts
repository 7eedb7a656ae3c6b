// Host names in profiles (`allowed_hosts`, `denied_hosts`): `api.anthropic.com`,
// `*.githubusercontent.com` (any name below it, at any depth, not the name itself), or `*` (any
// name: the opt-in for web-fetch tools; addresses are still learned only from DNS), each with an
// optional port (`registry.npmjs.org:443`). Names compare case-insensitively, without the root's
// trailing dot, as DNS does. The DNS proxy matches the names agents ask for against these; the
// kernel then allows the addresses DNS answered (kernel/lib/hosts.h), on these ports.
import { detailError } from '../errors.js';
import { HOST_PORTS } from '../wire/wire-layout.js';

export class HostSpecError extends detailError('VIGIL_PROFILE_HOST') {
  constructor(message: string) {
    super(message);
    this.name = 'HostSpecError';
  }
}

export interface HostPattern {
  /** as written, normalised: `*.example.com` or `api.example.com` */
  readonly text: string;
  /** `*.` patterns: the name every match ends with, after a dot (`example.com`); `*`: ''; else null */
  readonly below: string | null;
  /** exact patterns: the one name; else null */
  readonly name: string | null;
  /** allowed ports; empty: any */
  readonly ports: readonly number[];
}

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** A name as DNS compares it: lower case, no trailing dot. */
export function normaliseHostName(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

function checkName(name: string, spec: string): void {
  if (name.length === 0) throw new HostSpecError(`'${spec}': empty host name`);
  if (name.length > 253) throw new HostSpecError(`'${spec}': a host name is at most 253 characters`);
  for (const label of name.split('.')) {
    if (!LABEL.test(label)) {
      const why = label === '' ? 'an empty label (two dots in a row)' : `'${label}' is not a DNS label`;
      throw new HostSpecError(
        `'${spec}': ${why}; use letters, digits and hyphens (a wildcard only as a leading '*.')`,
      );
    }
  }
}

/** Parses `NAME`, `*.NAME`, each with an optional `:PORT`; `extraPorts` from the rule's `ports:`. */
export function parseHostSpec(spec: string, extraPorts: readonly number[] = []): HostPattern {
  const text = normaliseHostName(spec);
  const colon = text.lastIndexOf(':');
  const host = colon < 0 ? text : text.slice(0, colon);
  const ports = [...extraPorts];
  if (colon >= 0) {
    const portText = text.slice(colon + 1);
    if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535)
      throw new HostSpecError(`'${spec}': invalid port '${portText}'; expected one port, 1-65535`);
    ports.push(Number(portText));
  }
  const unique = [...new Set(ports)].sort((a, b) => a - b);
  if (unique.length > HOST_PORTS)
    throw new HostSpecError(
      `'${spec}': at most ${HOST_PORTS} ports per host rule; split it into several rules`,
    );
  if (/^[0-9.]+$/.test(host) || host.includes(':'))
    throw new HostSpecError(
      `'${spec}': an address, not a host name; write it in allowed_networks or denied_networks`,
    );
  if (host === '*') {
    // any name: still only through DNS (a literal address stays refused), still SNI-checked
    return {
      text: colon < 0 ? host : `${host}:${text.slice(colon + 1)}`,
      below: '',
      name: null,
      ports: unique,
    };
  }
  if (host.startsWith('*.')) {
    const below = host.slice(2);
    checkName(below, spec);
    if (!below.includes('.'))
      throw new HostSpecError(
        `'${spec}': '*.${below}' would match a whole top-level domain; name the domain`,
      );
    return { text: colon < 0 ? host : `${host}:${text.slice(colon + 1)}`, below, name: null, ports: unique };
  }
  if (host.includes('*'))
    throw new HostSpecError(`'${spec}': a wildcard is only allowed as a leading '*.' (*.example.com)`);
  checkName(host, spec);
  return {
    text: colon < 0 ? host : `${host}:${text.slice(colon + 1)}`,
    below: null,
    name: host,
    ports: unique,
  };
}

/** Whether `name` (as asked, any case, trailing dot or not) is one the pattern covers. */
export function hostMatches(pattern: HostPattern, name: string): boolean {
  const n = normaliseHostName(name);
  if (pattern.name !== null) return n === pattern.name;
  if (pattern.below === '') return n !== '';
  return pattern.below !== null && n.endsWith(`.${pattern.below}`);
}
