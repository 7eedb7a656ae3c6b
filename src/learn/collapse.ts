// Many learned paths in one folder become that folder's tree: python's 140 module files are one
// `/usr/lib/python3.*/**` rule, not 140. A folder is merged once it holds COLLAPSE_AT distinct
// entries, or once it was listed and something in it opened, from the deepest up, never a top folder whose tree would be most of the system
// (`/usr/lib`, `/etc`, `~`, a process's `/proc/PID`).
import { OP_BITS } from '../policy/profile-types.js';

/** What was learned for one pattern. */
export interface Learned {
  readonly pattern: string;
  /** OP_BITS of every access seen */
  readonly ops: number;
  /** how many observed calls it covers */
  readonly count: number;
  /** how many distinct observed paths it covers */
  readonly paths: number;
  /** one observed path it covers */
  readonly example: string;
  /** a folder that was listed (opened with O_DIRECTORY) */
  readonly listed: boolean;
}

export const COLLAPSE_AT = 4;

/** Folders never merged into a tree: each holds unrelated things. */
const KEEP = new Set([
  '',
  '~',
  '~/.config',
  '~/.cache',
  '~/.local',
  '~/.local/share',
  '~/.local/state',
  '~/.local/lib',
  '/usr/lib',
  '/usr/lib64',
  '/usr/libexec',
  '/usr/local',
  '/usr/share',
  '/usr/bin',
  '/usr/sbin',
  '/var/lib',
  '/var/cache',
  '/var/log',
  '/run/user',
  '/proc/*',
  '/dev/pts',
]);

function collapsible(dir: string): boolean {
  if (KEEP.has(dir) || dir.startsWith('${WORKSPACE}')) return false;
  // `/usr`, `/etc`, `/home`: one level below the root is never a tree of its own
  return !(dir.startsWith('/') && dir.split('/').length <= 2);
}

const isTree = (p: string): boolean => p.endsWith('/**');
const treeRoot = (p: string): string => p.slice(0, -3);

function parentOf(pattern: string): string | null {
  const p = isTree(pattern) ? treeRoot(pattern) : pattern;
  const slash = p.lastIndexOf('/');
  return slash < 0 ? null : p.slice(0, slash);
}

function merge(pattern: string, parts: readonly [Learned, ...Learned[]]): Learned {
  return {
    pattern,
    ops: parts.reduce((o, l) => o | l.ops, 0),
    count: parts.reduce((n, l) => n + l.count, 0),
    paths: parts.reduce((n, l) => n + l.paths, 0),
    example: parts[0].example,
    listed: parts.some((l) => l.listed),
  };
}

/** Drops every entry a tree entry already covers, adding it to the tree's counts. */
function subsume(entries: Map<string, Learned>): boolean {
  let changed = false;
  const trees = [...entries.keys()].filter(isTree).sort((a, b) => a.length - b.length);
  for (const tree of trees) {
    const t = entries.get(tree);
    if (t === undefined) continue;
    const root = treeRoot(tree);
    const inside = [...entries.values()].filter(
      (l) => l.pattern !== tree && (l.pattern === root || l.pattern.startsWith(`${root}/`)),
    );
    if (inside.length === 0) continue;
    for (const l of inside) entries.delete(l.pattern);
    entries.set(tree, merge(tree, [t, ...inside]));
    changed = true;
  }
  return changed;
}

/** Merges folders with COLLAPSE_AT or more entries into trees, until nothing changes. */
export function collapsePaths(learned: readonly Learned[]): Learned[] {
  const entries = new Map(learned.map((l) => [l.pattern, l]));
  for (;;) {
    let changed = subsume(entries);
    const children = new Map<string, [Learned, ...Learned[]]>();
    for (const l of entries.values()) {
      const dir = parentOf(l.pattern);
      if (dir === null || !collapsible(dir)) continue;
      const list = children.get(dir);
      if (list === undefined) children.set(dir, [l]);
      else list.push(l);
    }
    for (const [dir, inside] of children) {
      // a listed folder whose entries were then opened: the next run reads whatever is there
      const self = entries.get(dir);
      if (inside.length < COLLAPSE_AT && !(self?.listed === true)) continue;
      const parts: [Learned, ...Learned[]] = self === undefined ? inside : [self, ...inside];
      for (const l of parts) entries.delete(l.pattern);
      const tree = `${dir}/**`;
      const before = entries.get(tree);
      entries.set(tree, merge(tree, before === undefined ? parts : [before, ...parts]));
      changed = true;
    }
    if (!changed) return [...entries.values()].sort((a, b) => a.pattern.localeCompare(b.pattern));
  }
}

/** The `access` a rule needs for these ops: every right seen (all four: no access key). */
export function accessOf(ops: number): readonly string[] | null {
  const names = (Object.keys(OP_BITS) as (keyof typeof OP_BITS)[]).filter((k) => (ops & OP_BITS[k]) !== 0);
  return names.length === 4 ? null : names;
}
