// What a Landlock ruleset can enforce of a profile's path rules, as path-beneath grants for the
// launcher of `vigil run` (native/launcher/landlock.c). Landlock only allows: a rule grants rights
// on an inode and everything beneath it, and whatever no rule grants is refused. So:
// - a default-deny profile becomes one grant per allowed pattern's literal prefix;
// - a denied path inside a granted tree can only be carved out by granting, instead of the tree,
//   its entries other than the denied one, folder by folder down to it (listed now, at start),
//   and only listing (READ_DIR) on those chain folders themselves. Exact for what exists now;
//   an entry created later directly inside a chain folder gets no file rights (`strict` only);
// - what cannot be listed at start (a wildcard before the last component, `/**/name`) is left to
//   the other layers (tracepoint + SIGKILL, or BPF-LSM), and the plan says so.
// A grant never covers more than the profile allows minus what is listed in `left`, and never
// less than it allows except for the chain folders' later entries (strict) documented above.
import { lstatSync, readdirSync, realpathSync, statSync, type Dirent } from 'node:fs';

import { compilePlan, type PathMatcher } from './glob-match.js';
import { normalisePath } from './normal-path.js';
import type { GlobComponent } from './glob-parse.js';
import type { PatternPlan } from './glob-classify.js';
import type { PathRule, Profile } from './profile-types.js';
import {
  FILE_RIGHTS,
  FS,
  HANDLED_RIGHTS,
  READ_RIGHTS,
  rightNames,
  rightsOf,
  type LandlockGrant,
} from './landlock-rights.js';

/** A denied pattern Landlock does not (fully) refuse: the other layers still do. */
export interface LandlockLeft {
  readonly rule: string;
  readonly pattern: string;
  readonly why: string;
}

export interface LandlockPlan {
  readonly mode: 'auto' | 'strict';
  /** false: nothing worth installing; `summary` says why */
  readonly install: boolean;
  readonly summary: string;
  readonly handled: number;
  readonly grants: readonly LandlockGrant[];
  /** folders granted only what no denied path beneath them is denied, plus listing (strict) */
  readonly chains: readonly string[];
  readonly left: readonly LandlockLeft[];
  /** grants wider than their pattern, and why */
  readonly notes: readonly string[];
}

export interface PlanOptions {
  /** --audit-only: nothing may be refused, so nothing is installed */
  readonly auditOnly?: boolean;
}

/** A denied path as Landlock sees it: a node (the path itself), a tree, or a folder's later entries. */
interface Deny {
  readonly rule: PathRule;
  readonly comps: readonly string[];
  readonly kind: 'node' | 'tree' | 'entries';
  readonly rights: number;
}

interface Walk {
  readonly carve: boolean;
  readonly out: Map<string, number>;
  readonly chains: Set<string>;
  readonly left: LandlockLeft[];
  readonly leftKeys: Set<string>;
}

export function planLandlock(
  profile: Profile,
  mode: 'auto' | 'strict',
  options: PlanOptions = {},
): LandlockPlan {
  const none = (summary: string): LandlockPlan => ({
    mode,
    install: false,
    summary,
    handled: HANDLED_RIGHTS,
    grants: [],
    chains: [],
    left: [],
    notes: [],
  });
  if (profile.mode === 'audit' || options.auditOnly === true)
    return none('audit mode refuses nothing, so no Landlock ruleset is installed');
  if (mode === 'auto' && profile.defaults.paths !== 'deny') {
    return none(
      "the default for paths is allow: Landlock could only carve denied paths out of '/', which costs entries created later (--landlock strict does); write-denied paths are made read-only instead",
    );
  }
  const walk: Walk = {
    carve: mode === 'strict',
    out: new Map(),
    chains: new Set(),
    left: [],
    leftKeys: new Set(),
  };
  const notes: string[] = [];
  // rules naming only unlink or rename: Landlock's removal rights are not handled, the hooks decide them
  const denies = profile.paths.denied
    .filter((r) => r.action !== 'audit' && rightsOf(r.ops) !== 0)
    .flatMap((r) => denyShapes(r, walk));
  for (const root of roots(profile, notes)) visitRoot(walk, root, denies);
  const grants = [...walk.out]
    .filter(([, rights]) => rights !== 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([path, rights]) => ({ path, rights }));
  const plan = {
    mode,
    handled: HANDLED_RIGHTS,
    grants,
    chains: [...walk.chains].sort(),
    left: walk.left,
    notes,
  };
  if (grants.some((g) => g.path === '/' && (g.rights & HANDLED_RIGHTS) === HANDLED_RIGHTS))
    return { ...plan, install: false, summary: 'the grants cover every path: Landlock would refuse nothing' };
  const carved = plan.chains.length === 0 ? '' : `, ${plan.chains.length} carved folder(s)`;
  const leftText = plan.left.length === 0 ? '' : `; ${plan.left.length} left to the other layers`;
  return { ...plan, install: true, summary: `${mode}: ${grants.length} rule(s)${carved}${leftText}` };
}

// --- allowed trees ---

interface Root {
  readonly comps: string[];
  rights: number;
}

function roots(profile: Profile, notes: string[]): Root[] {
  if (profile.defaults.paths !== 'deny') return [{ comps: [], rights: HANDLED_RIGHTS }];
  const byPath = new Map<string, Root>();
  for (const rule of profile.paths.allowed) {
    const prefix = literalPrefix(rule.plan);
    const near = nearestExisting(prefix);
    if (near === undefined) {
      notes.push(`${rule.id} '${rule.written}': nothing of ${prefix} exists now; not granted`);
      continue;
    }
    if (near.path !== prefix) {
      notes.push(`${rule.id} '${rule.written}': ${prefix} does not exist now; granted on ${near.path}`);
    } else if (rule.plan.strategy !== 'exact' && rule.plan.strategy !== 'prefix') {
      notes.push(`${rule.id} '${rule.written}': granted on ${prefix}, the pattern's literal part`);
    }
    const root = byPath.get(near.real) ?? { comps: components(near.real), rights: 0 };
    root.rights |= rightsOf(rule.ops);
    byPath.set(near.real, root);
  }
  return [...byPath.values()];
}

/** The pattern up to its first wildcard component: `/etc/*.conf` -> `/etc`, `/**\/x` -> `/`. */
export function literalPrefix(plan: PatternPlan): string {
  switch (plan.strategy) {
    case 'exact':
      return plan.path;
    case 'prefix':
      return plan.prefix;
    case 'suffix':
    case 'contains':
      return '/';
    case 'glob': {
      const names: string[] = [];
      for (const c of plan.components) {
        const name = literalName(c);
        if (name === null) break;
        names.push(name);
      }
      return joinPath(names);
    }
  }
}

/** `path`, or its nearest existing ancestor, with its real path (symlinks resolved). */
function nearestExisting(path: string): { path: string; real: string } | undefined {
  for (let p = path; ; p = parentOf(p)) {
    try {
      return { path: p, real: realpathSync(p) };
    } catch {
      if (p === '/') return undefined;
    }
  }
}

// --- denied paths ---

function denyShapes(rule: PathRule, walk: Walk): Deny[] {
  const rights = rightsOf(rule.ops);
  const plan = rule.plan;
  if (plan.strategy === 'exact' || plan.strategy === 'prefix') {
    const path = plan.strategy === 'exact' ? plan.path : plan.prefix;
    return literalDeny(rule, components(path), plan.strategy === 'exact' ? 'node' : 'tree', rights);
  }
  const shape = plan.strategy === 'glob' ? finalWildcard(plan.components) : undefined;
  if (shape === undefined) {
    leave(walk, rule, 'a wildcard before the last component (or /**/name) cannot be listed at start');
    return [];
  }
  const depth = realDepth(shape.parent);
  if (depth < shape.parent.length) {
    // no such folder now: whatever is created in its nearest real folder gets only chain rights
    return [{ rule, comps: shape.parent.slice(0, depth), kind: 'entries', rights }];
  }
  // Existing matches now, and the folder's later entries (which may match too).
  const matcher = compilePlan(plan);
  const out: Deny[] = [{ rule, comps: shape.parent, kind: 'entries', rights }];
  for (const name of entryNames(joinPath(shape.parent))) {
    const comps = [...shape.parent, name];
    if (matches(matcher, comps)) out.push({ rule, comps, kind: shape.kind, rights });
  }
  return out;
}

/** `/a/b/c*` (node) or `/a/b/c*\/**` (tree): literal folders, then one wildcard component. */
function finalWildcard(
  comps: readonly GlobComponent[],
): { parent: string[]; kind: 'node' | 'tree' } | undefined {
  const names: string[] = [];
  let i = 0;
  for (; i < comps.length; i++) {
    const name = literalName(comps[i]);
    if (name === null) break;
    names.push(name);
  }
  const wild = comps[i];
  if (wild?.type !== 'segment') return undefined;
  if (i === comps.length - 1) return { parent: names, kind: 'node' };
  if (i === comps.length - 2 && comps[i + 1]?.type === 'globstar') return { parent: names, kind: 'tree' };
  return undefined;
}

/**
 * The deny for a literal path: itself when it exists; else the later entries of its nearest real
 * folder (whatever is created there, the denied path included, gets only that folder's chain rights).
 */
function literalDeny(rule: PathRule, comps: string[], kind: 'node' | 'tree', rights: number): Deny[] {
  const depth = realDepth(comps);
  if (depth === comps.length) return [{ rule, comps, kind, rights }];
  if (depth === comps.length - 1 && lstatOrUndefined(joinPath(comps)) !== undefined) {
    return [{ rule, comps, kind: 'node', rights }]; // a file or symlink: nothing beneath it
  }
  return [{ rule, comps: comps.slice(0, depth), kind: 'entries', rights }];
}

/** How many leading components of `comps` are real folders (not symlinks). */
function realDepth(comps: readonly string[]): number {
  let depth = 0;
  while (depth < comps.length && isRealDir(comps.slice(0, depth + 1))) depth++;
  return depth;
}

// --- the walk ---

function visitRoot(walk: Walk, root: Root, denies: readonly Deny[]): void {
  let rights = root.rights;
  // a denied tree above the allowed one takes its rights off all of it
  for (const d of denies) {
    if (d.kind === 'tree' && d.comps.length < root.comps.length && isPrefix(d.comps, root.comps))
      rights &= ~d.rights;
  }
  const mine = denies.filter((d) => d.comps.length >= root.comps.length && isPrefix(root.comps, d.comps));
  const st = statOrUndefined(joinPath(root.comps));
  visit(walk, root.comps, st?.isDirectory() ?? false, rights, mine);
}

function visit(
  walk: Walk,
  comps: readonly string[],
  isDir: boolean,
  rights: number,
  denies: readonly Deny[],
): void {
  const path = joinPath(comps);
  const depth = comps.length;
  let r = rights;
  for (const d of denies) if (d.comps.length === depth && d.kind === 'tree') r &= ~d.rights;
  // A folder can only be opened to list it: a node deny on a folder is about READ_DIR alone.
  const nodeRights = (d: Deny) => (isDir ? ((d.rights & READ_RIGHTS) !== 0 ? FS.READ_DIR : 0) : d.rights);
  const here = denies.filter(
    (d) =>
      d.comps.length === depth &&
      d.kind !== 'tree' &&
      ((d.kind === 'node' ? nodeRights(d) : d.rights) & r) !== 0,
  );
  const below = denies.filter((d) => d.comps.length > depth && (d.rights & r) !== 0);
  if (!isDir) {
    const own = here.reduce((m, d) => m | nodeRights(d), 0);
    emit(walk, path, r & ~own & FILE_RIGHTS);
    return;
  }
  if (here.length === 0 && below.length === 0) {
    emit(walk, path, r);
    return;
  }
  if (!walk.carve) {
    emit(walk, path, r);
    for (const d of [...here, ...below]) {
      leave(
        walk,
        d.rule,
        `inside ${path}, granted ${rightNames(r).join('+')}: carving it out would cost the entries created later in its folders (--landlock strict does)`,
      );
    }
    return;
  }
  const entries = direntsOf(path);
  if (entries === undefined) {
    emit(walk, path, r);
    for (const d of [...here, ...below]) leave(walk, d.rule, `${path} cannot be listed to carve it out`);
    return;
  }
  const denied = [...here, ...below].reduce((m, d) => m | (d.kind === 'node' ? nodeRights(d) : d.rights), 0);
  const deniedHere = here.reduce((m, d) => m | (d.kind === 'node' ? nodeRights(d) : 0), 0);
  let chain = r & ~denied;
  if ((r & FS.READ_DIR) !== 0 && (deniedHere & FS.READ_DIR) === 0) chain |= FS.READ_DIR;
  emit(walk, path, chain);
  walk.chains.add(path);
  // READ_DIR is inherited: a denied folder right beneath a chain folder can still be listed
  if ((chain & FS.READ_DIR) !== 0) {
    for (const d of below) {
      const lists = d.kind === 'tree' ? d.rights & FS.READ_DIR : d.rights & READ_RIGHTS;
      if (d.comps.length === depth + 1 && d.kind !== 'entries' && lists !== 0 && isRealDir(d.comps))
        leave(
          walk,
          d.rule,
          `listing ${joinPath(d.comps)} (names only) stays possible: ${path} must stay listable`,
        );
    }
  }
  for (const e of entries) {
    if (e.isSymbolicLink()) continue; // opening through it is judged where it leads
    const sub = [...comps, e.name];
    visit(
      walk,
      sub,
      e.isDirectory(),
      r,
      below.filter((d) => d.comps[depth] === e.name),
    );
  }
}

function emit(walk: Walk, path: string, rights: number): void {
  if (rights === 0) return;
  walk.out.set(path, (walk.out.get(path) ?? 0) | rights);
}

function leave(walk: Walk, rule: PathRule, why: string): void {
  const key = `${rule.id}\0${why}`;
  if (walk.leftKeys.has(key)) return;
  walk.leftKeys.add(key);
  walk.left.push({ rule: rule.id, pattern: rule.written, why });
}

/** The plan as the launcher reads it (native/launcher/landlock-plan.c): NUL-separated fields. */
export function encodeLandlockPlan(plan: LandlockPlan): Buffer {
  const fields = ['vigil-landlock-1', plan.mode, String(plan.handled)];
  for (const g of plan.grants) fields.push(String(g.rights), g.path);
  return Buffer.from(fields.map((f) => `${f}\0`).join(''), 'utf8');
}

// --- paths and the filesystem ---

function literalName(c: GlobComponent | undefined): string | null {
  if (c?.type !== 'segment') return null;
  const [only, ...rest] = c.tokens;
  return only?.type === 'literal' && rest.length === 0 ? only.text : null;
}

function components(path: string): string[] {
  return path.split('/').filter((c) => c !== '');
}

function joinPath(comps: readonly string[]): string {
  return comps.length === 0 ? '/' : `/${comps.join('/')}`;
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

function isPrefix(prefix: readonly string[], comps: readonly string[]): boolean {
  return prefix.every((c, i) => comps[i] === c);
}

function matches(matcher: PathMatcher, comps: readonly string[]): boolean {
  return matcher.matches(normalisePath(joinPath(comps)));
}

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function statOrUndefined(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** A folder that is not a symlink (what Landlock's rule and the kernel's resolved path agree on). */
function isRealDir(comps: readonly string[]): boolean {
  return lstatOrUndefined(joinPath(comps))?.isDirectory() ?? false;
}

function direntsOf(path: string): Dirent[] | undefined {
  try {
    return readdirSync(path, { withFileTypes: true });
  } catch {
    return undefined;
  }
}

function entryNames(path: string): string[] {
  return (direntsOf(path) ?? []).map((e) => e.name);
}
