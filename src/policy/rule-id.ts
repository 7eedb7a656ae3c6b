// Names the rule behind a kernel verdict (rule_kind and index) the way profiles and audit lines do.

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
    default:
      return 'default';
  }
}
