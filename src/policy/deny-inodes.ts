// The denied-inode table of a profile: every regular file its denied path rules name, by
// (device, inode), so that the kernel still denies the file when it is opened through another
// name (a hard link made elsewhere, a bind mount, the target of a symlink kept under a denied
// tree). Path rules alone cannot: a hard link has its own path, and d_path gives that one.
//
// Enumerated at load (and reload) from the filesystem as it is then: exact patterns, the files
// under `dir/**` trees, patterns whose only wildcards are in the last component (`/etc/shadow*`),
// and patterns with wildcards in inner components (`/home/*/.ssh/**`), whose folders are listed
// one component at a time. Patterns that would walk the whole filesystem (`/**/.env`, `/**`,
// a `**` before the last component) are listed, not walked. Bounded: past VIGIL_POLICY_INODES files the rest is
// counted, and protected by path rules only. docs/kernel-matcher.md ("Denied inodes").
import { readdirSync, statSync, type BigIntStats } from 'node:fs';
import { join } from 'node:path';

import { encodeStruct } from '../wire/struct-layout.js';
import { POLICY_INODES, POLICY_RULE_NONE, PolicyInode, PolicyInodeKey } from '../wire/wire-layout.js';
import { POLICY_MAPS, type MapWrite } from './policy-maps.js';
import { emptySlot, mergeSlot, type SlotVerdict } from './slot-verdicts.js';
import { compileGlob, compilePlan } from './glob-match.js';
import { normalisePath } from './normal-path.js';
import type { GlobComponent } from './glob-parse.js';
import type { PathRule, Profile } from './profile-types.js';

export interface InodeFigures {
  /** distinct files entered in the table */
  readonly entries: number;
  /** files found past the bound: denied by their path only */
  readonly overflow: number;
  /** the walk stopped before the end (too many entries to visit): overflow is a lower bound */
  readonly walkCut: boolean;
  /** the bound, per profile */
  readonly bound: number;
  /** ids of denied path rules that cannot be enumerated (`denied_paths[12]`) */
  readonly notEnumerable: readonly string[];
}

export interface DenyInodes {
  readonly writes: readonly MapWrite[];
  readonly figures: InodeFigures;
}

export interface DenyInodeOptions {
  /** at most this many files (default VIGIL_POLICY_INODES) */
  readonly bound?: number;
  /** directory entries a walk visits at most, over every tree (default 4 x bound) */
  readonly walkLimit?: number;
}

const ACTION = { audit: 1, block: 2, kill: 3 } as const;
const PSEUDO_ROOTS = ['proc', 'sys'];
const AUDIT = 1;
/** Open accesses in slot order: read, write, read-write (what the kernel's access - 1 indexes). */
const ACCESS_OF_SLOT = [1, 2, 3] as const;

/**
 * stat(2)'s st_dev (glibc's encoding, what Node reports) as the kernel's dev_t in i_sb->s_dev:
 * MAJOR << 20 | MINOR.
 */
export function kernelDev(stDev: bigint): number {
  const major = ((stDev >> 8n) & 0xfffn) | ((stDev >> 32n) & ~0xfffn);
  const minor = (stDev & 0xffn) | ((stDev >> 12n) & ~0xffn);
  return Number(((major << 20n) | (minor & 0xfffffn)) & 0xffffffffn);
}

/**
 * How the table finds a rule's files: as enumerationSource, but never under /proc or /sys, whose
 * files cannot be hard-linked and whose inodes live and die with processes and devices: path rules
 * decide them (walking /sys alone listed some 13,000 files at each load). The read-only plan
 * still takes their folders from enumerationSource.
 */
function inodeSource(rule: PathRule): Source | undefined {
  const source = enumerationSource(rule);
  if (source === undefined) return undefined;
  const path =
    source.kind === 'name'
      ? source.path
      : source.kind === 'tree'
        ? source.root
        : source.kind === 'entries'
          ? source.dir
          : '/';
  return PSEUDO_ROOTS.includes(path.split('/')[1] ?? '') ? undefined : source;
}

function literalName(c: GlobComponent): string | null {
  if (c.type !== 'segment') return null;
  const [only, ...rest] = c.tokens;
  return only?.type === 'literal' && rest.length === 0 ? only.text : null;
}

/** How a rule's files are found: one name, a tree, a folder's entries matched by the last component. */
type Source =
  | { readonly kind: 'name'; readonly path: string }
  | { readonly kind: 'tree'; readonly root: string }
  | { readonly kind: 'entries'; readonly dir: string; readonly matches: (path: string) => boolean }
  /** wildcards in inner components: each component expanded against the folders it reaches */
  | { readonly kind: 'expand'; readonly components: readonly GlobComponent[] };

export function enumerationSource(rule: PathRule): Source | undefined {
  const plan = rule.plan;
  switch (plan.strategy) {
    case 'exact':
      return { kind: 'name', path: plan.path };
    case 'prefix':
      return plan.prefix === '/' ? undefined : { kind: 'tree', root: plan.prefix };
    case 'suffix':
    case 'contains':
      return undefined;
    case 'glob': {
      const head = plan.components.slice(0, -1).map(literalName);
      const last = plan.components[plan.components.length - 1];
      // `**` only as the last component (a tree); the first component literal (no walk of /)
      const stars = plan.components.filter((c) => c.type === 'globstar').length;
      const lastStar = last?.type === 'globstar' ? 1 : 0;
      const first = plan.components[0];
      if (stars > lastStar || first === undefined || literalName(first) === null) return undefined;
      // /proc and /sys files cannot be hard-linked, and their inodes live and die with processes
      if (PSEUDO_ROOTS.includes(literalName(first) as string)) return undefined;
      if (last?.type !== 'segment' || head.some((n) => n === null))
        return { kind: 'expand', components: plan.components };
      const matcher = compilePlan(plan);
      return {
        kind: 'entries',
        dir: '/' + (head as string[]).join('/'),
        matches: (p) => matcher.matches(normalisePath(p)),
      };
    }
  }
}

/** A rule's contribution per slot: denied when it names any right the access asks for. */
function ruleSlots(rule: PathRule, audit: boolean): (SlotVerdict | undefined)[] {
  const bits = rule.ops & 3; // opens only: unlinking a hard link removes the link, not the file
  let action: number = ACTION[rule.action as keyof typeof ACTION];
  if (audit) action = Math.min(action, AUDIT);
  return ACCESS_OF_SLOT.map((a) =>
    (a & bits) !== 0 ? { denyAction: action, denyRule: rule.index, allowRule: POLICY_RULE_NONE } : undefined,
  );
}

function statOf(path: string): BigIntStats | undefined {
  try {
    return statSync(path, { bigint: true });
  } catch {
    return undefined; // gone, unreadable, a dangling symlink: nothing to protect by inode
  }
}

function listOf(dir: string): { name: string; dir: boolean }[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).map((d) => ({ name: d.name, dir: d.isDirectory() }));
  } catch {
    return [];
  }
}

/**
 * The table entries for `profile` under `tableId`, from the filesystem as it is now. Symlinks to
 * files are followed (the file they name is denied); symlinks to folders are not walked.
 */
export function denyInodeWrites(
  profile: Profile,
  tableId: number,
  options: DenyInodeOptions = {},
): DenyInodes {
  const bound = options.bound ?? POLICY_INODES;
  const walkLimit = options.walkLimit ?? 4 * bound;
  const audit = profile.mode === 'audit';
  const files = new Map<string, { dev: number; ino: bigint; slots: SlotVerdict[] }>();
  const notEnumerable: string[] = [];
  const over = new Set<string>();
  const state = { visited: 0, walkCut: false };

  const add = (st: BigIntStats, slots: readonly (SlotVerdict | undefined)[]): void => {
    if (!st.isFile()) return;
    const dev = kernelDev(st.dev);
    const id = `${dev}:${st.ino}`;
    let f = files.get(id);
    if (f === undefined) {
      if (files.size >= bound) {
        over.add(id);
        return;
      }
      f = { dev, ino: st.ino, slots: [emptySlot(), emptySlot(), emptySlot()] };
      files.set(id, f);
    }
    slots.forEach((s, i) => {
      if (s !== undefined) mergeSlot(f.slots[i] as SlotVerdict, s);
    });
  };

  // The folders or files an inner-wildcard pattern reaches now: a component at a time.
  const expand = (components: readonly GlobComponent[]): { path: string; tree: boolean }[] => {
    let reached = ['/'];
    for (let i = 0; i < components.length; i++) {
      const c = components[i] as GlobComponent;
      if (c.type === 'globstar') return reached.map((path) => ({ path, tree: true })); // last: a tree
      const name = literalName(c);
      const next: string[] = [];
      const one = name === null ? compileGlob([c]) : undefined;
      for (const dir of reached) {
        if (name !== null) {
          next.push(join(dir, name));
          continue;
        }
        for (const e of listOf(dir)) {
          if (++state.visited > walkLimit) {
            state.walkCut = true;
            return [];
          }
          if ((i < components.length - 1 && !e.dir) || !one?.(normalisePath(join('/', e.name)))) continue;
          next.push(join(dir, e.name));
        }
      }
      reached = next;
    }
    return reached.map((path) => ({ path, tree: false }));
  };

  // Single names first (cheap, and what a profile names one by one matters most), then trees.
  const rules = profile.paths.denied.map((r) => ({ rule: r, source: inodeSource(r) }));
  for (const { rule, source } of rules) {
    if (source === undefined) notEnumerable.push(rule.id);
    if (source?.kind === 'name') {
      const st = statOf(source.path);
      if (st !== undefined) add(st, ruleSlots(rule, audit));
    } else if (source?.kind === 'entries') {
      for (const e of listOf(source.dir)) {
        const path = join(source.dir, e.name);
        if (!source.matches(path)) continue;
        const st = statOf(path);
        if (st !== undefined) add(st, ruleSlots(rule, audit));
      }
    }
  }
  const trees = rules.flatMap(({ rule, source }) => {
    if (source?.kind === 'tree') return [{ rule, root: source.root }];
    if (source?.kind !== 'expand' || state.walkCut) return [];
    return expand(source.components).flatMap((r) => {
      if (r.tree) return [{ rule, root: r.path }];
      const st = statOf(r.path);
      if (st !== undefined) add(st, ruleSlots(rule, audit));
      return [];
    });
  });
  for (const { rule, root: rootPath } of trees) {
    if (state.walkCut) continue;
    const source = { root: rootPath };
    const slots = ruleSlots(rule, audit);
    const root = statOf(source.root);
    if (root === undefined) continue;
    if (!root.isDirectory()) {
      add(root, slots);
      continue;
    }
    // Breadth first, so the files nearest the top (~/.ssh/id_rsa) go in before deep ones.
    const queue = [source.root];
    for (let i = 0; i < queue.length && !state.walkCut; i++) {
      const dir = queue[i] as string;
      for (const e of listOf(dir)) {
        if (++state.visited > walkLimit) {
          state.walkCut = true;
          break;
        }
        const path = join(dir, e.name);
        if (e.dir) {
          queue.push(path);
          continue;
        }
        const st = statOf(path);
        if (st !== undefined) add(st, slots);
      }
    }
  }

  const writes: MapWrite[] = [];
  for (const f of files.values()) {
    writes.push({
      map: POLICY_MAPS.inodes,
      key: encodeStruct(PolicyInodeKey, { table: tableId, dev: f.dev, ino: f.ino }),
      value: encodeInode(f.slots),
    });
  }
  return {
    writes,
    figures: { entries: files.size, overflow: over.size, walkCut: state.walkCut, bound, notEnumerable },
  };
}

function encodeInode(slots: readonly SlotVerdict[]): Buffer {
  const action = Buffer.alloc(3);
  const rule = Buffer.alloc(6);
  slots.forEach((s, i) => {
    action[i] = s.denyAction;
    rule.writeUInt16LE(s.denyAction === 0 ? 0 : s.denyRule, i * 2);
  });
  return encodeStruct(PolicyInode, { action, rule });
}

/** One line on the table for logs and `vigil profile validate`. */
export function describeInodes(f: InodeFigures): string {
  const parts = [`${f.entries} denied file(s) by inode`];
  if (f.overflow > 0) parts.push(`${f.overflow} more past the bound of ${f.bound}: denied by path only`);
  if (f.walkCut)
    parts.push('the walk of the denied trees stopped early: files it did not reach are denied by path only');
  if (f.notEnumerable.length > 0)
    parts.push(`not enumerable, denied by path only: ${f.notEnumerable.join(', ')}`);
  return parts.join('; ');
}

/** Whether the table leaves files it should hold to path rules alone (log it). */
export function inodesIncomplete(f: InodeFigures): boolean {
  return f.overflow > 0 || f.walkCut;
}
