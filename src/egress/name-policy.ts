// Which names a session may resolve: its profile's denied_hosts first, then allowed_hosts (the
// first rule that covers the name decides); a name neither covers is not resolved. The DNS
// proxy asks this for every question; the kernel then allows what the allowed names resolved to.
import { hostMatches, type HostPattern } from '../policy/host-spec.js';

export interface HostRule {
  /** `allowed_hosts[2]`, `denied_hosts[0]` */
  readonly id: string;
  /** index in its list: what the kernel's learned address records */
  readonly index: number;
  readonly pattern: HostPattern;
}

export interface NamePolicy {
  readonly denied: readonly HostRule[];
  readonly allowed: readonly HostRule[];
}

export type NameVerdict =
  | { readonly allow: true; readonly rule: HostRule }
  | { readonly allow: false; readonly rule: HostRule | null };

export function decideName(policy: NamePolicy, name: string): NameVerdict {
  const denied = policy.denied.find((r) => hostMatches(r.pattern, name));
  if (denied !== undefined) return { allow: false, rule: denied };
  const allowed = policy.allowed.find((r) => hostMatches(r.pattern, name));
  return allowed === undefined ? { allow: false, rule: null } : { allow: true, rule: allowed };
}
