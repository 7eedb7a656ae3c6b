// What vigil does not hold, or holds without saying so, on each tier: one list, printed by
// `vigil doctor`, summarised in docs/backends.md ("Known gaps"), and named by the red-team suite
// (test/kernel/redteam.test.ts) for each technique that is held without an audit line.

/** Where a gap applies: `vigil run` sessions, watch/attach sessions, or every fallback session. */
export type GapScope = 'run' | 'watch' | 'fallback' | 'all';

export interface KnownGap {
  readonly id: string;
  readonly scope: GapScope;
  readonly text: string;
}

export const KNOWN_GAPS = [
  {
    id: 'clone3-enosys',
    scope: 'run',
    text: 'clone3 is answered ENOSYS (as a kernel without it would), so callers retry with clone, whose flags the filter judges; the ENOSYS itself is not an audit line (every thread start would be one)',
  },
  {
    id: 'rename-link-unreported',
    scope: 'all',
    text: 'link is not an event, and unlink and rename are events only over paths a rule names for them (access unlink or rename; `any` includes both): in a vigil run session the read-only mounts of write-denied paths refuse them there too (EBUSY, EROFS, EXDEV); a denied file renamed or linked during the session is denied by path, or by inode only if the inode table listed it at load; without BPF-LSM a denied unlink or rename is killed at its entry and still happens',
  },
  {
    id: 'metadata-calls-unreported',
    scope: 'all',
    text: 'truncate(2), chmod, chown and xattr calls are not events: in a vigil run session the read-only mounts refuse them on write-denied paths (EROFS), silently; in watch/attach sessions on the fallback tier they are neither refused nor seen',
  },
  {
    id: 'pid-namespace-silent',
    scope: 'run',
    text: "a vigil run agent has a PID namespace of its own: vigil's processes and threads have no PID there, so a kill aimed at them fails with ESRCH and nothing is refused to report",
  },
  {
    id: 'kernel-permission-silent',
    scope: 'run',
    text: "what the kernel itself refuses for want of a capability vigil run took away (CAP_SYS_ADMIN, CAP_SYS_PTRACE: fanotify, another process's memory or namespaces) fails with EPERM or EACCES and is not an audit line",
  },
  {
    id: 'watch-no-hardening',
    scope: 'watch',
    text: 'watch and attach sessions did not start the agent, so nothing is taken from it: io_uring, handle-based opens, mounts, namespaces, fd sharing between processes and 32-bit system calls reach files unseen on the fallback tier, and the agent can signal vigil',
  },
  {
    id: 'reactive-open',
    scope: 'fallback',
    text: 'without BPF-LSM an open is judged at its return: a denied read is killed before the first read, but the open has happened (O_CREAT created the file; O_TRUNC emptied it, and the line says effect: truncated, unless a vigil run read-only mount refused it first)',
  },
  {
    id: 'hosts-shared-address',
    scope: 'all',
    text: 'allowed_hosts allows the addresses DNS gave for an allowed name: without verify_sni, another name served by the same address (a CDN) is reached too until the TTL runs out; with it, ports 80 and 443 are checked by the server name the client sends (no SNI: refused; ECH: the outer name is checked, a true ECH inner name is not seen), other ports are not, a plain-HTTP keep-alive request after the first is not read, and a CDN routing by the encrypted Host header can be fronted; a DNS-over-HTTPS server behind a learned address resolves unseen',
  },
  {
    id: 'inode-table-snapshot',
    scope: 'all',
    text: 'denied files are listed by inode at load: a file created later under a denied tree and hard-linked elsewhere is denied by its path only; patterns with ** before the last component and /proc, /sys files are path-only',
  },
  {
    id: 'installs-reactive',
    scope: 'all',
    text: 'installs: block kills a flagged installer after its exec (the kernel decides an exec by path, not by arguments): it has run for the milliseconds its install line reports (elapsed_ms); an installer reached some other way (a script calling a registry client library, a renamed binary, a requirements file whose packages are not on the command line) is not parsed',
  },
  {
    id: 'secrets-best-effort',
    scope: 'all',
    text: 'credential detection reports, never refuses: a secret in an exec argv stays in that exec line (the kernel record); the environment of a process that exits before the daemon reads /proc/PID/environ is not scanned (counted in the capture matrix); written files are scanned after they settle and at the session end, in the working tree only, the first 1 MiB',
  },
  {
    id: 'transcript-links',
    scope: 'all',
    text: "tool calls come from the agent's own session log, which the agent can write what it likes to: a call says what the agent claims, the lines linked to it are the kernel's; an agent that writes a call after it ran (Gemini CLI, Codex script commands, Claude Code's buffered log) has its kernel lines linked late, on the tool_call line (linked.late, pids), not on the lines; shell builtins run no process to link",
  },
] as const satisfies readonly KnownGap[];

export type KnownGapId = (typeof KNOWN_GAPS)[number]['id'];
