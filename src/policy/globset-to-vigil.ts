// A globset glob (default options) -> vigil path patterns matching exactly the same normalised
// absolute paths. globset's `*`, `?` and classes may match `/`; vigil's never do, and its `**` is
// whole components. So each wildcard that can match `/` is split into the case without `/` and the
// case with: `*` = `[^/]*` or `[^/]*/(c/)*[^/]*`, which among normalised paths (no empty, `.` or
// `..` component) is `A*B` -> `A*B` and `A*/**/*B`. The cases multiply, then simplify
// (`P` + `P/*/**` -> `P/**`). `/` itself is matched when the glob matches it.
import { formatPattern, parsePattern, type GlobComponent, type GlobToken } from './glob-parse.js';
import { GlobsetRefusal, tokenBytes, type GsSequence } from './globset-parse.js';
import { nfaAccepts, type GlobNfa } from './globset-nfa.js';

const SLASH = 0x2f;
const DOT = 0x2e;
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** At most this many cases from the wildcards of one glob, before simplification. */
const MAX_CASES = 1024;
/** At most this many vigil patterns for one glob (each is a rule in the kernel tables). */
const MAX_PATTERNS = 64;

type Item =
  | { readonly k: 'byte'; readonly b: number }
  | { readonly k: 'slash' }
  | { readonly k: 'set'; readonly set: Uint8Array } // never holds `/` or NUL
  | { readonly k: 'star' } // `[^/]*`
  | { readonly k: 'globstar' }; // whole components, always between two slashes

const SLASH_ITEM: Item = { k: 'slash' };
const STAR_ITEM: Item = { k: 'star' };
const GLOBSTAR_ITEM: Item = { k: 'globstar' };
/** `.*` as the two cases: without `/`, and with at least one. */
const ANY_STRING: readonly (readonly Item[])[] = [
  [STAR_ITEM],
  [STAR_ITEM, SLASH_ITEM, GLOBSTAR_ITEM, SLASH_ITEM, STAR_ITEM],
];

/** The cases one token stands for. */
function cases(t: GsSequence[number]): (readonly Item[])[] {
  switch (t.type) {
    case 'literal':
      return [Array.from(utf8.encode(t.ch), (b): Item => (b === SLASH ? SLASH_ITEM : { k: 'byte', b }))];
    case 'any':
    case 'class': {
      const set = tokenBytes(t);
      const out: Item[][] = [];
      if (set[SLASH] === 1) out.push([SLASH_ITEM]);
      set[SLASH] = 0;
      set[0] = 0;
      if (set.includes(1)) out.push([{ k: 'set', set }]);
      return out;
    }
    case 'star':
      return ANY_STRING.map((c) => [...c]);
    case 'recursive-prefix': // (?:/?|.*/)
      return [[], [SLASH_ITEM], ...ANY_STRING.map((c) => [...c, SLASH_ITEM])];
    case 'recursive-suffix': // /.*
      return ANY_STRING.map((c) => [SLASH_ITEM, ...c]);
    case 'recursive-middle': // (?:/|/.*/)
      return [[SLASH_ITEM], ...ANY_STRING.map((c) => [SLASH_ITEM, ...c, SLASH_ITEM])];
  }
}

/** Every combination of cases of the sequence's tokens; `budget` is how many more may be made. */
function expand(seq: GsSequence, budget: { left: number }): Item[][] {
  let out: Item[][] = [[]];
  for (const t of seq) {
    const choices = cases(t);
    if (out.length * choices.length > budget.left) {
      throw new GlobsetRefusal(
        `its wildcards that may match '/' give more than ${MAX_CASES} cases to write as vigil patterns; split the rule`,
      );
    }
    const next: Item[][] = [];
    for (const prefix of out) for (const c of choices) next.push([...prefix, ...c]);
    out = next;
  }
  budget.left -= out.length;
  return out;
}

/**
 * One case as vigil components, or null when it matches no normalised absolute path other than
 * `/` (which is decided separately): text before the first `/` that cannot be empty, an empty
 * component (`//`, a trailing `/`), a literal `.` or `..` component.
 */
function toComponents(items: readonly Item[]): GlobComponent[] | null {
  let i = 0;
  while (items[i]?.k === 'star') i++;
  if (items[i]?.k !== 'slash') return null;
  const comps: Item[][] = [[]];
  for (const item of items.slice(i + 1)) {
    if (item.k === 'slash') comps.push([]);
    else comps[comps.length - 1]?.push(item);
  }
  const out: GlobComponent[] = [];
  for (const c of comps) {
    if (c.length === 0) return null;
    if (c[0]?.k === 'globstar') {
      out.push({ type: 'globstar' });
      continue;
    }
    const name = c.flatMap((x) => (x.k === 'byte' ? [x.b] : []));
    if (name.length === c.length && name.length <= 2 && name.every((b) => b === DOT)) return null;
    out.push({ type: 'segment', tokens: segmentTokens(c) });
  }
  return canonical(out);
}

function segmentTokens(items: readonly Item[]): GlobToken[] {
  const tokens: GlobToken[] = [];
  let run: number[] = [];
  const flush = (): void => {
    if (run.length === 0) return;
    const text = strictUtf8.decode(Uint8Array.from(run));
    run = [];
    // `${` and `$NAME` would read as variables: a `$` before them is written as the class `[$]`
    const parts = text.split(/\$(?=[{A-Za-z_])/);
    parts.forEach((part, n) => {
      if (n > 0) tokens.push({ type: 'class', negated: false, ranges: [[0x24, 0x24]] });
      if (part !== '') tokens.push({ type: 'literal', text: part });
    });
  };
  for (const item of items) {
    if (item.k === 'byte') {
      run.push(item.b);
      continue;
    }
    flush();
    // adjacent stars are one (`**` inside a component is not vigil syntax)
    if (item.k === 'star') {
      if (tokens[tokens.length - 1]?.type !== 'star') tokens.push({ type: 'star' });
    } else if (item.k === 'set') tokens.push(setToken(item.set));
  }
  flush();
  return tokens;
}

/** A byte set without `/` and NUL as vigil's `?` or a class (ASCII only, or negated). */
function setToken(set: Uint8Array): GlobToken {
  const missing: number[] = [];
  for (let b = 1; b < 256; b++) if (b !== SLASH && set[b] !== 1) missing.push(b);
  if (missing.length === 0) return { type: 'any-byte' };
  const ranges = (bytes: number[]): [number, number][] => {
    const out: [number, number][] = [];
    for (const b of bytes) {
      const last = out[out.length - 1];
      if (last !== undefined && last[1] === b - 1) last[1] = b;
      else out.push([b, b]);
    }
    return out;
  };
  if (missing.every((b) => b < 0x80)) return { type: 'class', negated: true, ranges: ranges(missing) };
  const members: number[] = [];
  for (let b = 1; b < 256; b++) if (set[b] === 1) members.push(b);
  if (members.every((b) => b < 0x80)) return { type: 'class', negated: false, ranges: ranges(members) };
  throw new GlobsetRefusal('a character class vigil cannot write (it mixes ASCII and other bytes)');
}

const isStar = (c: GlobComponent | undefined): boolean =>
  c?.type === 'segment' && c.tokens.length === 1 && c.tokens[0]?.type === 'star';

/** `**` then `*` is `*` then `**` (one or more components): the form with `**` last. */
function canonical(comps: GlobComponent[]): GlobComponent[] {
  const out = [...comps];
  for (let changed = true; changed;) {
    changed = false;
    for (let i = 0; i + 1 < out.length; i++) {
      const a = out[i];
      const b = out[i + 1];
      if (a?.type === 'globstar' && b?.type === 'globstar') {
        out.splice(i, 1);
        changed = true;
      } else if (a?.type === 'globstar' && b !== undefined && isStar(b)) {
        out[i] = b;
        out[i + 1] = a;
        changed = true;
      }
    }
  }
  return out;
}

/**
 * Whether every path `inner` matches, `outer` matches too (sound, not complete: a segment covers
 * one that is equal or any segment when it is `*`; `**` covers any run of components).
 */
function covers(outer: readonly GlobComponent[], inner: readonly GlobComponent[]): boolean {
  const memo = new Map<number, boolean>();
  const go = (i: number, j: number): boolean => {
    const k = i * (inner.length + 1) + j;
    const known = memo.get(k);
    if (known !== undefined) return known;
    const o = outer[i];
    const n = inner[j];
    let r: boolean;
    if (o === undefined) r = n === undefined;
    else if (o.type === 'globstar') r = go(i + 1, j) || (n !== undefined && go(i, j + 1));
    else {
      r =
        n?.type === 'segment' && (isStar(o) || formatPattern([o]) === formatPattern([n])) && go(i + 1, j + 1);
    }
    memo.set(k, r);
    return r;
  };
  return go(0, 0);
}

/**
 * Drops a pattern another one covers, and merges `C/T` with `C/*\/**\/T` into `C/**\/T`, until
 * nothing changes.
 */
function simplify(patterns: Map<string, GlobComponent[]>): void {
  for (let changed = true; changed;) {
    changed = false;
    for (const [key, comps] of [...patterns]) {
      for (const [otherKey, other] of patterns) {
        if (otherKey !== key && covers(other, comps)) {
          patterns.delete(key);
          changed = true;
          break;
        }
      }
    }
    for (const [key, comps] of [...patterns]) {
      if (!patterns.has(key)) continue;
      for (let i = 0; i + 1 < comps.length; i++) {
        if (!isStar(comps[i]) || comps[i + 1]?.type !== 'globstar') continue;
        const shortKey = formatPattern([...comps.slice(0, i), ...comps.slice(i + 2)]);
        if (!patterns.has(shortKey)) continue;
        const joined = canonical([...comps.slice(0, i), ...comps.slice(i + 1)]);
        patterns.delete(key);
        patterns.delete(shortKey);
        patterns.set(formatPattern(joined), joined);
        changed = true;
        break;
      }
    }
  }
}

/**
 * The vigil patterns (normalised text) matching exactly the normalised absolute paths the glob
 * matches; empty when it matches none. `nfa` is the glob's automaton (for `/`). Throws
 * GlobsetRefusal.
 */
export function globsetToVigil(sequences: readonly GsSequence[], nfa: GlobNfa): string[] {
  const patterns = new Map<string, GlobComponent[]>();
  const budget = { left: MAX_CASES };
  for (const seq of sequences) {
    for (const items of expand(seq, budget)) {
      const comps = toComponents(items);
      if (comps !== null) patterns.set(formatPattern(comps), comps);
    }
  }
  if (nfaAccepts(nfa, Uint8Array.of(SLASH))) patterns.set('/', []);
  simplify(patterns);
  const out = [...patterns.keys()];
  if (out.length > MAX_PATTERNS) {
    throw new GlobsetRefusal(
      `it takes ${out.length} vigil patterns to match the same paths (its wildcards may each match '/'); the bound is ${MAX_PATTERNS}: narrow it or split the rule`,
    );
  }
  for (const text of out) {
    // vigil must read each pattern back as written (no `.`/`..` folding, no variable)
    let back: string;
    try {
      back = formatPattern(parsePattern(text));
    } catch (e) {
      throw new GlobsetRefusal(`vigil cannot take the pattern '${text}' it becomes: ${(e as Error).message}`);
    }
    if (back !== text) throw new GlobsetRefusal(`vigil would read the pattern '${text}' as '${back}'`);
  }
  return out;
}
