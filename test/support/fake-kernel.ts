// A kernel side in memory, for unit tests of the daemon, its sessions and the control server:
// it keeps the maps the daemon writes (watched processes, sessions, watch rules, profiles) and
// lets a test deliver events as the ring buffer would. Nothing reaches the real kernel.
import type { LearnedAddress, SniOriginEntry } from '../../src/loader/host-addrs.js';
import type { ProfileRef } from '../../src/daemon/control-protocol.js';
import type { DaemonKernel } from '../../src/daemon/daemon-kernel.js';
import { Daemon, type DaemonOptions } from '../../src/daemon/daemon.js';
import { loadBuiltinProfile } from '../../src/policy/builtin-profiles.js';
import type { AgentEvent } from '../../src/wire/events.js';
import type { SessionConfig, WatchedProcess } from '../../src/loader/agent-kernel.js';
import {
  KERNEL_COUNTERS,
  LOSS_COUNTERS,
  type KernelCounterValues,
  type LossCounters,
} from '../../src/wire/kernel-counters.js';
import { disabledLsm } from '../../src/loader/backends.js';
import type { LoadReport } from '../../src/loader/policy-tables.js';
import type { Profile } from '../../src/policy/profile-types.js';
import type { OpenVolumeCounts } from '../../src/wire/file-events.js';

type Backends = ReturnType<DaemonKernel['backends']>;

function zeros(slots: readonly { key: string }[]): Record<string, bigint> {
  return Object.fromEntries(slots.map((c) => [c.key, 0n]));
}

/** The report of a kernel whose LSM hooks are off: every protection on its fallback. */
const BACKENDS: Backends = disabledLsm('a kernel in memory').report;

export class FakeKernel implements DaemonKernel {
  readonly pinReport = { dir: null, adopted: false, replaced: [] };
  readonly watched = new Map<number, WatchedProcess>();
  readonly sessions = new Map<number, SessionConfig>();
  readonly rules = new Map<string, { rule: number; config: SessionConfig | undefined }>();
  readonly profiles = new Map<number, Profile>();
  /** the loss counters, raised by a test to make the daemon report a loss */
  readonly counterValues = zeros(LOSS_COUNTERS) as LossCounters;
  /** pids watchProcess refuses, as for a process that exited first */
  readonly gone = new Set<number>();
  reading = false;
  closed: { unload?: boolean } | null = null;
  #nextTable = 1;

  constructor(readonly onEvents: (evs: AgentEvent[]) => void) {}

  /** Delivers one ring-buffer batch to the daemon. */
  deliver(...events: AgentEvent[]): void {
    this.onEvents(events);
  }

  startReading(): void {
    this.reading = true;
  }
  stopReading(): void {
    this.reading = false;
  }
  flush(): void {
    // nothing buffered: deliver() hands events over at once
  }
  close(options: { unload?: boolean } = {}): void {
    this.closed = options;
  }
  heartbeat(): { beatNs: bigint; deadlineNs: bigint } {
    return { beatNs: 0n, deadlineNs: 0n };
  }
  takeStopped(): number[] {
    return [];
  }
  watchProcess(tgid: number, session: number, options: { root?: boolean } = {}): boolean {
    if (this.gone.has(tgid)) return false;
    this.watched.set(tgid, { tgid, session, root: options.root ?? false, startTicks: 0n });
    return true;
  }
  setWatchedEntry(tgid: number, session: number, startTicks: bigint, root = false): void {
    this.watched.set(tgid, { tgid, session, root, startTicks });
  }
  unwatchProcess(tgid: number): boolean {
    return this.watched.delete(tgid);
  }
  watchedProcesses(): WatchedProcess[] {
    return [...this.watched.values()];
  }
  addWatchRule(basename: string, rule: number, config?: SessionConfig): void {
    this.rules.set(basename, { rule, config });
  }
  removeWatchRule(basename: string): boolean {
    return this.rules.delete(basename);
  }
  setSession(session: number, config: SessionConfig): void {
    this.sessions.set(session, config);
  }
  deleteSession(session: number): void {
    this.sessions.delete(session);
  }
  sessionProfile(session: number): number | undefined {
    return this.sessions.get(session)?.profile;
  }
  /** what a test says the kernel counted for a session (kernel/lib/volume.h) */
  readonly openVolumes = new Map<number, OpenVolumeCounts>();
  openVolume(session: number): OpenVolumeCounts {
    return this.openVolumes.get(session) ?? { repeated: 0n, failedLookups: 0n, unrecorded: 0n };
  }
  deleteOpenVolume(session: number): void {
    this.openVolumes.delete(session);
  }
  /** addresses learned for sessions (kernel/lib/hosts.h), and their DNS redirections */
  readonly learned: LearnedAddress[] = [];
  readonly dnsRedirects = new Map<number, { resolver: string; port: number }[]>();
  learnHostAddress(entry: LearnedAddress): void {
    this.learned.push(entry);
  }
  forgetHostAddresses(session: number): void {
    for (let i = this.learned.length - 1; i >= 0; i--)
      if (this.learned[i]?.session === session) this.learned.splice(i, 1);
  }
  redirectDns(session: number, resolver: string, port: number): void {
    this.dnsRedirects.set(session, [...(this.dnsRedirects.get(session) ?? []), { resolver, port }]);
  }
  clearDnsRedirects(session: number): void {
    this.dnsRedirects.delete(session);
  }
  /** SNI proxies by session, and the connections a test says the kernel sent them (peer -> origin) */
  readonly sniProxies = new Map<number, number>();
  readonly sniOrigins = new Map<string, SniOriginEntry>();
  setSniProxy(session: number, port: number): void {
    this.sniProxies.set(session, port);
  }
  clearSniProxy(session: number): void {
    this.sniProxies.delete(session);
  }
  takeSniOrigin(peer: string, peerPort: number): SniOriginEntry | undefined {
    const key = `${peer}:${peerPort}`;
    const o = this.sniOrigins.get(key);
    this.sniOrigins.delete(key);
    return o;
  }
  loadProfile(handle: number, profile: Profile): LoadReport {
    this.profiles.set(handle, profile);
    return {
      handle,
      tableId: this.#nextTable++,
      previousTableId: undefined,
      figures: FIGURES,
      inodes: undefined,
    };
  }
  unloadProfile(handle: number): void {
    this.profiles.delete(handle);
  }
  adoptProfile(handle: number, profile: Profile): void {
    this.profiles.set(handle, profile);
  }
  backends(): Backends {
    return BACKENDS;
  }
  counters(): LossCounters {
    return { ...this.counterValues };
  }
  ringStats(): ReturnType<DaemonKernel['ringStats']> {
    return {
      records: 0,
      bytes: 0,
      batches: 0,
      stalls: 0,
      pollErrors: 0,
      largestBatch: 0,
      running: this.reading,
      handlerErrors: 0,
    };
  }
  allCounters(): KernelCounterValues {
    return { ...(zeros(KERNEL_COUNTERS) as KernelCounterValues), ...this.counterValues };
  }
}

const FIGURES: LoadReport['figures'] = {
  prefixEntries: 0,
  suffixEntries: 0,
  containEntries: 0,
  networkEntries: 0,
  portSegments: 0,
  pathStates: 0,
  nameStates: 0,
  pathClasses: 0,
  nameClasses: 0,
  rows: 0,
  byStrategy: { exact: 0, prefix: 0, suffix: 0, contains: 0, automaton: 0 },
  bytes: 0,
};

const vars = { home: '/home/u', workspace: '/w' };
/** The built-in generic profile as a client hands it to the daemon. */
export const GENERIC_REF: ProfileRef = {
  name: 'generic',
  source: 'builtin:generic',
  vars,
  profile: loadBuiltinProfile('generic', vars),
};

/** A pid no process of this machine has: the daemon never signals or reads a real one. */
export const FAKE_PID = 0x3fff_fff0;

/** A daemon over a FakeKernel; its diagnostics are dropped unless `options.log` says otherwise. */
export function daemonOverFake(options: DaemonOptions = {}): { daemon: Daemon; kernel: FakeKernel } {
  let kernel: FakeKernel | undefined;
  const daemon = Daemon.withKernel({ log: () => undefined, ...options }, (onEvents) => {
    kernel = new FakeKernel(onEvents);
    return kernel;
  });
  if (kernel === undefined) throw new Error('the daemon made no kernel');
  return { daemon, kernel };
}
