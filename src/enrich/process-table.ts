// What vigil knows about each watched process, learnt from exec/fork/exit events (and from
// /proc for processes that started before vigil did), so that an audit line can name the
// program (`exe`) and the UI can show who started whom (`ancestry`).
//
// Lineage is by creator, as in the kernel: a process's parent is the process that forked it,
// even after it is reparented to init or a subreaper. Each entry has a generation number and
// each child remembers its parent's, so a reused PID is never taken for the old parent.
//
// Memory is bounded: at most `maxEntries` entries (default 16 384). An entry holds the exe
// path (at most PATH_MAX, 4 KiB) and argv (at most the kernel's ARGV_MAX, 1 KiB), so the worst
// case is about 16 384 x 5.5 KiB = 90 MiB and a typical one (60-byte paths, short argv)
// under 8 MiB. Exited processes stay `graceMs` (default 10 s), because events of a process
// can be decoded after its exit, and longer while a child still in the table names them as
// parent (so a daemonized grandchild keeps its chain). When full, an insert evicts, in order:
// an exited process without children, an exited one, the least recently used live one.
import { readFileSync, readlinkSync } from 'node:fs';
import type { AgentEvent } from '../wire/events.js';
import { ARGV_MAX } from '../wire/wire-layout.js';
import { readStat } from '../system/proc-fs.js';

export interface ProcessFacts {
  readonly tgid: number;
  /** the process that created this one (not the current parent after reparenting) */
  readonly ppid: number;
  readonly comm: string;
  /** resolved path of the running program; undefined when never seen and /proc had none */
  readonly exe: string | undefined;
  readonly argv: readonly string[] | undefined;
  readonly uid: number | undefined;
  /** kernel session number (0: not known) */
  readonly session: number;
  /** the session's root process */
  readonly root: boolean;
  /** start time in USER_HZ ticks since boot, when known: with tgid, the process's identity */
  readonly startTicks: bigint | undefined;
  /** where the facts came from */
  readonly source: 'event' | 'proc';
  readonly exited: boolean;
  /** wait(2) status from the exit event */
  readonly exitStatus: number | undefined;
}

export interface AncestryEntry {
  pid: number;
  comm: string;
  exe: string | null;
  exited: boolean;
}

/** What the table reads from /proc for a process it learns about late; injectable for tests. */
export interface ProcSnapshot {
  ppid: number;
  comm: string;
  exe: string | undefined;
  argv: string[] | undefined;
  uid: number | undefined;
  startTicks: bigint;
}
export type ProcReader = (tgid: number) => ProcSnapshot | undefined;

export interface ProcessTableOptions {
  maxEntries?: number;
  graceMs?: number;
  /** monotonic ms; performance.now() by default */
  now?: () => number;
  /** reads a process vigil has no event for; false: never read /proc */
  proc?: ProcReader | false;
}

export const PROCESS_TABLE_DEFAULTS = { maxEntries: 16_384, graceMs: 10_000 } as const;

/** Ancestry walks stop here whatever the table says (a guard against corrupt chains). */
const MAX_DEPTH = 64;
/** Expired entries are swept at most this often (ms), and whenever the table is full. */
const SWEEP_EVERY_MS = 1_000;
/** How far from the LRU end eviction looks for an exited entry before taking a live one. */
const EVICT_SCAN = 256;

interface Entry {
  tgid: number;
  gen: number;
  ppid: number;
  /** generation of the parent entry when this one was created from its fork; 0: unknown */
  parentGen: number;
  comm: string;
  exe: string | undefined;
  argv: string[] | undefined;
  uid: number | undefined;
  session: number;
  root: boolean;
  startTicks: bigint | undefined;
  source: 'event' | 'proc';
  exitedAt: number | undefined;
  exitStatus: number | undefined;
  /** entries in the table whose parentGen is this entry's gen */
  children: number;
}

export class ProcessTable {
  readonly maxEntries: number;
  readonly graceMs: number;
  readonly #now: () => number;
  readonly #proc: ProcReader | undefined;
  // Map order is recency order: touching an entry moves it to the end.
  readonly #entries = new Map<number, Entry>();
  #gen = 0;
  #lastSweep = 0;
  #evicted = 0;
  /** the entry at the recent end of #entries (touching it again changes nothing) */
  #mru: Entry | undefined;

  constructor(options: ProcessTableOptions = {}) {
    this.maxEntries = Math.max(1, options.maxEntries ?? PROCESS_TABLE_DEFAULTS.maxEntries);
    this.graceMs = options.graceMs ?? PROCESS_TABLE_DEFAULTS.graceMs;
    this.#now = options.now ?? (() => performance.now());
    this.#proc = options.proc === false ? undefined : (options.proc ?? readProcSnapshot);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Live entries dropped because the table was full (for status counters). */
  get evicted(): number {
    return this.#evicted;
  }

  /** Learns from one event. Call it for every event, before building its audit line. */
  observe(ev: AgentEvent): void {
    this.#maybeSweep();
    const t = ev.task;
    switch (ev.kind) {
      case 'exec':
      case 'session_start': {
        // an exec the kernel refused (BPF-LSM, or a failed execve): the process still runs its old program
        if (ev.verdict?.denied === true || ev.ret !== undefined) break;
        let e = this.#entries.get(t.tgid);
        if (e === undefined || e.exitedAt !== undefined) {
          e = this.#insert(this.#fromTask(ev, 'event'));
        } else {
          this.#touch(e);
        }
        e.comm = t.comm;
        e.exe = ev.path;
        e.argv = ev.argv;
        e.uid = t.uid;
        e.session = ev.session;
        e.source = 'event';
        if (ev.kind === 'session_start') e.root = true;
        return;
      }
      case 'fork': {
        const parent = this.#ensure(ev);
        const old = this.#entries.get(ev.childTgid);
        if (old !== undefined) this.#remove(old); // a reused PID: the old process is gone
        parent.children++;
        this.#insert({
          tgid: ev.childTgid,
          gen: 0,
          ppid: parent.tgid,
          parentGen: parent.gen,
          comm: parent.comm,
          exe: parent.exe,
          argv: parent.argv,
          uid: t.uid,
          session: ev.session,
          root: false,
          startTicks: ev.childStartTicks,
          source: 'event',
          exitedAt: undefined,
          exitStatus: undefined,
          children: 0,
        });
        return;
      }
      case 'exit': {
        const e = this.#ensure(ev);
        e.exitedAt = this.#now();
        e.exitStatus = ev.exitCode;
        return;
      }
      default:
        this.#ensure(ev);
    }
  }

  /** The facts about a process, reading /proc once for a process not seen in events. */
  get(tgid: number): ProcessFacts | undefined {
    const e = this.#entries.get(tgid) ?? this.#learn(tgid, 0, false);
    return e === undefined ? undefined : facts(e);
  }

  /** The resolved program path of a process, when known (asked once per audit line). */
  exe(tgid: number): string | undefined {
    return (this.#entries.get(tgid) ?? this.#learn(tgid, 0, false))?.exe;
  }

  /**
   * Adds a running process from /proc for `session` (what `vigil attach` and `watch`'s adoption
   * of running agents need). undefined if the process is gone.
   */
  adopt(tgid: number, session: number, options: { root?: boolean } = {}): ProcessFacts | undefined {
    const old = this.#entries.get(tgid);
    if (old !== undefined && old.exitedAt === undefined) {
      old.session = session;
      if (options.root === true) old.root = true;
      return facts(old);
    }
    const e = this.#learn(tgid, session, options.root === true);
    return e === undefined ? undefined : facts(e);
  }

  /**
   * The chain from `tgid` up to its session's root, both included: [process, parent, ...,
   * root]. It stops early where a parent is unknown (exited long ago, evicted, or outside the
   * session); at most 64 entries.
   */
  ancestry(tgid: number): AncestryEntry[] {
    const out: AncestryEntry[] = [];
    let e = this.#entries.get(tgid) ?? this.#learn(tgid, 0, false);
    const seen = new Set<number>();
    while (e !== undefined && out.length < MAX_DEPTH && !seen.has(e.gen)) {
      seen.add(e.gen);
      out.push({ pid: e.tgid, comm: e.comm, exe: e.exe ?? null, exited: e.exitedAt !== undefined });
      if (e.root) break;
      const parent: Entry | undefined = this.#entries.get(e.ppid);
      if (parent === undefined) break;
      // A parent known only by PID must be the same process: same generation if we saw the
      // fork, else at least the same session and started before the child.
      if (e.parentGen !== 0 ? parent.gen !== e.parentGen : !plausibleParent(parent, e)) break;
      e = parent;
    }
    return out;
  }

  /** Drops exited entries whose grace period is over and that no child still names. */
  sweep(): void {
    const now = this.#now();
    this.#lastSweep = now;
    for (const e of [...this.#entries.values()]) {
      if (e.exitedAt !== undefined && e.children === 0 && now - e.exitedAt >= this.graceMs) this.#remove(e);
    }
  }

  #maybeSweep(): void {
    if (this.#now() - this.#lastSweep >= SWEEP_EVERY_MS) this.sweep();
  }

  /** The event's own process, created from the event (and /proc for exe/argv) if new. */
  #ensure(ev: AgentEvent): Entry {
    const e = this.#entries.get(ev.task.tgid);
    if (e !== undefined) {
      this.#touch(e);
      return e;
    }
    const fresh = this.#fromTask(ev, 'event');
    // Seen first through a non-exec event: it started before vigil watched it, so its
    // program is only in /proc. (If it already exited, /proc has nothing; exe stays unknown.)
    const snap = this.#proc?.(ev.task.tgid);
    if (snap !== undefined && snap.ppid === ev.task.ppid) {
      fresh.exe = snap.exe;
      fresh.argv = snap.argv;
      fresh.startTicks = snap.startTicks;
    }
    return this.#insert(fresh);
  }

  #fromTask(ev: AgentEvent, source: 'event' | 'proc'): Entry {
    return {
      tgid: ev.task.tgid,
      gen: 0,
      ppid: ev.task.ppid,
      parentGen: 0,
      comm: ev.task.comm,
      exe: undefined,
      argv: undefined,
      uid: ev.task.uid,
      session: ev.session,
      root: false,
      startTicks: undefined,
      source,
      exitedAt: undefined,
      exitStatus: undefined,
      children: 0,
    };
  }

  #learn(tgid: number, session: number, root: boolean): Entry | undefined {
    const snap = this.#proc?.(tgid);
    if (snap === undefined) return undefined;
    return this.#insert({
      tgid,
      gen: 0,
      ppid: snap.ppid,
      parentGen: 0,
      comm: snap.comm,
      exe: snap.exe,
      argv: snap.argv,
      uid: snap.uid,
      session,
      root,
      startTicks: snap.startTicks,
      source: 'proc',
      exitedAt: undefined,
      exitStatus: undefined,
      children: 0,
    });
  }

  #insert(e: Entry): Entry {
    const old = this.#entries.get(e.tgid);
    if (old !== undefined) this.#remove(old);
    if (this.#entries.size >= this.maxEntries) this.sweep();
    if (this.#entries.size >= this.maxEntries) this.#evictOne();
    e.gen = ++this.#gen;
    this.#entries.set(e.tgid, e);
    this.#mru = e;
    return e;
  }

  #touch(e: Entry): void {
    // A burst of events from one process touches the same entry: move it once, not per event.
    if (this.#mru === e) return;
    this.#entries.delete(e.tgid);
    this.#entries.set(e.tgid, e);
    this.#mru = e;
  }

  #evictOne(): void {
    let exited: Entry | undefined;
    let n = 0;
    for (const e of this.#entries.values()) {
      if (n++ >= EVICT_SCAN) break;
      if (e.exitedAt === undefined) continue;
      if (e.children === 0) {
        this.#remove(e);
        return;
      }
      exited ??= e;
    }
    const victim = exited ?? this.#entries.values().next().value;
    if (victim === undefined) return;
    if (victim.exitedAt === undefined) this.#evicted++;
    this.#remove(victim);
  }

  #remove(e: Entry): void {
    if (this.#entries.get(e.tgid) !== e) return;
    this.#entries.delete(e.tgid);
    if (this.#mru === e) this.#mru = undefined;
    const parent = this.#entries.get(e.ppid);
    if (e.parentGen !== 0 && parent !== undefined && parent.gen === e.parentGen) parent.children--;
  }
}

function plausibleParent(parent: Entry, child: Entry): boolean {
  if (parent.session !== child.session && parent.session !== 0 && child.session !== 0) return false;
  if (parent.startTicks !== undefined && child.startTicks !== undefined) {
    return parent.startTicks <= child.startTicks;
  }
  return true;
}

function facts(e: Entry): ProcessFacts {
  return {
    tgid: e.tgid,
    ppid: e.ppid,
    comm: e.comm,
    exe: e.exe,
    argv: e.argv,
    uid: e.uid,
    session: e.session,
    root: e.root,
    startTicks: e.startTicks,
    source: e.source,
    exited: e.exitedAt !== undefined,
    exitStatus: e.exitStatus,
  };
}

/** Reads a process from /proc: stat (comm, ppid, start), exe link, cmdline, status (uid). */
export function readProcSnapshot(tgid: number): ProcSnapshot | undefined {
  const stat = readStat(tgid);
  if (stat === undefined) return undefined;
  let exe: string | undefined;
  try {
    exe = readlinkSync(`/proc/${tgid}/exe`);
  } catch {
    exe = undefined; // a kernel thread, or gone meanwhile
  }
  let argv: string[] | undefined;
  try {
    // The same bound the kernel applies to argv in exec events.
    const raw = readFileSync(`/proc/${tgid}/cmdline`)
      .subarray(0, ARGV_MAX - 1)
      .toString('utf8');
    argv = raw === '' ? [] : raw.replace(/\0$/, '').split('\0');
  } catch {
    argv = undefined;
  }
  let uid: number | undefined;
  try {
    const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${tgid}/status`, 'utf8'));
    uid = m === null ? undefined : Number(m[1]);
  } catch {
    uid = undefined;
  }
  return { ppid: stat.ppid, comm: stat.comm, exe, argv, uid, startTicks: stat.startTicks };
}
