// Audit lines -> the calls a session made, in the terms a profile decides: opens with their
// access, execs by resolved path, unlinks, renames, connects and UDP sends. Lines are read as
// plain JSON (a file of any vigil version, or the UI's copy), so every field is checked here.
import type { OpenAccess } from '../policy/evaluate.js';

interface Seen {
  readonly session: string;
  /** the line's verdict and rule, as recorded (the learner re-decides against the base) */
  readonly action: string;
  readonly rule: string | null;
}

export type Observation = Seen &
  (
    | {
        readonly kind: 'open';
        readonly path: string;
        readonly access: OpenAccess;
        /** opened with O_DIRECTORY: a folder being listed */
        readonly directory: boolean;
      }
    | { readonly kind: 'exec'; readonly path: string }
    | { readonly kind: 'unlink'; readonly path: string }
    | { readonly kind: 'rename'; readonly path: string; readonly to: string }
    | {
        readonly kind: 'connect';
        readonly ip: string;
        readonly port: number;
        readonly proto: 'tcp' | 'udp';
        readonly host: string | null;
      }
    /** a call no rule list can allow: a raw socket, ptrace, a signal, executable memory */
    | { readonly kind: 'other'; readonly event: string; readonly target: string }
  );

/** A line that names a call but cannot be learned from (a truncated path). */
export interface Unlearnable {
  readonly event: string;
  readonly target: string;
  readonly why: string;
}

const DECISIONS = new Set(['ALLOW', 'AUDIT', 'BLOCK', 'KILL']);
const GUARDS = new Set(['ptrace', 'signal', 'exec_memory', 'socket_create']);

type Line = Record<string, unknown>;

function str(l: Line, k: string): string | null {
  const v = l[k];
  return typeof v === 'string' ? v : null;
}

function openAccess(flags: unknown): OpenAccess {
  const f = Array.isArray(flags) ? flags : [];
  if (f.includes('O_RDWR')) return 'read-write';
  return f.includes('O_WRONLY') ? 'write' : 'read';
}

/** The calls of these lines (decision lines only), and those that cannot be learned from. */
export function observe(lines: readonly unknown[]): { calls: Observation[]; unlearnable: Unlearnable[] } {
  const calls: Observation[] = [];
  const unlearnable: Unlearnable[] = [];
  for (const raw of lines) {
    if (typeof raw !== 'object' || raw === null) continue;
    const l = raw as Line;
    const event = str(l, 'event');
    const action = str(l, 'action');
    if (event === null || action === null || !DECISIONS.has(action)) continue;
    const seen: Seen = { session: str(l, 'session') ?? '', action, rule: str(l, 'rule') };
    const path = str(l, 'path');
    const to = str(l, 'target');
    const ip = str(l, 'dest_ip');
    if (path !== null && l.path_truncated === true) {
      unlearnable.push({ event, target: path, why: 'the path was longer than the kernel records' });
      continue;
    }
    if (event === 'file_open' && path !== null) {
      const directory = Array.isArray(l.flags) && l.flags.includes('O_DIRECTORY');
      calls.push({ ...seen, kind: 'open', path, access: openAccess(l.flags), directory });
    } else if (event === 'exec' && path !== null) {
      calls.push({ ...seen, kind: 'exec', path });
    } else if (event === 'unlink' && path !== null) {
      calls.push({ ...seen, kind: 'unlink', path });
    } else if (event === 'rename' && path !== null && to !== null) {
      calls.push({ ...seen, kind: 'rename', path, to });
    } else if ((event === 'net_connect' || event === 'udp_send') && ip !== null) {
      const proto = event === 'udp_send' || l.protocol === 'udp' ? 'udp' : 'tcp';
      const port = typeof l.dest_port === 'number' ? l.dest_port : 0;
      calls.push({
        ...seen,
        kind: 'connect',
        ip,
        port,
        proto,
        host: str(l, 'dest_host'),
      });
    } else if (GUARDS.has(event)) {
      const target = str(l, 'type') ?? str(l, 'target_comm') ?? str(l, 'comm') ?? event;
      calls.push({ ...seen, kind: 'other', event, target });
    }
  }
  return { calls, unlearnable };
}
