// The systemd units that confine an agent with vigil: an ExecStart that runs `vigil watch
// --framework NAME` or `--profile FILE` (the profile's entry_comm names the programs), or
// `vigil run ... -- CMD`. The shipped systemd/vigil.service runs only the daemon: it covers
// nothing by itself. Whether a unit is enabled is not asked; a unit file that says so counts.
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { basename, join } from 'node:path';

import { parse as parseArgs } from 'shell-quote';
import { parse as parseYaml } from 'yaml';

import type { VigilCoverage } from './types.js';

/** The folders and file names read: every unit the admin wrote, vigil's units the packages ship. */
export const UNIT_PLACES: readonly { dir: string; match: RegExp }[] = [
  { dir: '/etc/systemd/system', match: /\.service$/ },
  { dir: '/lib/systemd/system', match: /^vigil.*\.service$/ },
  { dir: '/usr/lib/systemd/system', match: /^vigil.*\.service$/ },
];

/** The ExecStart= values of a unit (a trailing backslash continues a line). */
function execStarts(text: string): string[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => /^\s*ExecStart\s*=\s*(.*)$/.exec(l)?.[1]?.trim())
    .filter((v): v is string => v !== undefined && v !== '')
    .map((v) => v.replace(/^[-@:+!]+/, ''));
}

/** The program names a profile file's entry_comm gives; none when it cannot be read. */
function profilePrograms(file: string): string[] {
  try {
    const doc: unknown = parseYaml(readFileSync(file, 'utf8'));
    const entry =
      typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>).entry_comm : undefined;
    if (typeof entry === 'string') return [entry];
    return Array.isArray(entry) ? entry.filter((e): e is string => typeof e === 'string') : [];
  } catch {
    return [];
  }
}

/** What one ExecStart covers: frameworks and program names; null when it runs no vigil session. */
export function execCovers(
  exec: string,
  readProfile: (file: string) => string[] = profilePrograms,
): string[] | null {
  const words = parseArgs(exec).filter((w): w is string => typeof w === 'string');
  const at = words.findIndex(
    (w, i) =>
      (basename(w) === 'vigil' || basename(w) === 'main.js') && ['watch', 'run'].includes(words[i + 1] ?? ''),
  );
  if (at === -1) return null;
  const verb = words[at + 1];
  const rest = words.slice(at + 2);
  const covers: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i] as string;
    if (w === '--') {
      const cmd = rest[i + 1];
      if (verb === 'run' && cmd !== undefined) covers.push(basename(cmd));
      break;
    }
    const [flag, inline] = w.includes('=')
      ? [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]
      : [w, undefined];
    const value = inline ?? rest[i + 1];
    if (flag === '--framework' && value !== undefined) covers.push(value);
    if (flag === '--profile' && value !== undefined) covers.push(...readProfile(value));
  }
  return covers;
}

/** The units under UNIT_PLACES (or `places`) that run vigil for some agent. */
export function systemdCoverage(places = UNIT_PLACES): VigilCoverage['systemdUnits'] {
  const out: VigilCoverage['systemdUnits'] = [];
  const seen = new Set<string>();
  for (const { dir, match } of places) {
    let names: string[];
    try {
      names = readdirSync(dir)
        .filter((n) => match.test(n))
        .sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const path = join(dir, name);
      let text: string;
      let real: string;
      try {
        real = realpathSync(path);
        text = readFileSync(path, 'utf8');
      } catch {
        continue;
      }
      if (seen.has(real)) continue;
      seen.add(real);
      const covers = execStarts(text).flatMap((e) => execCovers(e) ?? []);
      if (execStarts(text).some((e) => execCovers(e) !== null))
        out.push({ path, covers: [...new Set(covers)] });
    }
  }
  return out;
}
