// Sessions: one per agent (a `vigil run`, an `attach`, or an exec that matched a watch rule),
// each bound to one profile. Tracks the session's live processes from lineage events, so the
// session ends when its last process does, and counts what happened in it.
import { SESSION_KERNEL_BIT } from '../wire/wire-layout.js';
import { grantIndex } from '../policy/landlock-grants.js';
import type { FileOpenVolume, OpenVolumeCounts } from '../wire/file-events.js';
import type {
  LandlockState,
  LandlockSummary,
  ProfileRef,
  SessionKind,
  SessionSummary,
} from './control-protocol.js';

export class Session {
  readonly id: number;
  readonly name: string;
  readonly kind: SessionKind;
  /** replaced by a reload */
  profile: ProfileRef;
  readonly startedAt: Date;
  rootPid: number | null = null;
  cgroupPath: string | null = null;
  /** the kernel profile handle enforcing it (null: observe only) */
  handle: number | null = null;
  auditOnly = false;
  /** --capture-transcript: the agent's logged tool input and output go into tool_call lines, masked */
  captureTranscript = false;
  /** allowed file opens written for this session (its client's --file-events); daemon default when null */
  fileEvents: FileOpenVolume | null = null;
  /** the kernel's counts of opens not sent, as far as file_activity lines reported them */
  volumeReported: OpenVolumeCounts | undefined;
  /** run sessions: what the launcher reported about Landlock */
  landlock: LandlockState | null = null;
  /** the Landlock grants by path, built when the session's first EACCES needs them */
  #grants: Map<string, number> | undefined;
  endedAt: Date | null = null;
  /** tgids of the session's processes that are alive */
  readonly live = new Set<number>();
  readonly events = new Map<string, number>();
  readonly actions = new Map<string, number>();

  constructor(id: number, kind: SessionKind, profile: ProfileRef, startedAt = new Date()) {
    this.id = id;
    this.kind = kind;
    this.profile = profile;
    this.startedAt = startedAt;
    this.name = `${kind}-${id & ~SESSION_KERNEL_BIT}`;
  }

  count(event: string, action: string): void {
    this.events.set(event, (this.events.get(event) ?? 0) + 1);
    this.actions.set(action, (this.actions.get(action) ?? 0) + 1);
  }

  /** Landlock's grants by path (see rightsAt), for sessions where it is in force. */
  landlockGrants(): ReadonlyMap<string, number> | undefined {
    if (this.landlock?.inForce !== true) return undefined;
    this.#grants ??= grantIndex(this.landlock.grants);
    return this.#grants;
  }

  /** For the session_start line: whether Landlock is in force, with how many rules. */
  landlockText(): string | undefined {
    const l = this.landlock;
    if (l === null) return undefined;
    const hardening = l.hardening === undefined ? '' : `; ${l.hardening}`;
    if (!l.inForce) return `Landlock not in force (${l.mode}): ${l.note}${hardening}`;
    const skipped = l.skipped === 0 ? '' : `, ${l.skipped} path(s) gone`;
    return `Landlock in force (${l.mode}, ABI ${l.abi ?? '?'}): ${l.rules} rule(s)${skipped}; ${l.note}${hardening}`;
  }

  summary(): SessionSummary {
    return {
      id: this.id,
      name: this.name,
      kind: this.kind,
      profile: this.profile.name,
      profileSource: this.profile.source,
      rootPid: this.rootPid,
      startedAt: this.startedAt.toISOString(),
      endedAt: this.endedAt?.toISOString() ?? null,
      cgroup: this.cgroupPath,
      enforced: this.handle !== null,
      auditOnly: this.auditOnly,
      landlock: this.landlock === null ? null : landlockSummary(this.landlock),
      processes: [...this.live].sort((a, b) => a - b),
      events: Object.fromEntries(this.events),
      actions: Object.fromEntries(this.actions),
    };
  }
}

function landlockSummary(l: LandlockState): LandlockSummary {
  return {
    mode: l.mode,
    inForce: l.inForce,
    abi: l.abi,
    rules: l.rules,
    skipped: l.skipped,
    note: l.note,
    left: l.left,
  };
}

export class SessionRegistry {
  readonly #sessions = new Map<number, Session>();
  #next = 1;

  /** A session vigil starts itself (run, attach): ids below the kernel's range. */
  create(kind: SessionKind, profile: ProfileRef): Session {
    const id = this.#next++;
    const s = new Session(id, kind, profile);
    this.#sessions.set(id, s);
    return s;
  }

  /** A session the kernel started when an exec matched a watch rule. */
  adoptKernelSession(id: number, profile: ProfileRef): Session {
    const s = new Session(id, 'watch', profile);
    this.#sessions.set(id, s);
    return s;
  }

  /** A session an earlier daemon created, taken over with its pinned kernel state. */
  restore(id: number, kind: SessionKind, profile: ProfileRef, startedAt: Date): Session {
    const s = new Session(id, kind, profile, startedAt);
    this.#sessions.set(id, s);
    if ((id & SESSION_KERNEL_BIT) === 0 && id >= this.#next) this.#next = id + 1;
    return s;
  }

  /** The next id create() gives (kept across daemons, so a session id is never reused). */
  get nextId(): number {
    return this.#next;
  }

  set nextId(n: number) {
    this.#next = Math.max(this.#next, n);
  }

  /** What the launcher of a run session reported about Landlock, before its root is adopted. */
  setLandlock(id: number, state: LandlockState): void {
    const s = this.#sessions.get(id);
    if (s !== undefined) s.landlock = state;
  }

  get(id: number): Session | undefined {
    return this.#sessions.get(id);
  }

  list(): Session[] {
    return [...this.#sessions.values()];
  }

  /** Forgets ended sessions beyond the newest `keep`, so a long-running daemon stays small. */
  prune(keep = 100): void {
    const ended = this.list()
      .filter((s) => s.endedAt !== null)
      .sort((a, b) => (b.endedAt?.getTime() ?? 0) - (a.endedAt?.getTime() ?? 0));
    for (const s of ended.slice(keep)) this.#sessions.delete(s.id);
  }
}
