// Reading processes from /proc: identity (with the start time that tells a reused PID from
// the original), children, and whole trees.
import { readdirSync, readFileSync } from 'node:fs';
import { SystemError } from '../errors.js';

export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  /** start time in USER_HZ ticks since boot: with the pid, a process's identity */
  startTicks: bigint;
}

/** Parses /proc/<pid>/stat; the comm may hold spaces and parentheses, so split at the last ')'. */
export function parseStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open)
    throw new SystemError('VIGIL_PROC_FORMAT', `malformed /proc stat: ${text.slice(0, 80)}`);
  const rest = text
    .slice(close + 2)
    .trim()
    .split(' ');
  // rest[0] is field 3 (state); starttime is field 22.
  const state = rest[0] ?? '?';
  const ppid = Number(rest[1]);
  const start = rest[19];
  if (start === undefined)
    throw new SystemError('VIGIL_PROC_FORMAT', `malformed /proc stat: ${text.slice(0, 80)}`);
  return {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    state,
    ppid,
    startTicks: BigInt(start),
  };
}

/** undefined when the process is gone. */
export function readStat(pid: number): ProcStat | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The child processes of every thread of `pid`. */
export function childrenOf(pid: number): number[] {
  const out = new Set<number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  for (const tid of tids) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(' ')) {
        if (c !== '') out.add(Number(c));
      }
    } catch {
      // the thread ended meanwhile
    }
  }
  return [...out];
}

/** Every process id currently on the system. */
export function allPids(): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}
