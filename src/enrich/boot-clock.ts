// Kernel event times are CLOCK_BOOTTIME nanoseconds (bpf_ktime_get_boot_ns); audit lines need
// wall-clock time. Node reads neither CLOCK_BOOTTIME nor CLOCK_REALTIME finely, so the offset
// (realtime - boottime) is measured against CLOCK_MONOTONIC (process.hrtime) by edge sampling:
//
//  - realtime - monotonic: spin on Date.now() (whole ms) until it ticks over; at that edge
//    realtime is exactly the new ms value, and the hrtime read between the two calls pins it
//    to within one loop step (well under 1 us).
//  - boottime - monotonic: the same on /proc/uptime, which truncates boottime to 10 ms; at the
//    edge boottime is exactly the new value (~5 us per read here). This difference is the time
//    spent suspended, so it only changes at resume.
//
// Considered and not used: /proc/stat btime (whole seconds); /proc/uptime read once (10 ms);
// /proc/timer_list clock offsets (exact, but root-only, per-CPU copies the kernel refreshes
// lazily after a clock step, and hundreds of KiB on large hosts).
//
// realtime - boottime survives suspend (both clocks count sleep) and NTP slewing (every clock
// is slewed alike); only a clock step (settimeofday, NTP step, leap second) moves it. So the
// cheap realtime edge is re-measured every `resyncMs` (10 s), and the boottime edge too when
// that moved (a step or a resume) or every `fullResyncMs` (5 min). In a time namespace the
// kernel's event clock is the host's: the namespace's boottime offset is added back.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { SystemError } from '../errors.js';

/** The clock reads a sync needs; injectable for tests. */
export interface ClockSources {
  /** CLOCK_MONOTONIC in ns. */
  monoNs(): bigint;
  /** CLOCK_REALTIME in whole ms (Date.now()). */
  realMs(): number;
  /** CLOCK_BOOTTIME in whole centiseconds, as /proc/uptime shows it. */
  uptimeCs(): number;
  /** This process's time-namespace boottime offset in ns (0 outside one). */
  timensBootOffsetNs(): bigint;
  /** Releases what the reads hold open. */
  close?(): void;
}

export interface BootClockOptions {
  sources?: ClockSources;
  /** How often the realtime edge is re-measured; default 10 000 ms. */
  resyncMs?: number;
  /** How often the boottime edge is re-measured even if nothing moved; default 300 000 ms. */
  fullResyncMs?: number;
}

export interface BootClockState {
  /** realtime - boottime in ns: wall time of an event = ktime + offsetNs. */
  offsetNs: bigint;
  /** Bound on the error of offsetNs at the last sync (sum of both edges' brackets). */
  uncertaintyNs: bigint;
  /** realtime - monotonic, as measured */
  realMinusMonoNs: bigint;
  /** (host) boottime - monotonic, as measured: the time spent suspended */
  bootMinusMonoNs: bigint;
  /** CLOCK_MONOTONIC ns of the last sync. */
  syncedAtMonoNs: bigint;
  syncs: number;
}

const NS_PER_MS = 1_000_000n;
const NS_PER_CS = 10_000_000n;
// A bracket wider than this means the thread was descheduled at the edge: measure again.
const MAX_BRACKET_NS = 200_000n;
const ATTEMPTS = 5;
// A realtime - monotonic change larger than this is a step or a resume.
const STEP_NS = 2_000_000n;

/**
 * The real clocks. /proc/uptime stays open and is re-read with pread at offset 0 (which re-runs
 * the seq file): an open per read would widen the edge bracket.
 */
export function procSources(): ClockSources {
  const buf = Buffer.alloc(64);
  let fd: number | undefined;
  return {
    monoNs: () => process.hrtime.bigint(),
    realMs: () => Date.now(),
    uptimeCs: () => {
      fd ??= openSync('/proc/uptime', 'r');
      const n = readSync(fd, buf, 0, buf.length, 0);
      return parseUptimeCs(buf.toString('latin1', 0, n));
    },
    timensBootOffsetNs: () => readTimensBootOffset(),
    close: () => {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

/** "1688.51 2530.12\n" -> 168851 (centiseconds of boottime). */
export function parseUptimeCs(text: string): number {
  const m = /^(\d+)\.(\d{2})\s/.exec(text);
  if (m === null)
    throw new SystemError(
      'VIGIL_PROC_FORMAT',
      `unexpected /proc/uptime: ${JSON.stringify(text.slice(0, 40))}`,
    );
  return Number(m[1]) * 100 + Number(m[2]);
}

/** The boottime line of /proc/self/timens_offsets ("boottime <s> <ns>"), or 0. */
export function parseTimensBootOffset(text: string): bigint {
  const m = /^boottime\s+(-?\d+)\s+(\d+)\s*$/m.exec(text);
  if (m === null) return 0n;
  return BigInt(m[1] ?? '0') * 1_000_000_000n + BigInt(m[2] ?? '0');
}

function readTimensBootOffset(): bigint {
  try {
    return parseTimensBootOffset(readFileSync('/proc/self/timens_offsets', 'utf8'));
  } catch {
    return 0n; // no time namespaces in this kernel
  }
}

interface Edge {
  /** (clock at the edge) - monotonic at the edge, in ns */
  diffNs: bigint;
  /** half the monotonic bracket around the edge */
  halfWidthNs: bigint;
}

/**
 * Spins until `read` (a clock in whole `unitNs` units) changes, and returns its offset from
 * monotonic at that moment. The change happened between the read before and the read after,
 * so the monotonic reads around those two calls bracket it.
 */
function measureEdge(read: () => number, unitNs: bigint, monoNs: () => bigint): Edge {
  let best: Edge | undefined;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    let before = monoNs();
    let prev = read();
    let after = monoNs();
    // One unit (plus slack) passes before the value must change; a stuck clock is an error.
    const deadline = after + unitNs * 3n + 50_000_000n;
    for (;;) {
      const t0 = after;
      const v = read();
      const t1 = monoNs();
      if (v !== prev) {
        // The edge lies after the previous read began (>= before) and before this one ended.
        const lo = before;
        const hi = t1;
        const edge: Edge = { diffNs: BigInt(v) * unitNs - (lo + hi) / 2n, halfWidthNs: (hi - lo + 1n) / 2n };
        if (best === undefined || edge.halfWidthNs < best.halfWidthNs) best = edge;
        break;
      }
      before = t0;
      prev = v;
      after = t1;
      if (t1 > deadline)
        throw new SystemError('VIGIL_CLOCK', 'clock edge not seen: the clock does not advance');
    }
    if (best.halfWidthNs * 2n <= MAX_BRACKET_NS) break;
  }
  if (best === undefined) throw new SystemError('VIGIL_CLOCK', 'clock edge not measured');
  return best;
}

/** Converts kernel CLOCK_BOOTTIME ns to wall-clock time; see the comment at the top. */
export class BootClock {
  readonly #src: ClockSources;
  readonly #resyncMs: number;
  readonly #fullResyncMs: number;
  #realMinusMono = 0n;
  #realUncertainty = 0n;
  #bootMinusMono = 0n;
  #bootUncertainty = 0n;
  #bootSyncedAt = 0n;
  #syncedAt = 0n;
  #syncs = 0;
  #timer: NodeJS.Timeout | undefined;
  /** the last formatted millisecond: [from, to) in ktime, and its text */
  #last: { from: bigint; to: bigint; text: string } | undefined;

  constructor(options: BootClockOptions = {}) {
    this.#src = options.sources ?? procSources();
    this.#resyncMs = options.resyncMs ?? 10_000;
    this.#fullResyncMs = options.fullResyncMs ?? 300_000;
    this.sync({ full: true });
  }

  /**
   * Measures the offsets again: realtime always, boottime when `full`, when realtime moved
   * relative to monotonic (a step or a resume), or when the last boottime sync is too old.
   */
  sync(options: { full?: boolean } = {}): BootClockState {
    const real = measureEdge(
      () => this.#src.realMs(),
      NS_PER_MS,
      () => this.#src.monoNs(),
    );
    const now = this.#src.monoNs();
    const moved = this.#syncs > 0 && abs(real.diffNs - this.#realMinusMono) > STEP_NS;
    const stale = now - this.#bootSyncedAt > BigInt(this.#fullResyncMs) * NS_PER_MS;
    this.#realMinusMono = real.diffNs;
    this.#realUncertainty = real.halfWidthNs;
    this.#last = undefined; // the offset may have moved
    if (options.full === true || moved || stale || this.#syncs === 0) {
      const boot = measureEdge(
        () => this.#src.uptimeCs(),
        NS_PER_CS,
        () => this.#src.monoNs(),
      );
      this.#bootMinusMono = boot.diffNs - this.#src.timensBootOffsetNs();
      this.#bootUncertainty = boot.halfWidthNs;
      this.#bootSyncedAt = now;
    }
    this.#syncedAt = now;
    this.#syncs++;
    return this.state();
  }

  state(): BootClockState {
    return {
      offsetNs: this.#realMinusMono - this.#bootMinusMono,
      uncertaintyNs: this.#realUncertainty + this.#bootUncertainty,
      realMinusMonoNs: this.#realMinusMono,
      bootMinusMonoNs: this.#bootMinusMono,
      syncedAtMonoNs: this.#syncedAt,
      syncs: this.#syncs,
    };
  }

  /** Wall-clock ns since the epoch of a CLOCK_BOOTTIME ns reading. */
  toWallNs(ktime: bigint): bigint {
    return ktime + this.#realMinusMono - this.#bootMinusMono;
  }

  /**
   * RFC 3339 UTC with milliseconds, e.g. 2026-11-21T23:14:31.123Z. Events come in bursts
   * within one millisecond: the last text is kept with the ktime range it covers, so most
   * calls are two comparisons (no BigInt arithmetic, no Date).
   */
  format(ktime: bigint): string {
    const c = this.#last;
    if (c !== undefined && ktime >= c.from && ktime < c.to) return c.text;
    const wall = this.toWallNs(ktime);
    const text = formatWallNs(wall);
    // the millisecond of `wall`, in ktime (floor, as formatWallNs truncates)
    const from = ktime - (((wall % NS_PER_MS) + NS_PER_MS) % NS_PER_MS);
    this.#last = { from, to: from + NS_PER_MS, text };
    return text;
  }

  /** The current CLOCK_BOOTTIME estimate in ns (what bpf_ktime_get_boot_ns would return now). */
  nowBootNs(): bigint {
    // #bootMinusMono already has the namespace's boottime offset taken out: it is the host's.
    return this.#src.monoNs() + this.#bootMinusMono;
  }

  /** Re-syncs every `resyncMs` until stop(); the timer does not keep the process alive. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      try {
        this.sync();
      } catch (err) {
        process.emitWarning(`vigil: clock sync failed, keeping the last offset: ${String(err)}`);
      }
    }, this.#resyncMs);
    this.#timer.unref();
  }

  /** Stops the re-syncs and closes /proc/uptime (a later sync opens it again). */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#src.close?.();
  }
}

function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}

/** RFC 3339 UTC with milliseconds (truncated, as clocks are) from ns since the epoch. */
export function formatWallNs(wallNs: bigint): string {
  const ms = wallNs >= 0n ? wallNs / NS_PER_MS : (wallNs - NS_PER_MS + 1n) / NS_PER_MS;
  return new Date(Number(ms)).toISOString();
}
