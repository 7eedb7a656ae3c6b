// One observed path -> the pattern a learned rule names: the workspace and the per-run temporary
// trees become whole trees, the home directory `~`, process ids and terminal numbers `*`, and
// version and hash folders `*` (so the profile still fits after an upgrade or on the next run).
// The file name itself is kept: many files in one folder are merged later (collapse.ts).

/** Where this run's paths live, to name them by role rather than by value. */
export interface Places {
  /** the agent user's home (`~`) */
  readonly home: string;
  /** the session's working directory (`${WORKSPACE}`) */
  readonly workspace: string;
}

/** Folders whose entries are made per run with random names. */
export const TEMP_ROOTS = ['/tmp', '/var/tmp', '/dev/shm'] as const;

/** A path component written as a pattern that matches exactly that name. */
export function literalComponent(name: string): string {
  return name.replace(/[\\*?[]/g, (c) => `\\${c}`).replace(/\$/g, '[$]');
}

/** A name made to differ on every run: digits, or upper and lower case mixed (mkstemp's XXXXXX). */
export function looksRandom(name: string): boolean {
  return /\d/.test(name) || (/[a-z]/.test(name) && /[A-Z]/.test(name));
}

/** `12`, `3.11`, `1.2.3`: a folder named by a version alone. */
const VERSION_ONLY = /^v?\d+(?:\.\d+)*$/;
/** `python3.11`, `node-v20.10.0-linux-x64`: a name carrying a dotted version (major kept). */
const DOTTED_VERSION = /(\d+)\.\d+(?:\.\d+)*/;
/** a content hash or build id: 12 or more hex digits */
const HEX_RUN = /[0-9a-f]{12,}/gi;

/** A folder name as a pattern: versions and hashes become wildcards, the rest literal. */
export function folderPattern(name: string): string {
  if (VERSION_ONLY.test(name)) return '*';
  const hashed = name.split(HEX_RUN);
  if (hashed.length > 1) return hashed.map(folderPattern).join('*');
  const v = DOTTED_VERSION.exec(name);
  if (v !== null) {
    const before = name.slice(0, v.index);
    const after = name.slice(v.index + v[0].length);
    return `${literalComponent(before)}${v[1]}.*${after === '' ? '' : folderPattern(after)}`;
  }
  return literalComponent(name);
}

function under(path: string, dir: string): string | null {
  if (dir === '/' || dir === '') return null;
  if (path === dir) return '';
  return path.startsWith(`${dir}/`) ? path.slice(dir.length + 1) : null;
}

/** Components as patterns: folders generalised, a file's name kept; `ids` indexes become `*`. */
function components(
  parts: readonly string[],
  directory: boolean,
  ids: ReadonlySet<number> = new Set(),
): string {
  const last = parts.length - 1;
  return parts
    .map((c, i) => (ids.has(i) ? '*' : i === last && !directory ? literalComponent(c) : folderPattern(c)))
    .join('/');
}

/** Which components are process ids or terminal numbers: /proc/1234/task/1235, /dev/pts/3. */
function runtimeIds(parts: readonly string[]): Set<number> {
  const ids = new Set<number>();
  const num = (i: number): boolean => /^\d+$/.test(parts[i] ?? '');
  if (parts[0] === 'proc' && num(1)) {
    ids.add(1);
    if (parts[2] === 'task' && num(3)) ids.add(3);
  }
  if (parts[0] === 'dev' && parts[1] === 'pts' && num(2)) ids.add(2);
  return ids;
}

/** The pattern a learned rule uses for `path` (absolute, resolved); a folder's own name is generalised too. */
export function generalisePath(path: string, places: Places, directory = false): string {
  if (under(path, places.workspace) !== null) return '${WORKSPACE}/**';
  for (const root of TEMP_ROOTS) {
    const r = under(path, root);
    if (r === null || r === '') continue;
    const [first, ...below] = r.split('/') as [string, ...string[]];
    if (below.length === 0) return `${root}/*`;
    return looksRandom(first) ? `${root}/**` : `${root}/${literalComponent(first)}/**`;
  }
  const home = under(path, places.home);
  if (home !== null) return home === '' ? '~' : `~/${components(home.split('/'), directory)}`;
  const parts = path.split('/').filter((c) => c !== '');
  return `/${components(parts, directory, runtimeIds(parts))}`;
}
