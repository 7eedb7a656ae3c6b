// What a profile's decision becomes on this host: the profile says BLOCK, but a kernel without
// BPF-LSM can only kill after an open (or audit it, where the rule says on_reactive: audit).
// `vigil profile explain` prints this beside the matcher's verdict, so nobody reads BLOCK where
// the host will KILL. Reads the doctor's ladder; decides nothing the kernel does not.
import type { Protection } from './ladder.js';
import type { PolicyInput, Decision } from '../policy/evaluate.js';
import type { Profile } from '../policy/profile-types.js';

/** Landlock's truncate right (ABI 3) is what refuses a write-denied O_TRUNC open inline. */
const LANDLOCK_TRUNCATE_ABI = 3;

export interface HostFacts {
  /** the doctor's protections on this kernel */
  readonly protections: readonly Protection[];
  readonly landlockAbi: number | null;
}

export function hostVerdict(
  profile: Profile,
  input: PolicyInput,
  d: Pick<Decision, 'action' | 'rule'>,
  host: HostFacts,
): string {
  if (d.action !== 'BLOCK' && d.action !== 'KILL') return `${d.action}: as the profile says`;
  const id = input.kind === 'open' ? 'file_open' : input.kind === 'exec' ? 'exec' : 'connect';
  const p = host.protections.find((x) => x.id === id);
  if (p === undefined || p.watch === 'unknown')
    return `${d.action} (the backend this host would use could not be probed: run as root)`;
  if (p.watch === 'none') return `nothing: no backend on this host enforces ${p.title}`;
  if (p.watch === 'inline') {
    return d.action === 'KILL'
      ? 'KILL: refused before the call completes (EPERM), and the process is killed'
      : 'BLOCK: refused before the call completes (EPERM)';
  }
  if (input.kind === 'exec')
    return 'KILL: this host cannot refuse an exec; the new program is killed before its first instruction';
  const rule = profile.paths.denied.find((r) => r.id === d.rule);
  if (rule?.onReactive === 'audit' && d.action === 'BLOCK') {
    return 'AUDIT: this host can only kill after the open (no BPF-LSM); the rule says on_reactive: audit, so the open goes on and is recorded';
  }
  const trunc =
    input.kind === 'open' && input.access !== 'read'
      ? (host.landlockAbi ?? 0) >= LANDLOCK_TRUNCATE_ABI
        ? '; an O_TRUNC open is refused before it by Landlock under `vigil run` (EACCES)'
        : '; an O_TRUNC open has emptied the file by then (Landlock here cannot refuse truncation)'
      : '';
  return `KILL: this host cannot refuse the open (no BPF-LSM): the process is killed at its return, before its first read or write${trunc}`;
}
