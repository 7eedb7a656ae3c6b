// The vigil daemon: owns the kernel objects and the sessions, turns kernel events into audit
// lines and hands them to subscribers (the CLI that started a session, `vigil watch`, the UI,
// the daemon's own audit log). One per host; CLI verbs reach it through the control socket,
// or start it in their own process when none runs.
import { join } from 'node:path';

import type { AgentEvent } from '../decode/events.js';
import { SESSION_KERNEL_BIT } from '../decode/wire-layout.js';
import { SystemError } from '../errors.js';
import type { ProcessTable } from '../enrich/process-table.js';
import { AgentKernel, type KernelCounters } from '../kernel/agent-kernel.js';
import type { AuditLine } from '../sinks/audit-schema.js';
import { writeBatch } from '../sinks/write-batch.js';

import { cgroup2Root, createCgroup, moveToCgroup, removeCgroup } from '../system/cgroup.js';
import { adoptTree } from '../targeting/adopt-tree.js';
import { findAgents } from '../targeting/find-agents.js';
import { readStat } from '../targeting/proc-fs.js';
import { AuditPipeline } from './audit-pipeline.js';
import { reloadProfile } from '../cli/profile-arg.js';
import type { EnforceOptions, ProfileRef, ReloadResult, StatusResult } from './control-protocol.js';
import { ProfileHandles } from './profile-handles.js';
import { kernelDecision } from './verdict-decision.js';
import { LANDLOCK_BACKEND, landlockDecision } from './landlock-verdict.js';
import { PROTOCOL_VERSION } from './control-protocol.js';
import { type Session, SessionRegistry } from './sessions.js';

export interface DaemonOptions {
  fileEvents?: 'all' | 'first' | 'none';
  /** every audit line, e.g. to the daemon's own log */
  onLine?: (line: AuditLine) => void;
}

/** Where a session's lines go from its very first one (session_start). */
export interface SessionSink {
  line: (line: AuditLine) => void;
  ended: (session: Session) => void;
}

type Subscriber = {
  session: number | undefined;
  watch: boolean;
  line: (line: AuditLine) => void;
  ended: (session: Session) => void;
};

interface WatchRule {
  id: number;
  basename: string;
  profile: ProfileRef;
  handle: number;
  enforce: EnforceOptions;
}

const LOSS_CHECK_MS = 1000;

export class Daemon {
  readonly startedAt = new Date();
  readonly sessions = new SessionRegistry();
  readonly #kernel: AgentKernel;
  readonly #pipeline: AuditPipeline;
  readonly #subscribers = new Set<Subscriber>();
  readonly #rules = new Map<number, WatchRule>();
  readonly #handles: ProfileHandles;
  readonly #onLine: ((line: AuditLine) => void) | undefined;
  readonly #lossTimer: NodeJS.Timeout;
  #lastCounters: KernelCounters;
  #nextRule = 1;
  /** processes taken from /proc: each may have exited before it was watched (no exit event) */
  readonly #adoptedFromProc = new WeakMap<Session, Set<number>>();
  /** sessions live when the ring lost events: any of their exit events may be among them */
  readonly #sawLoss = new WeakSet<Session>();
  #stopped = false;

  private constructor(options: DaemonOptions, build: (onEvents: (evs: AgentEvent[]) => void) => AgentKernel) {
    this.#onLine = options.onLine;
    this.#pipeline = new AuditPipeline({ fileEvents: options.fileEvents ?? 'all' });
    this.#kernel = build((evs) => {
      this.#onEvents(evs);
    });
    this.#handles = new ProfileHandles(this.#kernel);
    this.#lastCounters = this.#kernel.counters();
    this.#lossTimer = setInterval(() => {
      this.#checkLoss();
      this.#sweepLive();
    }, LOSS_CHECK_MS);
    this.#lossTimer.unref();
  }

  /** Loads and attaches the kernel side; throws a coded error when the kernel refuses. */
  static start(options: DaemonOptions = {}): Daemon {
    return new Daemon(options, (onEvents) => AgentKernel.open({ onEvents }));
  }

  // --- sessions ---

  /** A `vigil run` session; with `cgroup`, its own cgroup v2 leaf under vigil/. */
  createRunSession(
    profile: ProfileRef,
    cgroup: boolean,
    enforce: EnforceOptions,
    sink?: SessionSink,
  ): Session {
    const handle = this.#handles.acquire(profile);
    const s = this.sessions.create('run', profile);
    this.#enforce(s, handle, enforce);
    if (sink !== undefined) this.subscribe({ session: s.id }, sink.line, sink.ended);
    if (cgroup) s.cgroupPath = createCgroup(`vigil/${s.name}`);
    return s; // session_start goes out when its root process is adopted
  }

  /** Watches `pid` (the launcher of a run session) as the session's root. */
  adoptRoot(sessionId: number, pid: number): void {
    const s = this.#session(sessionId);
    if (s.cgroupPath !== null) moveToCgroup(s.cgroupPath, pid);
    if (!this.#kernel.watchProcess(pid, s.id, { root: true })) {
      throw new SystemError('VIGIL_PROCESS_GONE', `process ${pid} exited before it could be watched`);
    }
    s.rootPid = pid;
    s.live.add(pid);
    this.#emitSessionStart(s);
  }

  /** `vigil attach`: a running process and its whole tree become a new session. */
  attach(pid: number, profile: ProfileRef, enforce: EnforceOptions, sink?: SessionSink): Session {
    const handle = this.#handles.acquire(profile);
    const s = this.sessions.create('attach', profile);
    this.#enforce(s, handle, enforce);
    if (sink !== undefined) this.subscribe({ session: s.id }, sink.line, sink.ended);
    const adopted = adoptTree(this.#kernel, pid, s.id);
    if (adopted.length === 0) {
      this.#release(s);
      s.endedAt = new Date();
      throw new SystemError('VIGIL_NO_SUCH_PROCESS', `no process ${pid} to attach to`, {
        hint: 'check the pid with ps',
      });
    }
    s.rootPid = pid;
    for (const p of adopted) s.live.add(p);
    this.#adoptedFromProc.set(s, new Set(adopted));
    this.#emitSessionStart(s);
    return s;
  }

  /**
   * `vigil watch`: every exec of one of the profile's entry_comm names starts a session, and
   * agents running now are adopted with their descendants.
   */
  addWatch(profile: ProfileRef, enforce: EnforceOptions): { rules: string[]; adopted: Session[] } {
    const names = [...profile.profile.entryComm];
    if (names.length === 0) {
      throw new SystemError(
        'VIGIL_NO_ENTRY_COMM',
        `profile '${profile.name}' has no entry_comm: nothing to watch for`,
        {
          hint: 'add `entry_comm: <program name>` to the profile, or use `vigil run` / `vigil attach`',
        },
      );
    }
    const handle = this.#handles.acquire(profile);
    for (const basename of names) {
      const rule: WatchRule = { id: this.#nextRule++, basename, profile, handle, enforce };
      this.#kernel.addWatchRule(basename, rule.id, this.#sessionConfig(handle, profile, enforce));
      this.#rules.set(rule.id, rule);
    }
    const watchedNow = new Set(this.#kernel.watchedProcesses().map((p) => p.tgid));
    watchedNow.add(process.pid);
    const adopted: Session[] = [];
    for (const pid of findAgents(names, watchedNow)) {
      const s = this.sessions.create('watch', profile);
      this.#enforce(s, this.#handles.acquire(profile), enforce);
      const tree = adoptTree(this.#kernel, pid, s.id);
      if (tree.length === 0) {
        this.#release(s);
        s.endedAt = new Date();
        continue;
      }
      s.rootPid = pid;
      for (const p of tree) s.live.add(p);
      this.#adoptedFromProc.set(s, new Set(tree));
      this.#emitSessionStart(s);
      adopted.push(s);
    }
    return { rules: names, adopted };
  }

  /** Loads every profile in use again from its source, atomically per profile. */
  reloadProfiles(): ReloadResult {
    const result = this.#handles.reload(reloadProfile);
    for (const s of this.sessions.list()) {
      const fresh = s.handle === null ? undefined : this.#handles.ref(s.handle);
      if (fresh !== undefined) s.profile = fresh;
    }
    for (const r of this.#rules.values()) r.profile = this.#handles.ref(r.handle) ?? r.profile;
    return result;
  }

  #sessionConfig(handle: number, profile: ProfileRef, enforce: EnforceOptions) {
    return {
      profile: handle,
      enforce: true,
      auditOnly: enforce.auditOnly,
      rawSockets: profile.profile.rawSockets === 'allow',
    };
  }

  /** The kernel enforces the session's profile from now on (before its root is adopted). */
  #enforce(s: Session, handle: number, enforce: EnforceOptions): void {
    s.handle = handle;
    s.auditOnly = enforce.auditOnly;
    this.#kernel.setSession(s.id, this.#sessionConfig(handle, s.profile, enforce));
  }

  #release(s: Session): void {
    this.#kernel.deleteSession(s.id);
    if (s.handle !== null) this.#handles.release(s.handle);
    s.handle = null;
  }

  /**
   * A `kill` rule on a hook that cannot send signals (the socket hooks refused the call
   * inline): vigil sends the SIGKILL, to a process that is still the session's.
   */
  #killForVerdict(s: Session, tgid: number): void {
    if (!this.#kernel.watchedProcesses().some((p) => p.tgid === tgid && p.session === s.id)) return;
    try {
      process.kill(tgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  // --- subscribers ---

  /** Lines of one session (or all, or all watch sessions); returns the unsubscribe function. */
  subscribe(
    filter: { session?: number; watch?: boolean },
    line: (line: AuditLine) => void,
    ended: (session: Session) => void = () => undefined,
  ): () => void {
    const sub: Subscriber = { session: filter.session, watch: filter.watch ?? false, line, ended };
    this.#subscribers.add(sub);
    return () => this.#subscribers.delete(sub);
  }

  status(): StatusResult {
    const c = this.#kernel.counters();
    const r = this.#kernel.ringStats();
    return {
      pid: process.pid,
      startedAt: this.startedAt.toISOString(),
      version: PROTOCOL_VERSION,
      sessions: this.sessions.list().map((s) => s.summary()),
      watchRules: [...this.#rules.values()].map((w) => ({ basename: w.basename, profile: w.profile.name })),
      kernel: {
        ringbufFull: c.ringbufFull.toString(),
        readFail: c.readFail.toString(),
        watchFull: c.watchFull.toString(),
        staleEntry: c.staleEntry.toString(),
        alertLost: c.alertLost.toString(),
        selfProtect: this.#kernel.selfProtectRefusals().toString(),
      },
      ring: { records: r.records, batches: r.batches, stalls: r.stalls, handlerErrors: r.handlerErrors },
      backends: this.#kernel.backends(),
    };
  }

  /** What the daemon knows of each process (ancestry for the UI, exe for audit lines). */
  get processes(): ProcessTable {
    return this.#pipeline.processes;
  }

  /** Sessions with live processes. */
  activeSessions(): Session[] {
    return this.sessions.list().filter((s) => s.endedAt === null);
  }

  /** Delivers events still in the ring buffer, then checks for losses. */
  flush(): void {
    this.#kernel.flush();
    this.#checkLoss();
  }

  stop(): void {
    if (this.#stopped) return;
    for (const s of this.activeSessions()) this.#release(s);
    this.#stopped = true;
    clearInterval(this.#lossTimer);
    try {
      this.flush();
    } finally {
      this.#kernel.close();
      for (const s of this.activeSessions()) this.#cleanupCgroup(s);
      removeVigilCgroupFolder();
      this.#pipeline.close();
    }
  }

  // --- the event path ---

  #session(id: number): Session {
    const s = this.sessions.get(id);
    if (s === undefined) throw new SystemError('VIGIL_NO_SUCH_SESSION', `no session ${id}`);
    return s;
  }

  /** One ring-buffer batch: its lines reach each audit writer as one write (write-batch.ts). */
  #onEvents(events: AgentEvent[]): void {
    writeBatch(() => {
      this.#handleEvents(events);
    });
  }

  #handleEvents(events: AgentEvent[]): void {
    for (const ev of events) {
      let s = this.sessions.get(ev.session);
      if (s === undefined && ev.kind === 'session_start' && (ev.session & SESSION_KERNEL_BIT) !== 0) {
        const rule = this.#rules.get(ev.rule);
        if (rule === undefined) continue; // a rule removed meanwhile
        s = this.sessions.adoptKernelSession(ev.session, rule.profile);
        s.handle = this.#handles.acquire(rule.profile);
        s.rootPid = ev.task.tgid;
        s.live.add(ev.task.tgid);
        // the kernel's own session_start event is this session's first line
      }
      if (s === undefined) continue; // a session this daemon does not know (it was restarted)
      this.#track(s, ev);
      if (ev.verdict?.action === 'KILL' && ev.verdict.denied && !ev.verdict.killed)
        this.#killForVerdict(s, ev.task.tgid);
      // an open the kernel's hooks did not decide may still have been refused by Landlock
      const decision = kernelDecision(ev, s.profile.profile) ?? landlockDecision(ev, s);
      if (decision?.backend === LANDLOCK_BACKEND && decision.action === 'KILL')
        this.#killForVerdict(s, ev.task.tgid);
      const line = this.#pipeline.lineFor(ev, s, decision);
      if (line !== undefined) this.#emit(line, s);
      if (ev.kind === 'exit' && s.live.size === 0) this.#endSession(s);
    }
  }

  #track(s: Session, ev: AgentEvent): void {
    if (ev.kind === 'fork') s.live.add(ev.childTgid);
    else if (ev.kind === 'exec' || ev.kind === 'session_start') s.live.add(ev.task.tgid);
    else if (ev.kind === 'exit') s.live.delete(ev.task.tgid);
  }

  #emit(line: AuditLine, s: Session | undefined): void {
    if (s !== undefined) s.count(line.event, line.action);
    this.#onLine?.(line);
    for (const sub of this.#subscribers) {
      const wanted = sub.session === undefined ? !sub.watch || s?.kind === 'watch' : s?.id === sub.session;
      if (!wanted) continue;
      try {
        sub.line(line);
      } catch (err) {
        process.emitWarning(`vigil: a subscriber failed: ${String(err)}`);
      }
    }
  }

  #emitSessionStart(s: Session, pid = s.rootPid ?? 0): void {
    const line = this.#pipeline.sessionLine('session_start', s, pid);
    const landlock = s.landlockText();
    if (landlock !== undefined) line.reason = `${line.reason}; ${landlock}`;
    this.#emit(line, s);
  }

  #endSession(s: Session): void {
    if (s.endedAt !== null) return;
    s.endedAt = new Date();
    this.#release(s);
    this.#emit(this.#pipeline.sessionLine('session_end', s, s.rootPid ?? 0), s);
    this.#cleanupCgroup(s);
    for (const sub of this.#subscribers) if (sub.session === undefined || sub.session === s.id) sub.ended(s);
    this.sessions.prune();
  }

  #cleanupCgroup(s: Session): void {
    if (s.cgroupPath === null) return;
    try {
      removeCgroup(s.cgroupPath, 10);
      s.cgroupPath = null;
    } catch {
      // processes that left the tree (or are still exiting) keep it busy; retried on stop
    }
  }

  /**
   * Drops processes that are gone without an exit event, so a session still ends when its last
   * process does: those adopted from /proc (one may have exited while it was being adopted),
   * and every process of a session that was live when the ring lost events. Other processes
   * leave through their exit event: no /proc read for them.
   */
  #sweepLive(): void {
    for (const s of this.activeSessions()) {
      const suspects = this.#sawLoss.has(s) ? s.live : this.#adoptedFromProc.get(s);
      for (const pid of suspects ?? []) {
        if (!s.live.has(pid)) {
          suspects?.delete(pid); // it left through its exit event
          continue;
        }
        const st = readStat(pid);
        if (st === undefined || st.state === 'Z' || st.state === 'X') {
          s.live.delete(pid);
          this.#adoptedFromProc.get(s)?.delete(pid);
          this.#kernel.unwatchProcess(pid);
        }
      }
      if (s.live.size === 0 && s.rootPid !== null) this.#endSession(s);
    }
  }

  #checkLoss(): void {
    const now = this.#kernel.counters();
    const before = this.#lastCounters;
    const line = this.#pipeline.lossLine(before, now);
    this.#lastCounters = now;
    if (line === undefined) return;
    if (now.ringbufFull !== before.ringbufFull) for (const s of this.activeSessions()) this.#sawLoss.add(s);
    this.#emit(line, undefined);
  }
}

/** The vigil/ cgroup folder goes when the last session's leaf has (another daemon may use it). */
function removeVigilCgroupFolder(): void {
  const root = cgroup2Root();
  if (root === undefined) return;
  try {
    removeCgroup(join(root, 'vigil'), 0);
  } catch {
    // not empty: sessions of this or another daemon still have leaves there
  }
}
