// Names the rule behind a kernel verdict (rule_kind and index) the way profiles and audit lines do.

/** The rule of DNS the kernel sent to a session's DNS proxy (VIGIL_RULE_DNS). */
export const DNS_PROXY_RULE = 'dns_proxy';

/** Rule id for a kernel verdict: `denied_paths[3]`, `default`, `path-bound`, `fail_closed`. */
export function ruleIdOf(
  kind: 'open' | 'exec' | 'connect' | 'unlink' | 'rename',
  ruleKind: number,
  rule: number,
): string {
  const list = kind === 'exec' ? 'commands' : kind === 'connect' ? 'networks' : 'paths';
  switch (ruleKind) {
    case 1:
      return `denied_${list}[${rule}]`;
    case 2:
      return `allowed_${list}[${rule}]`;
    case 3:
      return 'path-bound';
    case 4:
      return 'error';
    case 5:
      return 'fail_closed';
    case 8:
      return `allowed_hosts[${rule}]`;
    case 9:
      return DNS_PROXY_RULE;
    default:
      return 'default';
  }
}
