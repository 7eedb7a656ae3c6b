// Where the daemon's start-up goes in the kernel: each program of an object loaded alone (so
// the verifier's time for it, plus the object's maps), and the maps alone. Sums to about one
// load of the whole object; the report puts it beside Daemon.start.
import { BpfObject } from '../bridge/bpf-object.js';

export interface ProgramLoad {
  object: string;
  program: string;
  /** load time with only this program selected, maps included; -1: refused */
  ms: number;
}

function timedLoad(path: string, programs: string[]): number {
  const o = BpfObject.open(path);
  try {
    o.selectPrograms(programs);
    const t = performance.now();
    try {
      o.load();
    } catch {
      return -1;
    }
    return performance.now() - t;
  } finally {
    o.close();
  }
}

/** Median of `reps` timed loads per program, and of the maps alone (program '(maps only)'). */
export function programLoadTimes(object: string, path: string, reps: number): ProgramLoad[] {
  const opened = BpfObject.open(path);
  const names = opened.programs().map((p) => p.name);
  opened.close();
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;
  const out: ProgramLoad[] = [];
  for (const [program, sel] of [
    ['(maps only)', []] as [string, string[]],
    ...names.map((n) => [n, [n]] as [string, string[]]),
  ]) {
    const runs = Array.from({ length: reps }, () => timedLoad(path, sel));
    out.push({ object, program, ms: runs.includes(-1) ? -1 : med(runs) });
  }
  return out;
}
