// Kernel tests declare the capability they need; `vigil doctor`'s probes decide whether this
// kernel has it. A test is skipped (reason printed) only when a probe says the capability is
// missing, never because of a guess, so the same test file runs on the host and in the VM layer.
import type { TestContext } from 'node:test';

import type { DoctorFacts, ProbeId } from '../../src/doctor/facts.js';
import { gatherFacts } from '../../src/doctor/gather-facts.js';

/** Short names for what tests usually need; each maps to the doctor probes that must pass. */
const ALIASES = {
  root: ['privileges'],
  lsm: ['lsm_active', 'lsm_file_open'],
  cgroup: ['cgroup2', 'cgroup_connect4'],
  ringbuf: ['ringbuf'],
} as const satisfies Record<string, readonly ProbeId[]>;

export type Capability = keyof typeof ALIASES | ProbeId;

let facts: Promise<DoctorFacts> | undefined;

/** The doctor's facts for this process: probed once, on first use. */
export function doctorFacts(): Promise<DoctorFacts> {
  facts ??= gatherFacts();
  return facts;
}

function probesFor(cap: Capability): readonly ProbeId[] {
  return cap in ALIASES ? ALIASES[cap as keyof typeof ALIASES] : [cap as ProbeId];
}

/** Why `facts` lack one of `caps`, or null when every probe behind them passed. */
export function missingReason(factsNow: DoctorFacts, caps: readonly Capability[]): string | null {
  for (const cap of caps) {
    for (const id of probesFor(cap)) {
      const p = factsNow.probes[id];
      if (p.status === 'ok') continue;
      const errno = p.errno === null ? '' : ` (${p.errno})`;
      const fix = p.fix === null ? '' : `; fix: ${p.fix}`;
      return `needs ${cap}: vigil doctor probe ${id} ${p.status}${errno}: ${p.detail}${fix}`;
    }
  }
  return null;
}

/**
 * Skips `t` with the doctor's reason unless every capability is present on this kernel.
 * Usage: `if (!(await requires(t, 'lsm'))) return;`
 */
export async function requires(t: TestContext, ...caps: Capability[]): Promise<boolean> {
  const reason = missingReason(await doctorFacts(), caps);
  if (reason === null) return true;
  t.skip(reason);
  return false;
}
