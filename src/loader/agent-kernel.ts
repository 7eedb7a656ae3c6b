// The agent object in the kernel: loads it, attaches the lineage and event hooks, consumes its
// ring buffer, and gives the rest of vigil the operations on the watched set. The one module
// that knows the object's map and program names. Per protection, the strongest backend this
// kernel allows is chosen in ./backends.ts (BPF-LSM where it loads, the fallbacks elsewhere).
//
// With a pin root (the daemon), every map and link is pinned (src/loader/pinned-state.ts), so the
// hooks keep deciding from the same tables when the daemon dies, and a later daemon re-adopts
// them: it loads no second copy, only the programs that have no pinned link yet.
import { BpfObject, type AttachReport } from '../bridge/bpf-object.js';
import { native } from '../bridge/native-binding.js';
import type { BpfLink } from '../bridge/bpf-link.js';
import type { BpfMap } from '../bridge/bpf-map.js';
import type { RingBufferReader, RingBufferStats } from '../bridge/ring-buffer.js';
import { decodeAgentEvent, type AgentEvent } from '../wire/events.js';
import { decodeStruct, encodeStruct } from '../wire/struct-layout.js';
import {
  NAME_MAX,
  Name,
  PROC_FLAG,
  Proc,
  SessionCfg,
  SESSION_FLAG,
  STAT,
  WatchRule,
  Heartbeat,
  OpenVolume,
} from '../wire/wire-layout.js';
import { fileEventsFlags, type FileOpenVolume, type OpenVolumeCounts } from '../wire/file-events.js';
import type { FailClosed, Profile } from '../policy/profile-types.js';
import {
  KERNEL_COUNTERS,
  LOSS_COUNTERS,
  type KernelCounterValues,
  type LossCounters,
} from '../wire/kernel-counters.js';
import { PolicyTables, type LoadReport } from './policy-tables.js';
import {
  clearDnsRedirects,
  clearSniProxy,
  forgetAddresses,
  learnAddress,
  redirectDns,
  learnedAddresses,
  setSniProxy,
  takeSniOrigin,
  type LearnedAddress,
  type LearnedEntry,
  type SniOriginEntry,
} from './host-addrs.js';
import { SystemError } from '../errors.js';
import { requireCgroup2Root } from '../system/cgroup.js';
import { ensureMount } from '../system/mounts.js';
import { bpfObjectPath } from '../system/paths.js';
import { readStat } from '../system/proc-fs.js';
import { PinnedState, layoutId, removePinFolder, watchedThrough } from './pinned-state.js';
import {
  adoptedLsm,
  currentBackends,
  disabledLsm,
  openLsm,
  type BackendReport,
  type LsmState,
} from './backends.js';

export interface AgentKernelOptions {
  onEvents: (events: AgentEvent[]) => void;
  onError?: (err: unknown) => void;
  objectPath?: string;
  /** cgroup v2 folder the socket hooks attach to; the root (all processes) by default. */
  cgroupPath?: string;
  /**
   * 'auto' (default): use BPF-LSM where this kernel loads it; 'off': the fallbacks only (also
   * with VIGIL_LSM=off in the environment).
   */
  lsm?: 'auto' | 'off';
  /** the BPF-LSM object; build/bpf/lsm/vigil_lsm.bpf.o by default */
  lsmObjectPath?: string;
  /** bpffs folder to pin the state in and re-adopt it from; none: nothing is pinned (tests) */
  pinRoot?: string;
  /**
   * The fail-closed deadline: the ring consumer beats the heartbeat map, and a session's
   * fail-closed action applies once the beat is older than this. None: no beat (tests).
   */
  heartbeatDeadlineMs?: number;
  /** start consuming the rings now (default); false: startReading() later, e.g. after re-adoption */
  startReading?: boolean;
}

/** What open() found: a fresh load, or pinned state re-adopted, and what it replaced. */
export interface PinReport {
  /** the bpffs folder of this build's state; null when nothing is pinned */
  dir: string | null;
  adopted: boolean;
  /** folders of an incompatible build that were removed */
  replaced: string[];
}

export interface WatchedProcess {
  tgid: number;
  session: number;
  root: boolean;
  startTicks: bigint;
}

/** How a session is enforced (struct vigil_session). */
export interface SessionConfig {
  /** profile handle, as given to loadProfile */
  profile: number;
  enforce: boolean;
  auditOnly: boolean;
  rawSockets: boolean;
  /** the launcher's hardening filter is on the session's processes (hooks/hardening.h reports) */
  hardened?: boolean;
  /** what the hooks do while no daemon beats (absent: continue) */
  failClosed?: FailClosed;
  /** allowed file opens sent one by one (kernel/lib/volume.h); absent: all */
  fileEvents?: FileOpenVolume;
  /** the profile allows hosts by name: learned addresses are allowed (kernel/lib/hosts.h) */
  hosts?: boolean;
  /** verify_sni: learned addresses on 80/443 only as TCP through the session's SNI proxy */
  verifySni?: boolean;
}

function sessionFlags(c: SessionConfig): number {
  const fc =
    c.failClosed === 'deny'
      ? SESSION_FLAG.VIGIL_SESSION_FC_DENY
      : c.failClosed === 'freeze'
        ? SESSION_FLAG.VIGIL_SESSION_FC_FREEZE
        : 0;
  const hardened = c.hardened === true ? SESSION_FLAG.VIGIL_SESSION_HARDENED : 0;
  const volume = fileEventsFlags(c.fileEvents ?? 'all');
  const hosts =
    (c.hosts === true ? SESSION_FLAG.VIGIL_SESSION_HOSTS : 0) |
    (c.verifySni === true ? SESSION_FLAG.VIGIL_SESSION_VERIFY_SNI : 0);
  return (
    (c.enforce ? 1 : 0) | (c.auditOnly ? 2 : 0) | (c.rawSockets ? 4 : 0) | fc | hardened | volume | hosts
  );
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

/**
 * The syscall tracepoints (file opens) put every task of the machine on the slow system-call
 * path while attached, watched or not (docs/benchmarks.md): they are attached when the first
 * process is watched or the first watch rule is set, and stay until close.
 */
function isSyscallHook(section: string): boolean {
  return section.startsWith('tracepoint/syscalls/');
}

/**
 * A reporter of the hardening filter's refusals (kernel/hooks/hardening.h) whose system call this
 * kernel is built without (no tracepoint: e.g. no module or kexec support) has nothing to report.
 */
function missingSyscall(r: AttachReport): boolean {
  return !r.ok && r.program.startsWith('vigil_harden_') && /No such file or directory/.test(r.error.message);
}

function checkAttached(report: AttachReport[]): AttachReport[] {
  const lines = report.flatMap((r) =>
    r.ok || missingSyscall(r) ? [] : [`${r.program} (${r.section}): ${r.error.message}`],
  );
  if (lines.length > 0) {
    for (const r of report) if (r.ok) r.link.destroy();
    throw new SystemError('VIGIL_ATTACH_FAILED', `cannot attach vigil's hooks:\n  ${lines.join('\n  ')}`, {
      hint: 'run `vigil doctor` to see what this kernel allows',
    });
  }
  return report;
}

export class AgentKernel {
  readonly attachReport: AttachReport[];
  readonly #obj: BpfObject;
  readonly #readers: RingBufferReader[];
  readonly #policy: PolicyTables;
  readonly #lsm: LsmState;
  readonly #cgroupPath: string;
  readonly #pins: PinnedState | undefined;
  readonly pinReport: PinReport;
  #syscallHooks = false;
  #closed = false;

  private constructor(
    obj: BpfObject,
    readers: RingBufferReader[],
    report: AttachReport[],
    lsm: LsmState,
    cgroupPath: string,
    pins: PinnedState | undefined,
    pinReport: PinReport,
  ) {
    this.#obj = obj;
    this.#cgroupPath = cgroupPath;
    this.#readers = readers;
    this.#policy = new PolicyTables(obj, { denyInodes: true });
    this.attachReport = report;
    this.#lsm = lsm;
    this.#pins = pins;
    this.pinReport = pinReport;
    this.#syscallHooks = report.some((r) => r.ok && isSyscallHook(r.section));
  }

  static open(options: AgentKernelOptions): AgentKernel {
    ensureMount('tracefs');
    const cgroupPath = options.cgroupPath ?? requireCgroup2Root();
    const objectPath = options.objectPath ?? bpfObjectPath('agent/vigil.bpf.o');
    const lsmPath = options.lsmObjectPath ?? bpfObjectPath('lsm/vigil_lsm.bpf.o');
    const pins =
      options.pinRoot === undefined
        ? undefined
        : new PinnedState(options.pinRoot, layoutId([objectPath, lsmPath]));
    const replaced = pins === undefined ? [] : replaceForeignLayouts(pins);
    const obj = BpfObject.open(objectPath);
    try {
      const adopt = pins !== undefined && adoptable(pins, obj);
      if (adopt) {
        // the pinned maps, and only the programs that have no pinned link (normally none)
        for (const d of obj.mapDeclarations()) obj.reuseMap(d.name, pins.openMap(d.name), { internal: true });
        const linked = new Set(pins.linkNames('links'));
        obj.selectPrograms(
          obj
            .programs()
            .map((p) => p.name)
            .filter((n) => !linked.has(n)),
        );
      }
      obj.load();
      // the process BPF-LSM's self-protection shields: this one (a re-adopted beat stays as it was)
      const hb = obj.map('heartbeat');
      const prev = hb.get(u32(0));
      hb.set(
        u32(0),
        encodeStruct(Heartbeat, {
          ...(prev === undefined ? { beat_ns: 0n, deadline_ns: 0n } : decodeStruct(Heartbeat, prev)),
          daemon_tgid: process.pid,
        }),
      );
      const onError =
        options.onError ??
        ((e: unknown) => {
          process.emitWarning(`vigil: event decoding: ${String(e)}`);
        });
      const deliver = (records: Buffer[]) => {
        const events: AgentEvent[] = [];
        for (const r of records) {
          try {
            const ev = decodeAgentEvent(r);
            if (ev !== undefined) events.push(ev);
          } catch (err) {
            onError(err);
          }
        }
        // the alerts ring is read before the events ring in a pass: back into kernel time order
        if (!inTimeOrder(events)) events.sort((a, b) => (a.ktime < b.ktime ? -1 : a.ktime > b.ktime ? 1 : 0));
        options.onEvents(events);
      };
      // Decisions that refused, killed or audited come through a ring of their own, read first
      // and last in each pass (ring-buffer.ts), so a decision never arrives after its process's exit.
      const deadline = options.heartbeatDeadlineMs;
      const reader = obj.ringBuffer(['alerts', 'events'], deliver, {
        onError,
        ...(deadline === undefined
          ? {}
          : { heartbeat: { map: obj.map('heartbeat'), deadlineMs: deadline, tgid: process.pid } }),
      });
      let report: AttachReport[];
      let lsm: LsmState;
      const lsmOff = options.lsm === 'off' || process.env.VIGIL_LSM === 'off';
      // re-adopting: only the programs no pinned link had are loaded, so only they attach here
      const fresh = checkAttached(obj.attachAll({ cgroupPath }, (section) => !isSyscallHook(section)));
      if (adopt) {
        for (const r of fresh) if (r.ok) pins.pinLink('links', r.program, r.link);
        report = [...adoptedLinks(pins, obj), ...fresh];
        lsm = adoptedLsm(pins);
      } else {
        report = fresh;
        if (pins !== undefined) {
          // a partial state left by a daemon that died while pinning is not adoptable: start over
          pins.remove();
          try {
            // maps first: a state is adoptable only once every map is pinned (adoptable())
            for (const d of obj.mapDeclarations()) pins.pinMap(d.name, obj.map(d.name));
            for (const r of report) if (r.ok) pins.pinLink('links', r.program, r.link);
          } catch (err) {
            pins.remove();
            throw err;
          }
        }
        lsm = lsmOff
          ? disabledLsm(options.lsm === 'off' ? 'disabled by the caller' : 'disabled by VIGIL_LSM=off')
          : openLsm(obj, lsmPath, pins);
      }
      const pinReport: PinReport = { dir: pins?.dir ?? null, adopted: adopt, replaced };
      const kernel = new AgentKernel(obj, [reader], report, lsm, cgroupPath, pins, pinReport);
      if (options.startReading !== false) kernel.startReading();
      return kernel;
    } catch (err) {
      obj.close();
      throw err;
    }
  }

  /**
   * Stops consuming: what the consumer has read is delivered now; what the kernel writes from
   * here on stays in the (pinned) rings for the next reader. The heartbeat stops with it.
   */
  stopReading(): void {
    for (const r of this.#readers) if (r.stats().running) r.stop();
  }

  /** Starts consuming the rings (records written while no daemon ran come first). */
  startReading(): void {
    for (const r of this.#readers) if (!r.stats().running) r.start({ ref: false });
  }

  /**
   * Watches a running process for `session`. Reads its start time first so that, if the PID
   * is reused meanwhile, the kernel treats the entry as stale. false if the process is gone.
   */
  watchProcess(tgid: number, session: number, options: { root?: boolean } = {}): boolean {
    const stat = readStat(tgid);
    // A zombie has exited already: its exit event is gone, so its entry would never leave.
    if (stat === undefined || isDead(stat.state)) return false;
    this.setWatchedEntry(tgid, session, stat.startTicks, options.root === true);
    const again = readStat(tgid);
    if (again === undefined || again.startTicks !== stat.startTicks || isDead(again.state)) {
      this.#obj.map('watched').delete(u32(tgid));
      return false;
    }
    return true;
  }

  /** Writes a watched entry as given. watchProcess is the safe way; tests plant stale entries. */
  setWatchedEntry(tgid: number, session: number, startTicks: bigint, root = false): void {
    this.#attachSyscallHooks();
    const flags = root ? PROC_FLAG.VIGIL_PROC_ROOT : 0;
    this.#obj.map('watched').set(u32(tgid), encodeStruct(Proc, { session, flags, start_ticks: startTicks }));
  }

  unwatchProcess(tgid: number): boolean {
    return this.#obj.map('watched').delete(u32(tgid));
  }

  watchedProcesses(): WatchedProcess[] {
    const out: WatchedProcess[] = [];
    for (const [k, v] of this.#obj.map('watched').entries()) {
      const p = decodeStruct(Proc, v);
      out.push({
        tgid: k.readUInt32LE(0),
        session: p.session,
        root: (p.flags & PROC_FLAG.VIGIL_PROC_ROOT) !== 0,
        startTicks: p.start_ticks,
      });
    }
    return out;
  }

  /**
   * Starts a session at every exec of a program with this basename; the sessions it starts
   * are enforced with `config` (observe only when absent).
   */
  addWatchRule(basename: string, rule: number, config?: SessionConfig): void {
    this.#attachSyscallHooks();
    const value =
      config === undefined
        ? encodeStruct(WatchRule, { rule })
        : encodeStruct(WatchRule, { rule, profile: config.profile, flags: sessionFlags(config) });
    this.#obj.map('watch_rules').set(nameKey(basename), value);
    this.#obj.map('watch_rules_active').set(u32(0), u32(1));
  }

  removeWatchRule(basename: string): boolean {
    const removed = this.#obj.map('watch_rules').delete(nameKey(basename));
    if (this.#obj.map('watch_rules').keys().next().done === true)
      this.#obj.map('watch_rules_active').delete(u32(0));
    return removed;
  }

  /** How a session is enforced; until this is set, its events are only observed. */
  setSession(session: number, config: SessionConfig): void {
    this.#obj
      .map('sessions')
      .set(u32(session), encodeStruct(SessionCfg, { profile: config.profile, flags: sessionFlags(config) }));
  }

  deleteSession(session: number): void {
    this.#obj.map('sessions').delete(u32(session));
  }

  /** What the session's --file-events mode counted instead of sending (zero when nothing yet). */
  openVolume(session: number): OpenVolumeCounts {
    const v = this.#obj.map('open_volume').get(u32(session));
    if (v === undefined) return { repeated: 0n, failedLookups: 0n, unrecorded: 0n };
    const d = decodeStruct(OpenVolume, v);
    return { repeated: d.repeated, failedLookups: d.failed_lookups, unrecorded: d.unrecorded };
  }

  /** Forgets an ended session's counts. */
  deleteOpenVolume(session: number): void {
    this.#obj.map('open_volume').delete(u32(session));
  }

  /** Allows `entry.address` to the session for `ttlMs` from now (host-addrs.ts, kernel/lib/hosts.h). */
  learnHostAddress(entry: LearnedAddress, ttlMs: number): void {
    learnAddress(this.#obj.map('host_addrs'), entry, native().boottimeNs() + BigInt(Math.round(ttlMs * 1e6)));
  }

  /** The addresses learned for the session, with their expiry on the boot clock. */
  hostAddresses(session: number): LearnedEntry[] {
    return learnedAddresses(this.#obj.map('host_addrs'), session);
  }

  /** Forgets the addresses learned for an ended session. */
  forgetHostAddresses(session: number): void {
    forgetAddresses(this.#obj.map('host_addrs'), session);
  }

  /** Removes the session's DNS redirections (its proxy stopped, or moves to new ports). */
  clearDnsRedirects(session: number): void {
    clearDnsRedirects(this.#dnsMaps(), session);
  }

  /** The session's DNS to `resolver`:53 goes to its proxy's loopback `port` (host-addrs.ts). */
  redirectDns(session: number, resolver: string, port: number, ipv6: boolean): void {
    redirectDns(this.#dnsMaps(), session, resolver, port, ipv6);
  }

  /** The session's connects to learned addresses on 80/443 go to its SNI proxy's `port` (host-addrs.ts). */
  setSniProxy(session: number, port: number, ipv6: boolean): void {
    setSniProxy(this.#obj.map('sni_proxy'), session, port, ipv6);
  }

  /** The session's SNI proxy stopped: those connects are refused until one listens again. */
  clearSniProxy(session: number): void {
    clearSniProxy(this.#obj.map('sni_proxy'), session);
  }

  /** Where the connection an SNI proxy accepted from `peer`:`peerPort` was going (read once). */
  takeSniOrigin(peer: string, peerPort: number): SniOriginEntry | undefined {
    return takeSniOrigin(this.#obj.map('sni_conns'), peer, peerPort);
  }

  #dnsMaps(): { redirect: BpfMap; origin: BpfMap } {
    return { redirect: this.#obj.map('dns_redirect'), origin: this.#obj.map('dns_origin') };
  }

  /** The profile handle of a session the kernel enforces (undefined: it only observes, or is gone). */
  sessionProfile(session: number): number | undefined {
    const v = this.#obj.map('sessions').get(u32(session));
    return v === undefined ? undefined : decodeStruct(SessionCfg, v).profile;
  }

  /** The heartbeat as the hooks read it: the last beat (CLOCK_BOOTTIME ns; 0: never) and deadline. */
  heartbeat(): { beatNs: bigint; deadlineNs: bigint } {
    const v = this.#obj.map('heartbeat').get(u32(0));
    if (v === undefined) return { beatNs: 0n, deadlineNs: 0n };
    const h = decodeStruct(Heartbeat, v);
    return { beatNs: h.beat_ns, deadlineNs: h.deadline_ns };
  }

  /** Processes a hook stopped under fail-closed `freeze`, and forgets them (the caller resumes them). */
  takeStopped(): number[] {
    const map = this.#obj.map('fc_stopped');
    const pids = [...map.keys()].map((k) => k.readUInt32LE(0));
    for (const pid of pids) map.delete(u32(pid));
    return pids;
  }

  /**
   * Compiles `profile` into the kernel's tables under `handle`, replacing what the handle had
   * atomically, with the denied-inode table of the files its denied rules name now (the report's
   * `inodes` says how many, and what was left to path rules). Throws (leaving the old tables in
   * force) when the profile cannot be enforced.
   */
  loadProfile(handle: number, profile: Profile): LoadReport {
    return this.#policy.load(handle, profile);
  }

  unloadProfile(handle: number): void {
    this.#policy.unload(handle);
  }

  /** A profile whose tables an earlier daemon loaded (pinned): see PolicyTables.adopt. */
  adoptProfile(handle: number, profile: Profile, tableId: number): void {
    this.#policy.adopt(handle, profile, tableId);
  }

  /**
   * Per protection, the backend that decides it now (what is actually attached), and why BPF-LSM
   * is not in use where it is not.
   */
  backends(): BackendReport {
    return currentBackends(this.#lsm, this.attachReport, this.#cgroupPath, this.#pins?.dir ?? null);
  }

  counters(): LossCounters {
    const out = {} as LossCounters;
    for (const c of LOSS_COUNTERS) out[c.key] = this.#stat(c.slot);
    return out;
  }

  /** Every vigil_stats slot (kernel-counters.ts), added up over the CPUs. */
  allCounters(): KernelCounterValues {
    const out = {} as KernelCounterValues;
    for (const c of KERNEL_COUNTERS) out[c.key] = this.#stat(c.slot);
    return out;
  }

  /** One vigil_stats slot, added up over the CPUs. */
  #stat(idx: number): bigint {
    const stats = this.#obj.map('vigil_stats');
    const v = stats.get(u32(idx));
    return v === undefined ? 0n : stats.perCpu(v).reduce((a, b) => a + b.readBigUInt64LE(0), 0n);
  }

  /** Attaches the syscall tracepoints, once, before anything can be watched. Throws if one fails. */
  #attachSyscallHooks(): void {
    if (this.#syscallHooks) return;
    const attached = checkAttached(this.#obj.attachAll({}, isSyscallHook));
    for (const r of attached) if (r.ok) this.#pins?.pinLink('links', r.program, r.link);
    this.attachReport.push(...attached);
    this.#syscallHooks = true;
  }

  /** Signals, ptrace accesses and bpf() calls the BPF-LSM self-protection hooks refused. */
  selfProtectRefusals(): bigint {
    return this.#stat(STAT.VIGIL_STAT_SELF_PROTECT);
  }

  /** The two rings' consumer statistics, added up. */
  ringStats(): RingBufferStats {
    const all = this.#readers.map((r) => r.stats());
    const sum = (k: 'records' | 'bytes' | 'batches' | 'stalls' | 'pollErrors' | 'handlerErrors') =>
      all.reduce((a, s) => a + s[k], 0);
    return {
      records: sum('records'),
      bytes: sum('bytes'),
      batches: sum('batches'),
      stalls: sum('stalls'),
      pollErrors: sum('pollErrors'),
      handlerErrors: sum('handlerErrors'),
      largestBatch: Math.max(...all.map((s) => s.largestBatch)),
      running: all.every((s) => s.running),
    };
  }

  /** Delivers what is in the ring buffers now (the pollers do this on their own every 50 ms). */
  flush(): void {
    for (const r of this.#readers) {
      r.stop();
      r.start({ ref: false });
    }
  }

  /**
   * Lets go of the kernel objects. Pinned state stays (the hooks keep deciding, fail-closed once
   * the heartbeat is stale) unless `unload`: then the fallbacks decide again before the LSM hooks
   * go, the pins are removed, and every program detaches as its last handle closes.
   */
  close(options: { unload?: boolean } = {}): void {
    if (this.#closed) return;
    this.#closed = true;
    const unload = options.unload === true || this.#pins === undefined;
    try {
      for (const r of this.#readers) r.close();
      if (unload && this.#lsm.bits !== 0) this.#obj.map('lsm_backends').set(u32(0), u32(0));
      // unpinned, each program detaches when its last handle (this process's) closes
      if (unload && this.#pins !== undefined) this.#pins.remove();
      for (const l of this.#adoptedLinks) l.destroy();
      this.#lsm.obj?.close();
    } finally {
      this.#obj.close();
    }
  }

  get #adoptedLinks(): BpfLink[] {
    return this.attachReport.flatMap((r) => (r.ok && r.adopted === true ? [r.link] : []));
  }
}

/** A pinned state whose every map is pinned and that has links: a daemon can take it over. */
function adoptable(pins: PinnedState, obj: BpfObject): boolean {
  return pins.adoptable() && obj.mapDeclarations().every((d) => pins.hasMap(d.name));
}

/** The pinned links of a re-adopted state, as attach reports. */
function adoptedLinks(pins: PinnedState, obj: BpfObject): AttachReport[] {
  const sections = new Map(obj.programs().map((p) => [p.name, p.section]));
  return [...pins.openLinks('links')].map(([program, link]) => ({
    program,
    section: sections.get(program) ?? program,
    ok: true as const,
    link,
    adopted: true,
  }));
}

/**
 * Removes the pinned state of other builds (another layout id). One that still watches processes
 * is left alone, and this daemon refuses to start beside it: two builds' hooks would both decide.
 */
function replaceForeignLayouts(pins: PinnedState): string[] {
  const replaced: string[] = [];
  for (const name of pins.foreignLayouts()) {
    const dir = `${pins.root}/${name}`;
    const watched = watchedThrough(dir);
    if (watched > 0) {
      throw new SystemError(
        'VIGIL_PINNED_INCOMPATIBLE',
        `${dir} holds the pinned state of another vigil build, still watching ${watched} process(es); this build cannot adopt it`,
        {
          hint: `let those sessions end (or end them), or remove that state with \`VIGIL_PIN_ROOT=${pins.root} vigil unload\``,
        },
      );
    }
    removePinFolder(dir);
    replaced.push(dir);
  }
  return replaced;
}

function inTimeOrder(events: readonly AgentEvent[]): boolean {
  for (let i = 1; i < events.length; i++)
    if ((events[i] as AgentEvent).ktime < (events[i - 1] as AgentEvent).ktime) return false;
  return true;
}

function nameKey(basename: string): Buffer {
  const bytes = Buffer.from(basename, 'utf8');
  if (bytes.length === 0 || bytes.length >= NAME_MAX || basename.includes('/')) {
    throw new SystemError(
      'VIGIL_BAD_WATCH_NAME',
      `cannot watch '${basename}': a program basename of 1 to ${NAME_MAX - 1} bytes is needed`,
    );
  }
  return encodeStruct(Name, { name: basename });
}

function isDead(state: string): boolean {
  return state === 'Z' || state === 'X' || state === 'x';
}
