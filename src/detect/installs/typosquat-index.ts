// Finds the popular package an unknown name imitates. Built once per ecosystem from its shipped
// list: a set of every listed name (a listed name is never a typosquat), and over the names worth
// imitating (the targets) a symmetric-delete index for one edit, length buckets of the long names
// for two edits, and maps by look-alike skeleton, by separator-free form, by the name less a
// common prefix or suffix, and (npm) by scope.
import type { Ecosystem } from './install-command.js';
import { deletions, editDistance, hasNonAscii, sepless, skeleton } from './name-similarity.js';
import { popularList } from './popular-lists.js';
import { normalizePypiName } from './python-spec.js';

export interface Impersonation {
  code: 'typosquat' | 'homoglyph' | 'separator_confusion' | 'scope_confusion' | 'affix_addition';
  /** the popular name imitated */
  target: string;
  /** the target's place in its list (0 = most used) */
  rank: number;
  /** the edit distance, for a typosquat */
  distance: number;
  detail: string;
}

interface Target {
  name: string;
  key: string;
  rank: number;
}

interface Index {
  known: Set<string>;
  bySkeleton: Map<string, Target>;
  bySepless: Map<string, Target>;
  /** a target less one of the ecosystem's prefixes or suffixes -> the target (dateutil -> python-dateutil) */
  byStripped: Map<string, Target>;
  byKey: Map<string, Target>;
  deletes: Map<string, Target[]>;
  /** long top targets by key length, for the two-edit scan */
  longByLength: Map<number, Target[]>;
  /** npm: scopes of listed names (an owned scope cannot be squatted inside) */
  scopes: Set<string>;
  /** npm: `types-node`, `typesnode`, `@types-node` -> @types/node */
  scopeVariants: Map<string, Target>;
  /** go: host/repo -> the listed modules of that repository name */
  byRepo: Map<string, Target[]>;
}

/** the names a package's ecosystem treats as one: how listed and asked names are compared */
export function nameKey(ecosystem: Ecosystem, name: string): string {
  switch (ecosystem) {
    case 'pypi':
      return normalizePypiName(name);
    case 'cargo':
      return name.toLowerCase().replace(/_/g, '-');
    case 'go':
      return goModuleRoot(name.toLowerCase());
    default:
      return name.toLowerCase();
  }
}

/** github.com/u/r/cmd/x/v2 -> github.com/u/r; golang.org/x/tools/cmd/goimports -> golang.org/x/tools */
export function goModuleRoot(path: string): string {
  const parts = path.split('/');
  const host = parts[0] ?? '';
  const keep = host === 'gopkg.in' ? 2 : host.includes('.') ? 3 : parts.length;
  return parts
    .slice(0, keep)
    .filter((p, i) => i < 2 || !/^v\d+$/.test(p))
    .join('/');
}

/** how many listed names are worth imitating (the rest only count as known names) */
const TARGETS: Record<Ecosystem, number> = {
  npm: 5000,
  pypi: 4000,
  cargo: 1500,
  go: 1000,
  rubygems: 800,
  debian: 3000,
};
/** targets above this rank make an imitation high rather than medium */
export const TOP_RANK = 1000;

const PREFIXES: Record<Ecosystem, readonly string[]> = {
  npm: ['node-', 'nodejs-', 'node.', 'node', 'js-'],
  pypi: ['python3-', 'python-', 'py-', 'python', 'py'],
  cargo: ['rust-', 'rust'],
  rubygems: ['ruby-'],
  go: [],
  debian: [],
};
const SUFFIXES: Record<Ecosystem, readonly string[]> = {
  npm: ['.js', '-js', 'js', '-node', '.node'],
  pypi: ['-python', '-python3', '-py', 'py', '3', '2', '-lib'],
  cargo: ['-rs', '-rust', 'rs'],
  rubygems: ['-ruby', '-rb', '.rb'],
  go: [],
  debian: [],
};

function strippedForms(ecosystem: Ecosystem, key: string): string[] {
  const out: string[] = [];
  for (const p of PREFIXES[ecosystem]) if (key.startsWith(p)) out.push(key.slice(p.length));
  for (const s of SUFFIXES[ecosystem]) if (key.endsWith(s)) out.push(key.slice(0, -s.length));
  return out.filter((s) => s.length >= 2 && /^[a-z0-9@]/.test(s));
}

function putFirst<K, V>(map: Map<K, V>, key: K, value: V): void {
  if (!map.has(key)) map.set(key, value);
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function buildIndex(ecosystem: Ecosystem): Index {
  const list = popularList(ecosystem);
  const index: Index = {
    known: new Set(),
    bySkeleton: new Map(),
    bySepless: new Map(),
    byStripped: new Map(),
    byKey: new Map(),
    deletes: new Map(),
    longByLength: new Map(),
    scopes: new Set(),
    scopeVariants: new Map(),
    byRepo: new Map(),
  };
  // a name's rank is its best place in either ranking (npm has two: downloads, dependents)
  const ranks = new Map<string, number>();
  for (const names of [list.names, list.by_dependents ?? []]) {
    names.forEach((name, i) => {
      ranks.set(name, Math.min(i, ranks.get(name) ?? i));
    });
  }
  const ranked = [...ranks].sort((a, b) => a[1] - b[1]);
  for (const [name, rank] of ranked) {
    const key = nameKey(ecosystem, name);
    index.known.add(key);
    if (ecosystem === 'npm' && key.startsWith('@')) index.scopes.add(key.slice(0, key.indexOf('/')));
    // look-alike and separator twins are telling even of a less used name: every listed name counts
    const t: Target = { name, key, rank };
    putFirst(index.bySkeleton, skeleton(key), t);
    putFirst(index.bySepless, sepless(key), t);
  }
  for (const [name, rank] of ranked) {
    if (rank >= TARGETS[ecosystem]) break;
    const key = nameKey(ecosystem, name);
    const t: Target = { name, key, rank };
    if (index.byKey.has(key)) continue;
    index.byKey.set(key, t);
    // the other way round only a dropped version digit reads as a trick (urllib for urllib3);
    // a dropped python- or node- leaves a plain word that other packages rightly use
    if (ecosystem === 'pypi' && /[a-z]{5,}[23]$/.test(key)) putFirst(index.byStripped, key.slice(0, -1), t);
    if (ecosystem === 'go') {
      const parts = key.split('/');
      const repoKey = `${parts[0] ?? ''}/${parts[parts.length - 1] ?? ''}`;
      pushTo(index.byRepo, repoKey, t);
      continue;
    }
    if (key.length >= 4 && !key.startsWith('@')) {
      for (const d of deletions(key)) pushTo(index.deletes, d, t);
    }
    if (key.length >= 10 && t.rank < TOP_RANK) {
      pushTo(index.longByLength, key.length, t);
    }
    if (ecosystem === 'npm' && key.startsWith('@') && key.includes('/')) {
      const [scope, bare] = key.slice(1).split('/') as [string, string];
      for (const v of [`${scope}-${bare}`, `${scope}${bare}`, `${scope}.${bare}`, `${scope}_${bare}`]) {
        putFirst(index.scopeVariants, v, t);
        putFirst(index.scopeVariants, `@${v}`, t);
      }
    }
  }
  // a stripped form that is itself a listed name is that package, not an imitation
  for (const k of index.byStripped.keys()) if (index.known.has(k)) index.byStripped.delete(k);
  return index;
}

const indexes = new Map<Ecosystem, Index>();

function indexOf(ecosystem: Ecosystem): Index {
  let index = indexes.get(ecosystem);
  if (index === undefined) {
    index = buildIndex(ecosystem);
    indexes.set(ecosystem, index);
  }
  return index;
}

/** whether a name (in its ecosystem's key form) is on the shipped list */
export function isPopular(ecosystem: Ecosystem, name: string): boolean {
  return indexOf(ecosystem).known.has(nameKey(ecosystem, name));
}

function found(code: Impersonation['code'], t: Target, detail: string, distance = 0): Impersonation {
  return { code, target: t.name, rank: t.rank, distance, detail };
}

/**
 * The greatest edit distance still read as a typo: none under 5 letters, and between 5 and 7
 * letters only against the top names (short names sit one edit from many others by chance).
 */
function maxDistance(a: number, b: number, rank: number): number {
  const shorter = Math.min(a, b);
  if (shorter < 5) return 0;
  if (shorter < 8 && rank >= TOP_RANK) return 0;
  return 1;
}

function onlyDigitsDiffer(a: string, b: string): boolean {
  return a.replace(/[\d.]/g, '') === b.replace(/[\d.]/g, '');
}

function closest(ecosystem: Ecosystem, index: Index, key: string): { t: Target; d: number } | undefined {
  let best: { t: Target; d: number } | undefined;
  const consider = (t: Target, d: number) => {
    if (t.key === key) return;
    if (ecosystem === 'debian' && onlyDigitsDiffer(t.key, key)) return;
    if (best === undefined || d < best.d || (d === best.d && t.rank < best.t.rank)) best = { t, d };
  };
  for (const del of deletions(key)) {
    for (const t of index.deletes.get(del) ?? []) {
      const max = maxDistance(key.length, t.key.length, t.rank);
      if (max === 0) continue;
      const d = editDistance(key, t.key, max);
      if (d <= max) consider(t, d);
    }
  }
  if (best === undefined && key.length >= 10) {
    for (let len = key.length - 2; len <= key.length + 2; len++) {
      for (const t of index.longByLength.get(len) ?? []) {
        const d = editDistance(key, t.key, 2);
        if (d <= 2) consider(t, d);
      }
    }
  }
  return best;
}

function npmScope(ecosystem: Ecosystem, index: Index, key: string): Impersonation | undefined {
  if (ecosystem !== 'npm') return undefined;
  const variant = index.scopeVariants.get(key);
  if (variant !== undefined) {
    return found(
      'scope_confusion',
      variant,
      `'${key}' spells the scoped package ${variant.name} without its scope`,
    );
  }
  if (!key.startsWith('@') || !key.includes('/')) return undefined;
  const scope = key.slice(0, key.indexOf('/'));
  const bare = key.slice(key.indexOf('/') + 1);
  if (index.scopes.has(scope)) return undefined;
  // a scope one edit from a popular one (two for long scopes) imitates it when the package name
  // is one that scope publishes too, or when only separators differ, or when the scope is long
  let best: { scope: string; d: number } | undefined;
  for (const s of index.scopes) {
    if (s.length < 6) continue;
    const max = s.length >= 14 ? 2 : 1;
    const d = editDistance(sepless(scope), sepless(s), max);
    if (d > max) continue;
    const telling = d === 0 || s.length >= 14 || index.known.has(`${s}/${bare}`);
    if (telling && (best === undefined || d < best.d)) best = { scope: s, d };
  }
  if (best === undefined) return undefined;
  const same = index.byKey.get(`${best.scope}/${bare}`);
  const t: Target = same ?? { name: best.scope, key: best.scope, rank: Number.MAX_SAFE_INTEGER };
  if (same === undefined) {
    // the rank of the scope: its best-ranked package
    for (const v of index.byKey.values())
      if (v.key.startsWith(`${best.scope}/`) && v.rank < t.rank) t.rank = v.rank;
  }
  return found('scope_confusion', t, `scope ${scope} imitates the scope ${best.scope}`);
}

function goImpersonation(index: Index, key: string): Impersonation | undefined {
  const parts = key.split('/');
  if (parts.length < 3) return undefined;
  const owner = parts[1] as string;
  const repoKey = `${parts[0] ?? ''}/${parts[parts.length - 1] ?? ''}`;
  for (const t of index.byRepo.get(repoKey) ?? []) {
    const theirs = t.key.split('/')[1] ?? '';
    if (theirs === owner) continue;
    const affix = [
      theirs + '-go',
      'go-' + theirs,
      theirs + 'go',
      theirs + '-golang',
      'golang-' + theirs,
      theirs + 'hq',
      theirs + '-dev',
    ];
    const max = Math.min(owner.length, theirs.length) >= 6 ? 2 : 1;
    if (
      affix.includes(owner) ||
      sepless(owner) === sepless(theirs) ||
      editDistance(owner, theirs, max) <= max
    ) {
      return found('typosquat', t, `the repository ${key} imitates ${t.name} under the owner '${owner}'`);
    }
  }
  return undefined;
}

/**
 * The popular package an unlisted name imitates, or undefined. `raw` is the name as typed (its
 * case shows a capital I standing for l).
 */
export function findImpersonation(
  ecosystem: Ecosystem,
  name: string,
  raw: string = name,
): Impersonation | undefined {
  const index = indexOf(ecosystem);
  const key = nameKey(ecosystem, name);
  if (index.known.has(key)) return undefined;
  if (ecosystem === 'npm' && key.startsWith('@') && index.scopes.has(key.slice(0, key.indexOf('/'))))
    return undefined;

  const look = skeleton(nameKey(ecosystem, raw) === key ? raw : name);
  const twin = index.bySkeleton.get(ecosystem === 'go' ? look : nameKey(ecosystem, look));
  if (twin !== undefined && twin.key !== key) {
    return found('homoglyph', twin, `'${raw}' looks like ${twin.name} (look-alike letters)`);
  }
  if (hasNonAscii(raw)) {
    return {
      code: 'homoglyph',
      target: '',
      rank: Number.MAX_SAFE_INTEGER,
      distance: 0,
      detail: `'${raw}' has letters outside ASCII, which registries' names avoid`,
    };
  }
  if (ecosystem === 'go') return goImpersonation(index, key);

  const joined = index.bySepless.get(sepless(key));
  if (joined !== undefined && joined.key !== key) {
    return found('separator_confusion', joined, `'${key}' is ${joined.name} with its separators changed`);
  }
  const scope = npmScope(ecosystem, index, key);
  if (scope !== undefined) return scope;
  for (const s of strippedForms(ecosystem, key)) {
    const t = index.byKey.get(s) ?? index.bySepless.get(sepless(s));
    if (t !== undefined)
      return found('affix_addition', t, `'${key}' is ${t.name} with a prefix or suffix added`);
  }
  const shortened = index.byStripped.get(key);
  if (shortened !== undefined) {
    return found(
      'affix_addition',
      shortened,
      `'${key}' is ${shortened.name} with a prefix or suffix taken off`,
    );
  }
  const near = closest(ecosystem, index, key);
  if (near !== undefined) {
    return found(
      'typosquat',
      near.t,
      `'${key}' is ${near.d} edit${near.d === 1 ? '' : 's'} from ${near.t.name}`,
      near.d,
    );
  }
  return undefined;
}
