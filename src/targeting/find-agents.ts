// Finding agents that are already running when `vigil watch` starts: processes whose program
// basename is one of a profile's entry_comm names. An agent started through a shebang
// (`claude` is a node script) runs as its interpreter, so the script named in its command
// line counts too.
import { basename } from 'node:path';
import { readFileSync } from 'node:fs';

import { allPids, readStat } from '../system/proc-fs.js';

function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .filter((a) => a !== '');
  } catch {
    return [];
  }
}

/** The basenames a process may be known by: its comm, argv[0], and a script run by an interpreter. */
export function programNames(pid: number): string[] {
  const names = new Set<string>();
  const stat = readStat(pid);
  if (stat !== undefined) names.add(stat.comm);
  const argv = cmdline(pid);
  if (argv[0] !== undefined) names.add(basename(argv[0]));
  // `node /usr/local/bin/claude ...`, `python3 /path/agent.py`: the first non-option argument.
  const script = argv.slice(1).find((a) => !a.startsWith('-'));
  if (script !== undefined && script.includes('/')) names.add(basename(script));
  return [...names];
}

/**
 * Processes whose names include one of `entryNames`, outermost only: a matching process whose
 * ancestor also matches is part of that ancestor's tree.
 */
export function findAgents(
  entryNames: readonly string[],
  exclude: ReadonlySet<number> = new Set(),
): number[] {
  const wanted = new Set(entryNames);
  const matches = new Set<number>();
  const parent = new Map<number, number>();
  for (const pid of allPids()) {
    if (exclude.has(pid)) continue;
    const stat = readStat(pid);
    if (stat === undefined) continue;
    parent.set(pid, stat.ppid);
    if (programNames(pid).some((n) => wanted.has(n))) matches.add(pid);
  }
  return [...matches].filter((pid) => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p))
      if (matches.has(p)) return false;
    return true;
  });
}
