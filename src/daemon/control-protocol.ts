// The control socket's protocol: one JSON object per line. A client sends requests with an id;
// the daemon answers each with the same id, and pushes `line` and `session_end` messages to
// clients that subscribed. Only root can reach the socket (folder 0700, socket 0600).
import type { BackendReport } from '../kernel/agent-kernel.js';
import type { Profile } from '../policy/profile-types.js';
import type { AuditLine } from '../sinks/audit-schema.js';

export const DEFAULT_SOCKET = '/run/vigil/vigil.sock';
export const PROTOCOL_VERSION = 1;

export type SessionKind = 'run' | 'watch' | 'attach';

export interface ProfileRef {
  /** the profile's own name */
  name: string;
  /** where it came from: a file path, or `builtin:<name>` */
  source: string;
  /** ${HOME} and ${WORKSPACE} as it was loaded with (a reload uses them again) */
  vars: { home: string; workspace: string };
  profile: Profile;
}

/** How a session is enforced, chosen on the command line. */
export interface EnforceOptions {
  /** --audit-only: every block or kill becomes an AUDIT line, nothing is refused */
  auditOnly: boolean;
}

export interface ReloadResult {
  reloaded: { name: string; source: string; tableId: number }[];
  failed: { name: string; source: string; error: ErrorBody }[];
}

export interface SessionSummary {
  id: number;
  name: string;
  kind: SessionKind;
  profile: string;
  profileSource: string;
  rootPid: number | null;
  startedAt: string;
  endedAt: string | null;
  cgroup: string | null;
  /** the kernel decides with the profile (false: observe only) */
  enforced: boolean;
  auditOnly: boolean;
  processes: number[];
  events: Record<string, number>;
  actions: Record<string, number>;
}

export interface StatusResult {
  pid: number;
  startedAt: string;
  version: number;
  sessions: SessionSummary[];
  watchRules: { basename: string; profile: string }[];
  kernel: { ringbufFull: string; readFail: string; watchFull: string; staleEntry: string; alertLost: string };
  ring: { records: number; batches: number; stalls: number; handlerErrors: number };
  /** what is actually attached: which backend decides each protection, and why LSM is not used */
  backends: BackendReport;
}

export type Request =
  | { id: number; op: 'hello' }
  | { id: number; op: 'status' }
  | {
      id: number;
      op: 'session.create';
      kind: 'run';
      profile: ProfileRef;
      cgroup: boolean;
      subscribe: boolean;
      enforce: EnforceOptions;
    }
  | { id: number; op: 'session.adopt'; session: number; pid: number }
  | {
      id: number;
      op: 'attach';
      pid: number;
      profile: ProfileRef;
      subscribe: boolean;
      enforce: EnforceOptions;
    }
  | { id: number; op: 'watch.add'; profile: ProfileRef; enforce: EnforceOptions }
  | { id: number; op: 'profile.reload' }
  | { id: number; op: 'subscribe'; session?: number; watch?: boolean };

export type RequestOp = Request['op'];

export interface ErrorBody {
  code: string;
  message: string;
  hint?: string;
}

export type Response =
  { id: number; ok: true; result: unknown } | { id: number; ok: false; error: ErrorBody };

export type Push = { push: 'line'; line: AuditLine } | { push: 'session_end'; session: number; name: string };

export type ServerMessage = Response | Push;
