// `resolvers` in a network rule: the DNS servers this host is configured with (the `nameserver`
// lines of /etc/resolv.conf), read when the profile is loaded, so DNS is allowed to them and not
// to every address (UDP 53 to anywhere is an exfiltration channel).
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

export const RESOLVERS_KEYWORD = 'resolvers';
export const RESOLV_CONF = '/etc/resolv.conf';

/** The nameserver addresses of `file`, in order; none when it is missing or names none. */
export function hostResolvers(file: string = RESOLV_CONF): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    // an IPv6 link-local server may carry a zone (fe80::1%eth0): the kernel sees the address
    const addr = m?.[1]?.split('%')[0];
    if (addr !== undefined && isIP(addr) !== 0 && !out.includes(addr)) out.push(addr);
  }
  return out;
}
