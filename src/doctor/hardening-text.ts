// What `vigil doctor` says `vigil run` adds at the agent's root (src/targeting/hardening.ts) and
// what stays open on this tier (known-gaps.ts), for the text and JSON reports.
import { DROPPED_CAPS, REFUSED_SYSCALLS } from '../targeting/hardening.js';
import { KNOWN_GAPS, type KnownGap } from './known-gaps.js';
import type { Verdict } from './ladder.js';

export const RUN_ADDS = [
  "a PID namespace of its own: vigil's processes and threads have no PID the agent can aim at",
  `capabilities dropped (bounding set too): ${DROPPED_CAPS.map((c) => c.name).join(', ')}`,
  ...REFUSED_SYSCALLS.map((g) => `refused (seccomp): ${g.calls.join(', ')}: ${g.why}`),
  'each refusal is a `syscall` audit line, but for clone3 (ENOSYS refuses nothing) and 32-bit calls (the exit line says SIGSYS)',
  "write-denied paths bind-mounted read-only in the agent's mount namespace: truncation, writes, renames and links over them fail first (EROFS, EBUSY)",
  "vigil's processes are not dumpable: their memory needs CAP_SYS_PTRACE, which the agent lost",
];

/** The gaps that apply here: the fallback's only when BPF-LSM does not decide file opens. */
export function gapsHere(verdict: Verdict): KnownGap[] {
  const fileOpen = verdict.protections.find((p) => p.id === 'file_open');
  const fallback = fileOpen?.watch !== 'inline';
  return KNOWN_GAPS.filter((g) => g.scope !== 'fallback' || fallback);
}
