// Sessions: one per agent (a `vigil run`, an `attach`, or an exec that matched a watch rule),
// each bound to one profile. Tracks the session's live processes from lineage events, so the
// session ends when its last process does, and counts what happened in it.
import type { ProfileRef, SessionKind, SessionSummary } from './control-protocol.js';

export const KERNEL_SESSION_BIT = 0x80000000;

export class Session {
  readonly id: number;
  readonly name: string;
  readonly kind: SessionKind;
  /** replaced by a reload */
  profile: ProfileRef;
  readonly startedAt = new Date();
  rootPid: number | null = null;
  cgroupPath: string | null = null;
  /** the kernel profile handle enforcing it (null: observe only) */
  handle: number | null = null;
  auditOnly = false;
  endedAt: Date | null = null;
  /** tgids of the session's processes that are alive */
  readonly live = new Set<number>();
  readonly events = new Map<string, number>();
  readonly actions = new Map<string, number>();

  constructor(id: number, kind: SessionKind, profile: ProfileRef) {
    this.id = id;
    this.kind = kind;
    this.profile = profile;
    this.name = `${kind}-${id & ~KERNEL_SESSION_BIT}`;
  }

  count(event: string, action: string): void {
    this.events.set(event, (this.events.get(event) ?? 0) + 1);
    this.actions.set(action, (this.actions.get(action) ?? 0) + 1);
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
      processes: [...this.live].sort((a, b) => a - b),
      events: Object.fromEntries(this.events),
      actions: Object.fromEntries(this.actions),
    };
  }
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
