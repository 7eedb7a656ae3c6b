// The control socket's protocol: one JSON object per line. A client sends requests with an id;
// the daemon answers each with the same id, and pushes `line` and `session_end` messages to
// clients that subscribed. Only root can reach the socket (folder 0700, socket 0600).
import type { ExporterStats } from '../export/types.js';
import { VigilError } from '../errors.js';
import type { BackendReport } from '../loader/backends.js';
import type { KernelCounterKey } from '../wire/kernel-counters.js';
import type { LandlockGrant, LandlockMode } from '../policy/landlock-rights.js';
import type { LauncherCreds } from '../targeting/launch.js';
import type { Profile } from '../policy/profile-types.js';
import type { AuditLine } from '../sinks/audit-schema.js';
import type { FileOpenVolume } from '../wire/file-events.js';
import type { AdoptionReport } from './daemon.js';

export const DEFAULT_SOCKET = '/run/vigil/vigil.sock';
export const PROTOCOL_VERSION = 2;

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
  /** --file-events: allowed file opens written for the session (the daemon's default when absent) */
  fileEvents?: FileOpenVolume;
  /** `vigil run`'s launcher installed the hardening filter: refusals it makes are reported */
  hardened?: boolean;
  /** --capture-transcript: tool_call lines carry the agent's logged input and output, secrets masked */
  captureTranscript?: boolean;
}

/** What the launcher of a run session reported about Landlock (the kernel's word, not the plan's). */
export interface LandlockSummary {
  mode: LandlockMode;
  /** landlock_restrict_self succeeded: the session's whole tree is under the ruleset */
  inForce: boolean;
  /** the kernel's Landlock ABI, when it has one */
  abi: number | null;
  /** path-beneath rules in the ruleset, and paths of the plan that vanished before they were added */
  rules: number;
  skipped: number;
  /** why it is not in force, or what the plan leaves to the other layers */
  note: string;
  /** denied patterns Landlock does not (fully) refuse, left to the tracepoint or BPF-LSM */
  left: number;
}

export interface LandlockState extends LandlockSummary {
  /** the plan's grants, to tell whether an EACCES came from Landlock */
  grants: LandlockGrant[];
  /** the rights the ruleset handles: what it grants nowhere is refused, the rest is never
   * (absent in state written before it was recorded: every right vigil plans) */
  handled?: number;
  /** the paths the launcher made read-only in the agent's mount namespace (none: absent) */
  readonly?: string[];
  /** what the launcher's hardening put in force, in words (targeting/launch.ts) */
  hardening?: string;
  creds: LauncherCreds | null;
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
  /** run sessions: what the launcher's Landlock layer does (null: not a run session) */
  landlock: LandlockSummary | null;
  processes: number[];
  /** allowed hosts learned through the session's DNS proxy, with their addresses (absent: none) */
  hosts?: Record<string, string[]>;
  /** what vigil captures of the session beyond the kernel's events (absent: a daemon before it) */
  capture?: CaptureSummary;
  events: Record<string, number>;
  actions: Record<string, number>;
}

/** The capture matrix of a session: what is read, what ran, and why not where it did not. */
export interface CaptureSummary {
  /** kernel events are always captured */
  kernel: true;
  transcript: {
    agent: 'claude-code' | 'codex' | 'gemini-cli' | null;
    found: boolean;
    path: string | null;
    /** why not found (or 'found') */
    reason: string;
    toolCalls: number;
    linkedLines: number;
  };
  detectors: {
    installs: { policy: 'audit' | 'block' | 'off'; commands: number };
    secrets: {
      argv: number;
      environ: number;
      environUnread: number;
      files: number;
      transcript: number;
      /** scans not made: the detector fell behind (queue full), or the session wrote too many files */
      skipped: number;
      /** where written files are scanned; null until known */
      workingTree: string | null;
    };
  };
  captureTranscript: boolean;
}

/** One exporter in `vigil status`: its spool and delivery counts and where it sends. */
export type ExporterStatus = ExporterStats & { destination: string };

export interface StatusResult {
  pid: number;
  startedAt: string;
  version: number;
  sessions: SessionSummary[];
  watchRules: { basename: string; profile: string }[];
  /** every kernel counter slot, all time, as decimal strings (src/wire/kernel-counters.ts) */
  kernel: Record<KernelCounterKey, string>;
  ring: { records: number; batches: number; stalls: number; handlerErrors: number };
  /** what is actually attached: which backend decides each protection, and why LSM is not used */
  backends: BackendReport;
  /** the heartbeat deadline after which sessions fail closed; null: not pinned, no heartbeat */
  failClosedAfterMs: number | null;
  /** the exporters of vigil.yaml (docs/export.md); absent from a daemon that has none */
  exporters?: ExporterStatus[];
  /** what this daemon found at start: fresh, or an earlier daemon's pinned state re-adopted */
  adoption: AdoptionReport;
}

/** Every op of the control socket (a compile-time check below keeps it equal to Request's). */
export const CONTROL_OPS = [
  'hello',
  'status',
  'session.create',
  'session.adopt',
  'attach',
  'watch.add',
  'profile.reload',
  'profile.load',
  'session.resume',
  'watch.own',
  'daemon.stop',
  'subscribe',
] as const;

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
  | { id: number; op: 'session.adopt'; session: number; pid: number; landlock?: LandlockState }
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
  /** loads a profile for a client, which then needs no loader of its own (a fast start) */
  | { id: number; op: 'profile.load'; source: string; vars: { home: string; workspace: string } }
  | { id: number; op: 'session.resume'; session: number }
  | { id: number; op: 'watch.own'; ruleIds: number[] }
  | { id: number; op: 'daemon.stop'; unload: boolean }
  | { id: number; op: 'subscribe'; session?: number; watch?: boolean };

export interface ErrorBody {
  code: string;
  message: string;
  hint?: string;
}

/** How an error travels to a client: vigil's own code and hint, anything else as internal. */
export function errorBody(err: unknown): ErrorBody {
  if (err instanceof VigilError) {
    return err.hint === undefined
      ? { code: err.code, message: err.message }
      : { code: err.code, message: err.message, hint: err.hint };
  }
  return { code: 'VIGIL_INTERNAL', message: err instanceof Error ? err.message : String(err) };
}

export type Response =
  { id: number; ok: true; result: unknown } | { id: number; ok: false; error: ErrorBody };

export type Push =
  | { push: 'line'; line: AuditLine }
  | { push: 'session_end'; session: number; name: string }
  | { push: 'daemon_stopping'; kept: boolean };

export type ServerMessage = Response | Push;

type SameOps = [Request['op']] extends [(typeof CONTROL_OPS)[number]]
  ? [(typeof CONTROL_OPS)[number]] extends [Request['op']]
    ? true
    : false
  : false;
/** True, or a compile error when CONTROL_OPS and Request's ops differ. */
export const CONTROL_OPS_MATCH_REQUESTS: SameOps = true;
