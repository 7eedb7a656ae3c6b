// The vigil daemon: owns the kernel objects and the sessions, turns kernel events into audit
// lines and hands them to subscribers (the CLI that started a session, `vigil watch`, the UI,
// the daemon's own audit log). One per host; CLI verbs reach it through the control socket.
//
// With a pin root, the kernel state is pinned and outlives this process (docs/backends.md):
// when it dies, the hooks keep deciding, fail-closed once its heartbeat is stale; the next
// daemon re-adopts the pinned state with the state file (daemon-state.ts), reads what the
// kernel wrote meanwhile, resumes what fail-closed `freeze` stopped, and ends sessions whose
// processes are gone.
import { join } from 'node:path';

import type { AgentEvent } from '../wire/events.js';
import { SESSION_KERNEL_BIT } from '../wire/wire-layout.js';
import { SystemError } from '../errors.js';
import type { ProcessTable } from '../enrich/process-table.js';
import { AgentKernel } from '../loader/agent-kernel.js';
import { counterStrings, type LossCounters } from '../wire/kernel-counters.js';
import type { DaemonKernel } from './daemon-kernel.js';
import type { AuditLine } from '../sinks/audit-schema.js';
import { dnsQueryLine, fileActivityLine, sniCheckLine } from '../sinks/audit-line.js';
import { resolvesByName, SessionDns } from './session-dns.js';
import { AgentFeedback } from './agent-feedback.js';
import { SessionFeedback, type FeedbackOwner } from './session-feedback.js';
import { daemonLogDir } from './daemon-spawn.js';
import { DEFAULT_FILE_EVENTS, type FileOpenVolume, type OpenVolumeCounts } from '../wire/file-events.js';
import { writeBatch } from '../sinks/write-batch.js';

import { cgroup2Root, createCgroup, moveToCgroup, removeCgroup } from '../system/cgroup.js';
import { adoptTree } from '../targeting/adopt-tree.js';
import { findAgents } from '../targeting/find-agents.js';
import { readStat } from '../system/proc-fs.js';
import { AuditPipeline } from './audit-pipeline.js';
import { SessionInsight } from './session-insight.js';
import type {
  EnforceOptions,
  ExporterStatus,
  ProfileRef,
  ReloadResult,
  StatusResult,
} from './control-protocol.js';
import { ProfileHandles, reloadProfile } from './profile-handles.js';
import { kernelDecision } from './verdict-decision.js';
import { landlockDecision } from './landlock-verdict.js';
import { readonlyDecision } from './readonly-verdict.js';
import { PROTOCOL_VERSION } from './control-protocol.js';
import { type Session, SessionRegistry } from './sessions.js';
import {
  countersFromState,
  countersToState,
  loadState,
  removeState,
  saveState,
  STATE_VERSION,
  type DaemonState,
} from './daemon-state.js';

export interface DaemonOptions {
  fileEvents?: 'all' | 'first' | 'none';
  /** every audit line, e.g. to the daemon's own log */
  onLine?: (line: AuditLine) => void;
  /** pin the kernel state under this bpffs folder and re-adopt what is there (the daemon) */
  pinRoot?: string;
  /** where the state a later daemon needs is written (with pinRoot) */
  statePath?: string;
  /** the fail-closed deadline (ms) the hooks apply to the heartbeat; default 1000 with pinRoot */
  failClosedAfterMs?: number;
  /** the daemon's own diagnostics (re-adoption, resumed processes); stderr by default */
  log?: (message: string) => void;
  /** where each session's feedback file goes (session-feedback.ts); start(): <log dir>/feedback; none: no files */
  feedbackDir?: string;
  /** the exporters' state, for status (the daemon command owns them: src/export/exporters.ts) */
  exporters?: () => ExporterStatus[] | undefined;
}

/** What the daemon found when it started: a fresh kernel state or one it re-adopted. */
export interface AdoptionReport {
  adopted: boolean;
  /** the pinned folder (null: nothing pinned) */
  pinned: string | null;
  /** ms between the last beat of the earlier daemon and this re-adoption */
  gapMs: number | null;
  sessions: number;
  rules: number;
  /** processes fail-closed `freeze` had stopped, resumed now */
  resumed: number;
  /** sessions whose processes all ended while no daemon ran */
  endedMeanwhile: number;
  /** why the state file could not be used (sessions were rebuilt from the kernel's maps) */
  problem: string | null;
  /** folders of an incompatible build that were removed */
  replaced: string[];
}

export const DEFAULT_FAIL_CLOSED_MS = 1000;
/** Lines kept per re-adopted session until its client resumes it (then replayed), and how long. */
const RESUME_BACKLOG = 20_000;
const BACKLOG_MS = 60_000;
/** How long a decision of a session the daemon has not seen start yet waits for its session_start. */
const PENDING_MS = 2000;
/** How long a re-adopted watch rule waits for its `vigil watch` to come back. */
const UNCLAIMED_RULE_MS = 30_000;

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
/** file_activity lines: every 10th loss check (10 s), while a session's counts rise */
const FILE_ACTIVITY_TICKS = 10;

type KernelFactory = (onEvents: (evs: AgentEvent[]) => void) => DaemonKernel;

export class Daemon {
  readonly startedAt = new Date();
  readonly sessions = new SessionRegistry();
  readonly #kernel: DaemonKernel;
  readonly #pipeline: AuditPipeline;
  /** tool calls from the agent's log, installs, credential leaks (session-insight.ts) */
  readonly #insight: SessionInsight;
  readonly #subscribers = new Set<Subscriber>();
  readonly #rules = new Map<number, WatchRule>();
  readonly #handles: ProfileHandles;
  /** the DNS proxies of sessions whose profile names hosts */
  readonly #dns: SessionDns;
  /** refusals and explanations for the agent's hooks and MCP tools (agent-feedback.ts) */
  readonly feedback: AgentFeedback;
  /** each session's violations, to its feedback file and socket readers (session-feedback.ts) */
  readonly feedbackStream: SessionFeedback;
  readonly #onLine: ((line: AuditLine) => void) | undefined;
  readonly #exporters: (() => ExporterStatus[] | undefined) | undefined;
  readonly #lossTimer: NodeJS.Timeout;
  /** --file-events of sessions that name none */
  readonly #fileEvents: FileOpenVolume;
  #ticks = 0;
  #lastCounters: LossCounters;
  #nextRule = 1;
  /** processes taken from /proc: each may have exited before it was watched (no exit event) */
  readonly #adoptedFromProc = new WeakMap<Session, Set<number>>();
  /** sessions live when the ring lost events: any of their exit events may be among them */
  readonly #sawLoss = new WeakSet<Session>();
  /** events of kernel-started sessions whose session_start has not been read yet */
  readonly #pending = new Map<number, { since: number; events: AgentEvent[] }>();
  /** re-adopted watch rules no `vigil watch` has taken back yet, since when */
  readonly #unclaimed = new Map<number, number>();
  /** re-adopted sessions' lines, kept until their client resumes (resumeSession) or for BACKLOG_MS */
  readonly #backlog = new Map<number, AuditLine[]>();
  readonly #statePath: string | undefined;
  readonly #log: (message: string) => void;
  readonly failClosedAfterMs: number | null;
  adoption: AdoptionReport;
  /** reading what the kernel wrote while no daemon ran (#afterRestore) */
  #replaying = false;
  #stopped = false;
  /** a session of this daemon had a cgroup leaf under vigil/ (made or re-adopted): stop tidies the folder */
  #hadLeaves = false;

  private constructor(options: DaemonOptions, build: KernelFactory) {
    this.#onLine = options.onLine;
    this.#exporters = options.exporters;
    this.#log =
      options.log ??
      ((m) => {
        console.error(m);
      });
    this.#statePath = options.pinRoot === undefined ? undefined : options.statePath;
    this.failClosedAfterMs = failClosedDeadline(options) ?? null;
    this.#pipeline = new AuditPipeline();
    this.#fileEvents = options.fileEvents ?? DEFAULT_FILE_EVENTS;
    this.#kernel = build((evs) => {
      this.#onEvents(evs);
    });
    this.#handles = new ProfileHandles(this.#kernel, this.#log);
    this.#insight = new SessionInsight({
      emit: (s, line) => {
        this.#emit(line, s);
      },
      kill: (s, pid) => {
        this.#killForVerdict(s, pid);
      },
      processes: this.#pipeline.processes,
      log: this.#log,
    });
    this.feedback = new AgentFeedback(this.sessions);
    this.feedbackStream = new SessionFeedback({
      ...(options.feedbackDir === undefined ? {} : { dir: options.feedbackDir }),
      owner: (s, line) => this.#sessionUser(s, line),
      log: this.#log,
      sessions: this.sessions,
    });
    this.#dns = new SessionDns(
      this.#kernel,
      {
        dns: (id, q) => {
          const s = this.sessions.get(id);
          if (s !== undefined) this.#emit(dnsQueryLine({ id: s.name, profile: s.profile.name }, q), s);
        },
        sni: (id, r) => {
          const s = this.sessions.get(id);
          if (s !== undefined) this.#emit(sniCheckLine({ id: s.name, profile: s.profile.name }, r), s);
        },
      },
      this.#log,
    );
    this.#lastCounters = this.#kernel.counters();
    const pin = this.#kernel.pinReport;
    this.adoption = {
      adopted: false,
      pinned: pin.dir,
      gapMs: null,
      sessions: 0,
      rules: 0,
      resumed: 0,
      endedMeanwhile: 0,
      problem: null,
      replaced: pin.replaced,
    };
    if (pin.adopted) this.#restore();
    this.#kernel.startReading();
    if (pin.adopted) this.#afterRestore();
    this.#persist();
    this.#lossTimer = setInterval(() => {
      this.#checkLoss();
      if (++this.#ticks % FILE_ACTIVITY_TICKS === 0) this.#reportVolumes();
      this.#sweepLive();
      this.#expirePending();
      this.#expireUnclaimed();
      this.#insight.tick();
      if (this.#backlog.size > 0 && Date.now() - this.startedAt.getTime() > BACKLOG_MS) this.#backlog.clear();
    }, LOSS_CHECK_MS);
    this.#lossTimer.unref();
  }

  /** Loads and attaches the kernel side (or re-adopts it); throws a coded error when the kernel refuses. */
  static start(options: DaemonOptions = {}): Daemon {
    const deadline = failClosedDeadline(options);
    const feedbackDir = options.feedbackDir ?? join(daemonLogDir(), 'feedback');
    return Daemon.withKernel({ ...options, feedbackDir }, (onEvents) =>
      AgentKernel.open({
        onEvents,
        startReading: false,
        ...(options.pinRoot === undefined ? {} : { pinRoot: options.pinRoot }),
        ...(deadline === undefined ? {} : { heartbeatDeadlineMs: deadline }),
      }),
    );
  }

  /** A daemon over the kernel `build` returns: AgentKernel.open in start(), a fake in unit tests. */
  static withKernel(options: DaemonOptions, build: KernelFactory): Daemon {
    return new Daemon(options, build);
  }

  // --- taking over from an earlier daemon ---

  /** Sessions, rules and profiles from the state file, matched against the kernel's maps. */
  #restore(): void {
    const pinned = this.#kernel.pinReport.dir ?? '';
    const { state, problem } =
      this.#statePath === undefined
        ? { problem: 'no state file configured' }
        : loadState(this.#statePath, pinned);
    const a = this.adoption;
    a.adopted = true;
    a.problem = problem ?? null;
    const beat = this.#kernel.heartbeat().beatNs;
    if (beat > 0n) a.gapMs = Math.max(0, Number((this.#pipeline.nowBootNs() - beat) / 1_000_000n));
    const watched = this.#kernel.watchedProcesses();
    if (state !== undefined) {
      this.sessions.nextId = state.nextSession;
      this.#nextRule = Math.max(this.#nextRule, state.nextRule);
      this.#handles.adopt(state.nextHandle, state.profiles);
      this.#lastCounters = countersFromState(state.counters);
      for (const r of state.rules) {
        const profile = this.#handles.ref(r.handle);
        if (profile === undefined || !this.#handles.retain(r.handle)) continue;
        this.#unclaimed.set(r.id, Date.now());
        this.#rules.set(r.id, {
          id: r.id,
          basename: r.basename,
          profile,
          handle: r.handle,
          enforce: r.enforce,
        });
      }
      for (const st of state.sessions) {
        const profile = st.handle === null ? undefined : this.#handles.ref(st.handle);
        if (profile === undefined || st.handle === null || !this.#handles.retain(st.handle)) continue;
        const s = this.sessions.restore(st.id, st.kind, profile, new Date(st.startedAt));
        s.handle = st.handle;
        s.auditOnly = st.auditOnly;
        s.captureTranscript = st.captureTranscript === true;
        s.fileEvents = st.fileEvents;
        if (st.openVolume !== undefined) s.volumeReported = volumeFromState(st.openVolume);
        s.rootPid = st.rootPid;
        s.cgroupPath = st.cgroupPath;
        if (s.cgroupPath !== null) this.#hadLeaves = true;
        s.landlock = st.landlock;
        this.#startDns(s); // new ports: the redirections are written again
      }
    }
    // the kernel's watched set is the truth: every process goes to its session
    for (const p of watched) {
      const s = this.sessions.get(p.session) ?? this.#placeholderSession(p.session, p.tgid);
      if (s === undefined) continue;
      s.live.add(p.tgid);
      this.#pipeline.processes.adopt(p.tgid, s.id, { root: p.root });
      if (s.rootPid === null && p.root) s.rootPid = p.tgid;
    }
    for (const s of this.sessions.list()) {
      this.#backlog.set(s.id, []);
      // an exit in the ring, or the sweep, ends it: its processes may have gone without a trace
      this.#sawLoss.add(s);
    }
    a.sessions = this.sessions.list().length;
    a.rules = this.#rules.size;
  }

  /** Once the rings are read: resume what fail-closed stopped, end sessions with no process left. */
  #afterRestore(): void {
    // the records of the gap: a session's end is decided once all of them are read (below)
    this.#replaying = true;
    try {
      this.flush();
    } finally {
      this.#replaying = false;
    }
    const a = this.adoption;
    const watched = new Set(this.#kernel.watchedProcesses().map((p) => p.tgid));
    for (const pid of this.#kernel.takeStopped()) {
      if (!watched.has(pid)) continue; // it exited meanwhile (and its PID may be another's now)
      try {
        process.kill(pid, 'SIGCONT');
        a.resumed++;
      } catch {
        // gone meanwhile
      }
    }
    for (const s of this.activeSessions()) {
      if (s.live.size > 0) continue;
      a.endedMeanwhile++;
      this.#endSession(s, 'its last process exited while no vigil daemon ran');
    }
    this.#handles.dropUnused();
    const gap = a.gapMs === null ? '' : ` after ${a.gapMs} ms without a daemon`;
    this.#log(
      `vigil: re-adopted the pinned state in ${a.pinned ?? '?'}${gap}: ${a.sessions} session(s), ${a.rules} watch rule(s), ${a.resumed} stopped process(es) resumed, ${a.endedMeanwhile} session(s) had ended` +
        (a.problem === null ? '' : ` (${a.problem}: sessions rebuilt from the kernel's maps)`),
    );
  }

  /**
   * A session the kernel enforces but this daemon has no record of (a watch rule started it, and
   * its session_start line was lost or never read): rebuilt from the kernel's sessions map.
   */
  #placeholderSession(id: number, pid: number): Session | undefined {
    const handle = this.#kernel.sessionProfile(id);
    const profile = handle === undefined ? undefined : this.#handles.ref(handle);
    if (profile === undefined || handle === undefined || !this.#handles.retain(handle)) return undefined;
    const kind = (id & SESSION_KERNEL_BIT) !== 0 ? 'watch' : 'run';
    const s = this.sessions.restore(id, kind, profile, new Date());
    s.handle = handle;
    s.rootPid = pid;
    s.live.add(pid);
    this.#emitSessionStart(s, pid);
    return s;
  }

  /** Writes what the next daemon needs to re-adopt (pinned daemons only). */
  #persist(): void {
    if (this.#statePath === undefined || this.#stopped) return;
    const handles = this.#handles.snapshot();
    const state: DaemonState = {
      version: STATE_VERSION,
      pinned: this.#kernel.pinReport.dir ?? '',
      savedAt: new Date().toISOString(),
      pid: process.pid,
      nextSession: this.sessions.nextId,
      nextRule: this.#nextRule,
      nextHandle: handles.next,
      counters: countersToState(this.#lastCounters),
      profiles: handles.profiles,
      sessions: this.activeSessions().map((s) => ({
        id: s.id,
        kind: s.kind,
        handle: s.handle,
        startedAt: s.startedAt.toISOString(),
        rootPid: s.rootPid,
        cgroupPath: s.cgroupPath,
        auditOnly: s.auditOnly,
        captureTranscript: s.captureTranscript,
        fileEvents: s.fileEvents,
        ...(s.volumeReported === undefined ? {} : { openVolume: volumeToState(s.volumeReported) }),
        landlock: s.landlock,
      })),
      rules: [...this.#rules.values()].map((r) => ({
        id: r.id,
        basename: r.basename,
        handle: r.handle,
        enforce: r.enforce,
      })),
    };
    try {
      saveState(this.#statePath, state);
    } catch (err) {
      this.#log(`vigil: cannot write the daemon state ${this.#statePath}: ${String(err)}`);
    }
  }

  /**
   * A client taking its session back after a daemon change: the lines written since this daemon
   * re-adopted it are replayed to `sink`, then new ones follow.
   */
  resumeSession(id: number, sink: SessionSink): Session {
    const s = this.#session(id);
    const unsubscribe = this.subscribe({ session: id }, sink.line, sink.ended);
    for (const line of this.#backlog.get(id) ?? []) sink.line(line);
    this.#backlog.delete(id);
    if (s.endedAt !== null) {
      unsubscribe();
      sink.ended(s);
    }
    return s;
  }

  /** Nothing to protect or serve: no live session, no watch rule. */
  idle(): boolean {
    return this.activeSessions().length === 0 && this.#rules.size === 0;
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
    if (cgroup) {
      s.cgroupPath = createCgroup(`vigil/${s.name}`);
      this.#hadLeaves = true;
    }
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
    this.#persist();
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
    this.#persist();
    return s;
  }

  /**
   * `vigil watch`: every exec of one of the profile's entry_comm names starts a session, and
   * agents running now are adopted with their descendants.
   */
  addWatch(
    profile: ProfileRef,
    enforce: EnforceOptions,
  ): { rules: string[]; adopted: Session[]; ruleIds: number[] } {
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
    const ruleIds: number[] = [];
    for (const [i, basename] of names.entries()) {
      // each rule holds the handle once (released by removeWatch)
      if (i > 0) this.#handles.retain(handle);
      const rule: WatchRule = { id: this.#nextRule++, basename, profile, handle, enforce };
      ruleIds.push(rule.id);
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
    this.#persist();
    return { rules: names, adopted, ruleIds };
  }

  /** A `vigil watch` back after a daemon change takes its re-adopted rules again. */
  claimRules(ids: readonly number[]): void {
    for (const id of ids) this.#unclaimed.delete(id);
  }

  /** Re-adopted rules whose `vigil watch` did not come back go (it died with the daemon). */
  #expireUnclaimed(): void {
    const stale = [...this.#unclaimed].filter(([, since]) => Date.now() - since > UNCLAIMED_RULE_MS);
    if (stale.length === 0) return;
    for (const [id] of stale) this.#unclaimed.delete(id);
    this.removeWatch(stale.map(([id]) => id));
    this.#log(`vigil: ${stale.length} re-adopted watch rule(s) removed: no vigil watch took them back`);
  }

  /** Removes watch rules (their client went away); sessions they started go on. */
  removeWatch(ids: readonly number[]): void {
    for (const id of ids) {
      const r = this.#rules.get(id);
      if (r === undefined) continue;
      this.#rules.delete(id);
      if (![...this.#rules.values()].some((o) => o.basename === r.basename))
        this.#kernel.removeWatchRule(r.basename);
      this.#handles.release(r.handle);
    }
    this.#persist();
  }

  /** Loads every profile in use again from its source, atomically per profile. */
  reloadProfiles(): ReloadResult {
    const result = this.#handles.reload(reloadProfile);
    for (const s of this.sessions.list()) {
      const fresh = s.handle === null ? undefined : this.#handles.ref(s.handle);
      if (fresh !== undefined) s.profile = fresh;
    }
    for (const r of this.#rules.values()) r.profile = this.#handles.ref(r.handle) ?? r.profile;
    this.#persist();
    return result;
  }

  #sessionConfig(handle: number, profile: ProfileRef, enforce: EnforceOptions) {
    return {
      profile: handle,
      fileEvents: enforce.fileEvents ?? this.#fileEvents,
      enforce: true,
      auditOnly: enforce.auditOnly,
      rawSockets: profile.profile.rawSockets === 'allow',
      hardened: enforce.hardened === true,
      hosts: resolvesByName(profile.profile),
      verifySni: resolvesByName(profile.profile) && profile.profile.dns.verifySni,
      // only a daemon with a heartbeat can be noticed gone
      ...(this.failClosedAfterMs === null ? {} : { failClosed: profile.profile.failClosed }),
    };
  }

  /** The kernel enforces the session's profile from now on (before its root is adopted). */
  #enforce(s: Session, handle: number, enforce: EnforceOptions): void {
    s.handle = handle;
    s.auditOnly = enforce.auditOnly;
    s.captureTranscript = enforce.captureTranscript === true;
    s.fileEvents = enforce.fileEvents ?? null;
    this.#kernel.setSession(s.id, this.#sessionConfig(handle, s.profile, enforce));
    this.#startDns(s);
  }

  /** A session whose profile names hosts resolves through a DNS proxy of its own (session-dns.ts). */
  #startDns(s: Session): void {
    if (resolvesByName(s.profile.profile)) void this.#dns.start(s.id, s.name, s.profile.profile, s.auditOnly);
  }

  /** Resolves once the session's DNS proxy listens (at once for a session without one). */
  sessionReady(id: number): Promise<void> {
    return this.#dns.ready(id);
  }

  #release(s: Session): void {
    this.#dns.stop(s.id);
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

  /** A line about no session (a guard-surface change): to the daemon's log and every subscriber. */
  record(line: AuditLine): void {
    this.#emit(line, undefined);
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
    const c = this.#kernel.allCounters();
    const r = this.#kernel.ringStats();
    return {
      pid: process.pid,
      startedAt: this.startedAt.toISOString(),
      version: PROTOCOL_VERSION,
      sessions: this.sessions.list().map((s) => {
        const hosts = this.#dns.learned(s.id);
        const summary = { ...s.summary(), capture: this.#insight.capture(s) };
        return Object.keys(hosts).length === 0 ? summary : { ...summary, hosts };
      }),
      watchRules: [...this.#rules.values()].map((w) => ({ basename: w.basename, profile: w.profile.name })),
      kernel: counterStrings(c),
      ring: { records: r.records, batches: r.batches, stalls: r.stalls, handlerErrors: r.handlerErrors },
      backends: this.#kernel.backends(),
      failClosedAfterMs: this.failClosedAfterMs,
      ...this.#exporterStatus(),
      adoption: { ...this.adoption },
    };
  }

  #exporterStatus(): { exporters?: ExporterStatus[] } {
    const exporters = this.#exporters?.();
    return exporters === undefined ? {} : { exporters };
  }

  /** What the daemon knows of each process (ancestry for the UI, exe for audit lines). */
  get processes(): ProcessTable {
    return this.#pipeline.processes;
  }

  /** Sessions with live processes. */
  activeSessions(): Session[] {
    return this.sessions.list().filter((s) => s.endedAt === null);
  }

  /**
   * Stops reading the rings, delivering what was read to subscribers now: a stopping daemon does
   * this before it closes its clients, so no line it read is lost; the rest waits in the rings.
   */
  quiesce(): void {
    this.#kernel.stopReading();
    this.#checkLoss();
  }

  /** Delivers events still in the ring buffer, then checks for losses. */
  flush(): void {
    this.#kernel.flush();
    this.#checkLoss();
  }

  /**
   * Stops this daemon. A pinned state stays in force when sessions or watch rules remain (the
   * hooks go on deciding, fail-closed once the heartbeat is stale, until a daemon re-adopts it);
   * it is removed when nothing remains, or with `unload` (which ends every session's
   * enforcement: the caller says so). Without pins everything goes, as before.
   */
  stop(options: { unload?: boolean } = {}): { kept: boolean } {
    if (this.#stopped) return { kept: false };
    const pinned = this.#kernel.pinReport.dir !== null;
    const keep = pinned && options.unload !== true && !this.idle();
    if (!keep) for (const s of this.activeSessions()) this.#release(s);
    clearInterval(this.#lossTimer);
    try {
      this.quiesce();
      if (keep) this.#persist();
    } finally {
      this.#stopped = true;
      void this.#dns.closeAll();
      this.#kernel.close({ unload: !keep });
      if (!keep) {
        for (const s of this.activeSessions()) this.#cleanupCgroup(s);
        if (this.#hadLeaves) removeVigilCgroupFolder();
        if (this.#statePath !== undefined) removeState(this.#statePath);
      }
      this.#pipeline.close();
      this.feedbackStream.close();
    }
    return { kept: keep };
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
    // Sessions end after the whole batch: a decision of a session's last process is read in the
    // same batch as its exit (ring-buffer.ts), maybe after it, and goes before session_end.
    const ending = new Set<Session>();
    for (const ev of events) this.#handleEvent(ev, ending);
    if (this.#replaying) return;
    for (const s of ending) if (s.live.size === 0) this.#endSession(s);
  }

  #handleEvent(ev: AgentEvent, ending: Set<Session>): void {
    let s = this.sessions.get(ev.session);
    const kernelSession = (ev.session & SESSION_KERNEL_BIT) !== 0;
    if (s === undefined && ev.kind === 'session_start' && kernelSession) {
      const rule = this.#rules.get(ev.rule);
      if (rule === undefined) return; // a rule removed meanwhile
      s = this.sessions.adoptKernelSession(ev.session, rule.profile);
      this.#handles.retain(rule.handle);
      s.handle = rule.handle;
      s.auditOnly = rule.enforce.auditOnly;
      s.captureTranscript = rule.enforce.captureTranscript === true;
      s.fileEvents = rule.enforce.fileEvents ?? null;
      s.rootPid = ev.task.tgid;
      s.live.add(ev.task.tgid);
      this.#startDns(s);
      // the kernel's own session_start event is this session's first line
      this.#handleKnown(s, ev, ending);
      this.#persist();
      const waiting = this.#pending.get(ev.session);
      this.#pending.delete(ev.session);
      for (const w of waiting?.events ?? []) this.#handleKnown(s, w, ending);
      return;
    }
    if (s === undefined && kernelSession) {
      // its session_start is still in the events ring: hold it for a moment (#expirePending)
      const p = this.#pending.get(ev.session) ?? { since: Date.now(), events: [] };
      p.events.push(ev);
      this.#pending.set(ev.session, p);
      return;
    }
    if (s === undefined) return; // a session that ended long ago (pruned)
    this.#handleKnown(s, ev, ending);
  }

  #handleKnown(s: Session, ev: AgentEvent, ending: Set<Session>): void {
    this.#track(s, ev);
    if (ev.verdict?.action === 'KILL' && ev.verdict.denied && !ev.verdict.killed)
      this.#killForVerdict(s, ev.task.tgid);
    // an open or exec the kernel's hooks did not decide may still have been refused by Landlock
    // or by a read-only mount: attributed, never acted on (the kernel refused it)
    const decision =
      kernelDecision(ev, s.profile.profile) ?? landlockDecision(ev, s) ?? readonlyDecision(ev, s);
    const line = this.#pipeline.lineFor(ev, s, decision);
    this.#emit(line, s);
    if (ev.kind === 'exit' && s.live.size === 0) ending.add(s);
  }

  /**
   * Events held for a kernel session whose session_start never came (lost to a full ring): the
   * session is rebuilt from the kernel's maps and they are written, not dropped.
   */
  #expirePending(): void {
    const now = Date.now();
    for (const [id, p] of this.#pending) {
      if (now - p.since < PENDING_MS) continue;
      this.#pending.delete(id);
      const first = p.events[0];
      const s =
        this.sessions.get(id) ??
        (first === undefined ? undefined : this.#placeholderSession(id, first.task.tgid));
      if (s === undefined) {
        this.#log(
          `vigil: ${p.events.length} event(s) of unknown session ${id} dropped (no profile for it in the kernel)`,
        );
        continue;
      }
      this.#handleEvents(p.events); // the session is known now
    }
  }

  #track(s: Session, ev: AgentEvent): void {
    if (ev.kind === 'fork') s.live.add(ev.childTgid);
    else if (ev.kind === 'exec' || ev.kind === 'session_start') s.live.add(ev.task.tgid);
    else if (ev.kind === 'exit') s.live.delete(ev.task.tgid);
  }

  #emit(line: AuditLine, s: Session | undefined): void {
    if (s !== undefined && (line.event === 'net_connect' || line.event === 'udp_send')) {
      const host = this.#dns.hostOf(s.id, line.dest_ip);
      if (host !== undefined) line.dest_host = host;
    }
    if (s !== undefined && !this.#replaying) this.#insight.annotate(s, line);
    if (s !== undefined) {
      s.count(line.event, line.action);
      this.feedback.record(s.id, line);
      this.feedbackStream.record(s, line);
      const backlog = this.#backlog.get(s.id);
      if (backlog !== undefined && backlog.length < RESUME_BACKLOG) backlog.push(line);
    }
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
    if (s !== undefined && !this.#replaying) this.#insight.observe(s, line);
  }

  #emitSessionStart(s: Session, pid = s.rootPid ?? 0): void {
    const line = this.#pipeline.sessionLine('session_start', s, pid);
    const landlock = s.landlockText();
    if (landlock !== undefined) line.reason = `${line.reason}; ${landlock}`;
    this.#emit(line, s);
  }

  #endSession(s: Session, reason?: string): void {
    if (s.endedAt !== null) return;
    s.endedAt = new Date();
    this.#reportVolume(s);
    this.#kernel.deleteOpenVolume(s.id);
    this.#release(s);
    this.#emit(this.#pipeline.sessionLine('session_end', s, s.rootPid ?? 0, reason), s);
    this.#cleanupCgroup(s);
    // the agent's log is read to its end and the files the session wrote scanned: the lines
    // that gives (tool_call, alert) follow session_end, and its readers stay until they are out
    const last = this.#insight.sessionEnded(s);
    if (last === undefined) this.#sessionGone(s);
    else
      void last.then(() => {
        this.#sessionGone(s);
      });
  }

  #sessionGone(s: Session): void {
    this.feedbackStream.ended(s);
    for (const sub of this.#subscribers) if (sub.session === undefined || sub.session === s.id) sub.ended(s);
    this.sessions.prune();
    this.#persist();
  }

  /** The user a session's agent runs as: the launcher's after it dropped to it (run), else its root's. */
  #sessionUser(s: Session, line: AuditLine): FeedbackOwner | undefined {
    const creds = s.landlock?.creds;
    if (creds !== undefined && creds !== null) return { uid: creds.uid, gid: creds.gid };
    const root = s.rootPid === null ? undefined : this.#pipeline.processes.get(s.rootPid)?.uid;
    const uid = root ?? ('uid' in line ? line.uid : undefined);
    return typeof uid === 'number' ? { uid, gid: -1 } : undefined;
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

  /** file_activity lines for the sessions whose counts of opens not sent rose. */
  #reportVolumes(): void {
    let any = false;
    for (const s of this.activeSessions()) any = this.#reportVolume(s) || any;
    if (any) this.#persist(); // the next daemon reports only what came after these lines
  }

  #reportVolume(s: Session): boolean {
    const mode = s.fileEvents ?? this.#fileEvents;
    if (mode === 'all') return false;
    const now = this.#kernel.openVolume(s.id);
    const line = fileActivityLine({ id: s.name, profile: s.profile.name }, mode, s.volumeReported, now);
    s.volumeReported = now;
    if (line === undefined) return false;
    this.#emit(line, s);
    return true;
  }

  #checkLoss(): void {
    const now = this.#kernel.counters();
    const before = this.#lastCounters;
    const line = this.#pipeline.lossLine(before, now);
    this.#lastCounters = now;
    if (line === undefined) return;
    if (now.ringbufFull !== before.ringbufFull) for (const s of this.activeSessions()) this.#sawLoss.add(s);
    this.#emit(line, undefined);
    this.#persist(); // the next daemon reports only what came after this line
  }
}

/** The heartbeat deadline: only a pinned daemon beats, so only its sessions can fail closed. */
function failClosedDeadline(options: DaemonOptions): number | undefined {
  return options.pinRoot === undefined ? undefined : (options.failClosedAfterMs ?? DEFAULT_FAIL_CLOSED_MS);
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

function volumeToState(v: OpenVolumeCounts): Record<keyof OpenVolumeCounts, string> {
  return {
    repeated: String(v.repeated),
    failedLookups: String(v.failedLookups),
    unrecorded: String(v.unrecorded),
  };
}

function volumeFromState(v: Record<keyof OpenVolumeCounts, string>): OpenVolumeCounts {
  return {
    repeated: BigInt(v.repeated),
    failedLookups: BigInt(v.failedLookups),
    unrecorded: BigInt(v.unrecorded),
  };
}
