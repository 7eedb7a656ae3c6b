// The agent object in the kernel: loads it, attaches the lineage and event hooks, consumes its
// ring buffer, and gives the rest of vigil the operations on the watched set. The one module
// that knows the object's map and program names.
import { BpfObject, type AttachReport } from '../bridge/bpf-object.js';
import type { RingBufferReader, RingBufferStats } from '../bridge/ring-buffer.js';
import { decodeAgentEvent, type AgentEvent } from '../decode/events.js';
import { decodeStruct, encodeStruct } from '../decode/struct-layout.js';
import { NAME_MAX, Name, PROC_FLAG, Proc, STAT, WatchRule } from '../decode/wire-layout.js';
import { SystemError } from '../errors.js';
import { requireCgroup2Root } from '../system/cgroup.js';
import { ensureMount } from '../system/mounts.js';
import { bpfObjectPath } from '../system/paths.js';
import { readStat } from '../targeting/proc-fs.js';

export interface AgentKernelOptions {
  onEvents: (events: AgentEvent[]) => void;
  onError?: (err: unknown) => void;
  objectPath?: string;
  /** cgroup v2 folder the socket hooks attach to; the root (all processes) by default. */
  cgroupPath?: string;
}

export interface WatchedProcess {
  tgid: number;
  session: number;
  root: boolean;
  startTicks: bigint;
}

export interface KernelCounters {
  /** records lost because the ring buffer was full */
  ringbufFull: bigint;
  readFail: bigint;
  /** processes that could not be watched because the table was full */
  watchFull: bigint;
  /** entries dropped because their PID had been reused */
  staleEntry: bigint;
}

const STAT_KEYS: Record<keyof KernelCounters, number> = {
  ringbufFull: STAT.VIGIL_STAT_RINGBUF_FULL,
  readFail: STAT.VIGIL_STAT_READ_FAIL,
  watchFull: STAT.VIGIL_STAT_WATCH_FULL,
  staleEntry: STAT.VIGIL_STAT_STALE_ENTRY,
};

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

export class AgentKernel {
  readonly attachReport: AttachReport[];
  readonly #obj: BpfObject;
  readonly #reader: RingBufferReader;
  #closed = false;

  private constructor(obj: BpfObject, reader: RingBufferReader, report: AttachReport[]) {
    this.#obj = obj;
    this.#reader = reader;
    this.attachReport = report;
  }

  static open(options: AgentKernelOptions): AgentKernel {
    ensureMount('tracefs');
    const cgroupPath = options.cgroupPath ?? requireCgroup2Root();
    const obj = BpfObject.open(options.objectPath ?? bpfObjectPath('agent/vigil.bpf.o'));
    try {
      obj.load();
      const onError =
        options.onError ??
        ((e: unknown) => {
          process.emitWarning(`vigil: event decoding: ${String(e)}`);
        });
      const reader = obj.ringBuffer(
        'events',
        (records) => {
          const events: AgentEvent[] = [];
          for (const r of records) {
            try {
              const ev = decodeAgentEvent(r);
              if (ev !== undefined) events.push(ev);
            } catch (err) {
              onError(err);
            }
          }
          options.onEvents(events);
        },
        { onError },
      );
      const report = obj.attachAll({ cgroupPath });
      const lines = report.flatMap((r) => (r.ok ? [] : [`${r.program} (${r.section}): ${r.error.message}`]));
      if (lines.length > 0) {
        throw new SystemError(
          'VIGIL_ATTACH_FAILED',
          `cannot attach vigil's hooks:\n  ${lines.join('\n  ')}`,
          {
            hint: 'run `vigil doctor` to see what this kernel allows',
          },
        );
      }
      reader.start({ ref: false });
      return new AgentKernel(obj, reader, report);
    } catch (err) {
      obj.close();
      throw err;
    }
  }

  /**
   * Watches a running process for `session`. Reads its start time first so that, if the PID
   * is reused meanwhile, the kernel treats the entry as stale. false if the process is gone.
   */
  watchProcess(tgid: number, session: number, options: { root?: boolean } = {}): boolean {
    const stat = readStat(tgid);
    if (stat === undefined) return false;
    this.setWatchedEntry(tgid, session, stat.startTicks, options.root === true);
    const again = readStat(tgid);
    if (again?.startTicks !== stat.startTicks) {
      this.#obj.map('watched').delete(u32(tgid));
      return false;
    }
    return true;
  }

  /** Writes a watched entry as given. watchProcess is the safe way; tests plant stale entries. */
  setWatchedEntry(tgid: number, session: number, startTicks: bigint, root = false): void {
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

  /** Starts a session at every exec of a program with this basename. */
  addWatchRule(basename: string, rule: number): void {
    this.#obj.map('watch_rules').set(nameKey(basename), encodeStruct(WatchRule, { rule, flags: 0 }));
  }

  removeWatchRule(basename: string): boolean {
    return this.#obj.map('watch_rules').delete(nameKey(basename));
  }

  counters(): KernelCounters {
    const stats = this.#obj.map('vigil_stats');
    const out = {} as KernelCounters;
    for (const [name, idx] of Object.entries(STAT_KEYS) as [keyof KernelCounters, number][]) {
      const v = stats.get(u32(idx));
      out[name] = v === undefined ? 0n : stats.perCpu(v).reduce((a, b) => a + b.readBigUInt64LE(0), 0n);
    }
    return out;
  }

  ringStats(): RingBufferStats {
    return this.#reader.stats();
  }

  /** Delivers what is in the ring buffer now (the poller does this on its own every 50 ms). */
  flush(): void {
    this.#reader.stop();
    this.#reader.start({ ref: false });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#obj.close();
  }
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
