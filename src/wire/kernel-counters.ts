// Every slot of the kernel's per-CPU counters (enum vigil_stat in kernel/include/vigil.h), named
// once: the key `vigil status` reports it under, in its text and in --json. A unit test holds
// this table to the enum, so a new slot cannot go unreported.
import { STAT } from './wire-layout.js';

export interface KernelCounterSlot {
  /** the key under status.kernel (and the daemon's counters) */
  readonly key: string;
  /** enum vigil_stat */
  readonly slot: number;
  /** a rise means events or decisions are missing from the log: reported by a `loss` line */
  readonly loss: boolean;
}

export const KERNEL_COUNTERS = [
  /** records lost: the events ring was full */
  { key: 'ringbufFull', slot: STAT.VIGIL_STAT_RINGBUF_FULL, loss: true },
  /** a bpf_probe_read_* failed: a field of an event is incomplete */
  { key: 'readFail', slot: STAT.VIGIL_STAT_READ_FAIL, loss: true },
  /** processes that could not be watched: the table was full */
  { key: 'watchFull', slot: STAT.VIGIL_STAT_WATCH_FULL, loss: true },
  /** watched entries dropped because their PID had been reused */
  { key: 'staleEntry', slot: STAT.VIGIL_STAT_STALE_ENTRY, loss: true },
  /** matcher queries that named a profile with no valid table: failed closed (BLOCK) */
  { key: 'policyNoTable', slot: STAT.VIGIL_STAT_POLICY_NO_TABLE, loss: false },
  /** matcher lookups that cannot fail but did (scratch buffer, automaton row) */
  { key: 'policyLookup', slot: STAT.VIGIL_STAT_POLICY_LOOKUP, loss: false },
  /** decisions enforced but not reported one by one: the alerts ring was full */
  { key: 'alertLost', slot: STAT.VIGIL_STAT_ALERT_LOST, loss: true },
  /** signals, ptrace accesses and bpf() calls of watched processes refused by BPF-LSM */
  { key: 'selfProtect', slot: STAT.VIGIL_STAT_SELF_PROTECT, loss: false },
  /** calls decided while no daemon beat (a session's fail-closed action applied) */
  { key: 'failClosed', slot: STAT.VIGIL_STAT_FAIL_CLOSED, loss: false },
] as const satisfies readonly KernelCounterSlot[];

export type KernelCounterKey = (typeof KERNEL_COUNTERS)[number]['key'];

/** Every counter, summed over the CPUs, all time (pinned objects keep counting across daemons). */
export type KernelCounterValues = Record<KernelCounterKey, bigint>;

export type LossCounterKey = Extract<(typeof KERNEL_COUNTERS)[number], { loss: true }>['key'];
/** The counters whose rise a `loss` line reports. */
export type LossCounters = Pick<KernelCounterValues, LossCounterKey>;
export const LOSS_COUNTERS = KERNEL_COUNTERS.filter((c) => c.loss) as readonly Extract<
  (typeof KERNEL_COUNTERS)[number],
  { loss: true }
>[];

/** The counters as decimal strings: JSON has no 64-bit integers. */
export function counterStrings(values: KernelCounterValues): Record<KernelCounterKey, string> {
  const out = {} as Record<KernelCounterKey, string>;
  for (const c of KERNEL_COUNTERS) out[c.key] = values[c.key].toString();
  return out;
}
