// Path patterns: parsing, normalisation, classification into kernel strategies, and matching.
// Everything works on UTF-8 bytes because Linux paths are byte strings and the kernel matcher
// compares bytes; docs/matching.md is the contract this file implements.
import { detailError } from '../errors.js';

/**
 * Longest normalised path, in bytes, the kernel matcher reads. bpf_d_path() fills a PATH_MAX (4096)
 * buffer including the terminating NUL, so 4095 bytes is every path the kernel can name; a longer
 * one makes d_path fail with ENAMETOOLONG and the hook learns nothing about it. Such paths are
 * decided by the over-bound rule (see evaluate.ts), identically here and in the kernel.
 */
export const PATH_BOUND_BYTES = 4095;

/** Longest single path component Linux allows (NAME_MAX); bounds what `*` can match. */
export const NAME_MAX_BYTES = 255;

/** A token inside one path component. Plain data: the kernel compiler builds its automaton from it. */
export type GlobToken =
  | { readonly type: 'literal'; readonly text: string }
  | { readonly type: 'any-byte' } // `?`: exactly one byte
  | { readonly type: 'star' } // `*`: zero or more bytes, never `/`
  | {
      readonly type: 'class';
      readonly negated: boolean;
      // Inclusive byte ranges (ASCII only); a negated class matches any other byte except `/`.
      readonly ranges: readonly (readonly [number, number])[];
    };

export type GlobComponent =
  | { readonly type: 'globstar' } // `**` as a whole component: zero or more components
  | { readonly type: 'segment'; readonly tokens: readonly GlobToken[] };

/**
 * How the kernel will match a pattern (plain data, consumed by the kernel table compiler):
 * - exact:  the path equals `path` (hash lookup);
 * - prefix: the path equals `prefix` or continues it with `/` (`/dir/**`; `/` matches all);
 * - suffix: the path ends with `suffix`, which starts with `/` (`/**\/name`; reversed-LPM);
 * - glob:   anything else, matched by an automaton over `components`.
 * `pattern` is the normalised pattern text. `overBound` says whether the pattern can match a path
 * longer than PATH_BOUND_BYTES, which the over-bound rule needs.
 */
export type PatternPlan =
  | { readonly strategy: 'exact'; readonly pattern: string; readonly path: string; readonly overBound: false }
  | {
      readonly strategy: 'prefix';
      readonly pattern: string;
      readonly prefix: string;
      readonly overBound: true;
    }
  | {
      readonly strategy: 'suffix';
      readonly pattern: string;
      readonly suffix: string;
      readonly overBound: true;
    }
  | {
      readonly strategy: 'glob';
      readonly pattern: string;
      readonly components: readonly GlobComponent[];
      readonly minBytes: number;
      // null when unbounded (the pattern has `**`)
      readonly maxBytes: number | null;
      readonly overBound: boolean;
    };

/** Raised for a pattern the matcher cannot take; the loader adds file:line:column. */
export class PatternSyntaxError extends detailError('VIGIL_PROFILE_PATTERN') {
  constructor(message: string) {
    super(message);
    this.name = 'PatternSyntaxError';
  }
}

const SLASH = 0x2f;
const DOT = 0x2e;
const utf8 = new TextEncoder();

// ---------------------------------------------------------------------------------------------
// Paths

/** An absolute, normalised path as bytes, with the byte offsets of its components. */
export interface NormalPath {
  readonly bytes: Uint8Array; // `/` for the root, else `/c1/c2/...` without a trailing slash
  readonly starts: readonly number[];
  readonly ends: readonly number[];
}

/**
 * Normalises an absolute path lexically: `//` collapses, `.` goes, `..` removes the previous
 * component (and stays at the root), a trailing `/` goes. No symlink is read: the kernel hands the
 * hooks resolved paths, so only spelling differs. Throws TypeError on a relative path or a NUL byte.
 */
export function normalisePath(input: string | Uint8Array): NormalPath {
  const raw = typeof input === 'string' ? utf8.encode(input) : input;
  if (raw[0] !== SLASH) throw new TypeError(`path must be absolute: ${show(raw)}`);
  const kept: [number, number][] = [];
  let i = 0;
  while (i < raw.length) {
    while (i < raw.length && raw[i] === SLASH) i++;
    const start = i;
    while (i < raw.length && raw[i] !== SLASH) {
      if (raw[i] === 0) throw new TypeError(`path contains a NUL byte: ${show(raw)}`);
      i++;
    }
    const len = i - start;
    if (len === 0 || (len === 1 && raw[start] === DOT)) continue;
    if (len === 2 && raw[start] === DOT && raw[start + 1] === DOT) {
      kept.pop();
      continue;
    }
    kept.push([start, i]);
  }
  if (kept.length === 0) return { bytes: Uint8Array.of(SLASH), starts: [], ends: [] };
  let size = 0;
  for (const [s, e] of kept) size += 1 + e - s;
  const bytes = new Uint8Array(size);
  const starts: number[] = [];
  const ends: number[] = [];
  let at = 0;
  for (const [s, e] of kept) {
    bytes[at++] = SLASH;
    starts.push(at);
    bytes.set(raw.subarray(s, e), at);
    at += e - s;
    ends.push(at);
  }
  return { bytes, starts, ends };
}

function show(bytes: Uint8Array): string {
  return JSON.stringify(Buffer.from(bytes).toString('utf8'));
}

// ---------------------------------------------------------------------------------------------
// Parsing

interface RawComponent {
  readonly component: GlobComponent;
  readonly literal: string | null; // the name when the component has no wildcard
}

/**
 * Parses an absolute pattern (variables already expanded) into normalised components.
 * Throws PatternSyntaxError naming the problem.
 */
export function parsePattern(pattern: string): GlobComponent[] {
  if (pattern.length === 0) throw new PatternSyntaxError('empty pattern');
  if (pattern.includes('\0')) throw new PatternSyntaxError('pattern contains a NUL character');
  if (!pattern.startsWith('/')) {
    const hint = pattern.startsWith('**/') ? ` (did you mean '/${pattern}'?)` : '';
    throw new PatternSyntaxError(`pattern must be an absolute path${hint}`);
  }
  if (pattern.length > 1 && pattern.endsWith('/')) {
    // `/dir/` reads as "the folder and its contents" to many people but would match the folder
    // alone; refusing it avoids a silently weaker deny rule.
    const base = pattern.replace(/\/+$/, '');
    throw new PatternSyntaxError(
      `pattern ends with '/': write '${base}/**' for the folder and everything in it, or '${base || '/'}' for the folder alone`,
    );
  }
  const out: RawComponent[] = [];
  for (const text of splitComponents(pattern)) {
    if (text === '') continue;
    const parsed = parseComponent(text);
    if (parsed.literal === '.') continue;
    if (parsed.literal === '..') {
      const prev = out[out.length - 1];
      if (prev !== undefined && prev.literal === null) {
        throw new PatternSyntaxError(`'..' after the wildcard component '${text}' has no lexical meaning`);
      }
      out.pop();
      continue;
    }
    const last = out[out.length - 1];
    // `**/**` is the same as `**`; keeping one keeps the matcher and the classes simple.
    if (parsed.component.type === 'globstar' && last?.component.type === 'globstar') continue;
    out.push(parsed);
  }
  return out.map((c) => c.component);
}

/** Splits on `/`, keeping escapes and classes intact so `[/]` can be reported. */
function splitComponents(pattern: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern.charAt(i);
    if (ch === '\\' && i + 1 < pattern.length) {
      if (pattern.charAt(i + 1) === '/') throw new PatternSyntaxError("'/' cannot be escaped");
      cur += ch + pattern.charAt(i + 1);
      i++;
    } else if (ch === '/') {
      parts.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  parts.push(cur);
  return parts;
}

function parseComponent(text: string): RawComponent {
  if (text === '**') return { component: { type: 'globstar' }, literal: null };
  const tokens: GlobToken[] = [];
  let lit = '';
  const push = (t: GlobToken): void => {
    if (lit !== '') tokens.push({ type: 'literal', text: lit });
    lit = '';
    // Adjacent stars are one star.
    if (t.type !== 'star' || tokens[tokens.length - 1]?.type !== 'star') tokens.push(t);
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i);
    if (ch === '\\') {
      if (i + 1 >= text.length) throw new PatternSyntaxError(`'\\' at the end of component '${text}'`);
      lit += text.charAt(++i);
    } else if (ch === '*') {
      if (text.charAt(i + 1) === '*') {
        throw new PatternSyntaxError(`'**' must be a whole path component, not part of '${text}'`);
      }
      push({ type: 'star' });
    } else if (ch === '?') {
      push({ type: 'any-byte' });
    } else if (ch === '[') {
      const { token, next } = parseClass(text, i);
      push(token);
      i = next - 1;
    } else {
      lit += ch;
    }
  }
  if (lit !== '') tokens.push({ type: 'literal', text: lit });
  const wild = tokens.some((t) => t.type !== 'literal');
  return { component: { type: 'segment', tokens }, literal: wild ? null : lit };
}

function parseClass(text: string, open: number): { token: GlobToken; next: number } {
  let i = open + 1;
  let negated = false;
  if (text.charAt(i) === '!' || text.charAt(i) === '^') {
    negated = true;
    i++;
  }
  const members: number[] = [];
  const ranges: [number, number][] = [];
  let first = true;
  for (;;) {
    if (i >= text.length) throw new PatternSyntaxError(`unclosed character class in '${text}'`);
    let ch = text.charAt(i);
    if (ch === ']' && !first) break;
    first = false;
    if (ch === '\\') {
      i++;
      if (i >= text.length) throw new PatternSyntaxError(`unclosed character class in '${text}'`);
      ch = text.charAt(i);
    }
    const lo = classByte(ch, text);
    if (text.charAt(i + 1) === '-' && i + 2 < text.length && text.charAt(i + 2) !== ']') {
      let hiCh = text.charAt(i + 2);
      let skip = 3;
      if (hiCh === '\\') {
        hiCh = text.charAt(i + 3);
        skip = 4;
      }
      const hi = classByte(hiCh, text);
      if (hi < lo) throw new PatternSyntaxError(`reversed range '${ch}-${hiCh}' in '${text}'`);
      ranges.push([lo, hi]);
      i += skip;
      continue;
    }
    members.push(lo);
    i++;
  }
  for (const m of members) ranges.push([m, m]);
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return { token: { type: 'class', negated, ranges: mergeRanges(ranges) }, next: i + 1 };
}

function classByte(ch: string, text: string): number {
  const code = ch.charCodeAt(0);
  // Bytes of a multi-byte UTF-8 character cannot be listed one by one meaningfully.
  if (ch === '' || code > 0x7f) {
    throw new PatternSyntaxError(`character classes may only list ASCII characters, in '${text}'`);
  }
  if (code === SLASH) throw new PatternSyntaxError(`'/' cannot appear in a character class, in '${text}'`);
  return code;
}

function mergeRanges(sorted: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Formatting and classification

/** The normalised pattern text, with escapes where a literal needs them. */
export function formatPattern(components: readonly GlobComponent[]): string {
  if (components.length === 0) return '/';
  return components.map((c) => '/' + formatComponent(c)).join('');
}

function formatComponent(c: GlobComponent): string {
  if (c.type === 'globstar') return '**';
  return c.tokens
    .map((t) => {
      switch (t.type) {
        case 'literal':
          return t.text.replace(/[\\*?[]/g, '\\$&');
        case 'any-byte':
          return '?';
        case 'star':
          return '*';
        case 'class': {
          const body = t.ranges
            .map(([lo, hi]) => (lo === hi ? classChar(lo) : `${classChar(lo)}-${classChar(hi)}`))
            .join('');
          return `[${t.negated ? '!' : ''}${body}]`;
        }
      }
    })
    .join('');
}

function classChar(code: number): string {
  const ch = String.fromCharCode(code);
  return /[\\\]\-!^]/.test(ch) ? '\\' + ch : ch;
}

function literalName(c: GlobComponent): string | null {
  if (c.type !== 'segment') return null;
  const [only, ...rest] = c.tokens;
  return only?.type === 'literal' && rest.length === 0 ? only.text : null;
}

function segmentBytes(c: GlobComponent): { min: number; max: number } {
  if (c.type === 'globstar') return { min: 0, max: Infinity };
  let min = 0;
  let star = false;
  for (const t of c.tokens) {
    if (t.type === 'literal') min += utf8.encode(t.text).length;
    else if (t.type === 'star') star = true;
    else min += 1;
  }
  return { min, max: star ? Math.max(min, NAME_MAX_BYTES) : min };
}

/** Picks the kernel strategy for a parsed pattern. */
export function classifyPattern(components: readonly GlobComponent[]): PatternPlan {
  const pattern = formatPattern(components);
  const names = components.map(literalName);
  const allLiteral = names.every((n) => n !== null);
  const joined = (list: readonly (string | null)[]): string => list.map((n) => '/' + (n ?? '')).join('');
  if (allLiteral) {
    return {
      strategy: 'exact',
      pattern,
      path: components.length === 0 ? '/' : joined(names),
      overBound: false,
    };
  }
  const last = components[components.length - 1];
  const head = names.slice(0, -1);
  if (last?.type === 'globstar' && head.every((n) => n !== null)) {
    return { strategy: 'prefix', pattern, prefix: head.length === 0 ? '/' : joined(head), overBound: true };
  }
  const tail = names.slice(1);
  if (components[0]?.type === 'globstar' && tail.length > 0 && tail.every((n) => n !== null)) {
    return { strategy: 'suffix', pattern, suffix: joined(tail), overBound: true };
  }
  let min = 0;
  let max = 0;
  for (const c of components) {
    const b = segmentBytes(c);
    min += c.type === 'globstar' ? 0 : 1 + b.min;
    max += c.type === 'globstar' ? Infinity : 1 + b.max;
  }
  const maxBytes = Number.isFinite(max) ? max : null;
  return {
    strategy: 'glob',
    pattern,
    components,
    minBytes: Math.max(min, 1),
    maxBytes,
    overBound: maxBytes === null || maxBytes > PATH_BOUND_BYTES,
  };
}

/** Byte length of the shortest path an exact or glob plan can match; longer than the bound is refused. */
export function planMinBytes(plan: PatternPlan): number {
  switch (plan.strategy) {
    case 'exact':
      return utf8.encode(plan.path).length;
    case 'prefix':
      return utf8.encode(plan.prefix).length;
    case 'suffix':
      return utf8.encode(plan.suffix).length;
    case 'glob':
      return plan.minBytes;
  }
}

// ---------------------------------------------------------------------------------------------
// Matching

/** A compiled pattern; `matches` takes a path already normalised and within the bound. */
export interface PathMatcher {
  readonly plan: PatternPlan;
  readonly matches: (path: NormalPath) => boolean;
}

const OP_ANY = -1;
const OP_STAR = -2;
const OP_CLASS = -10; // OP_CLASS - k refers to classes[k]

interface CompiledSegment {
  readonly ops: Int32Array;
  readonly classes: readonly Uint8Array[];
}

function compileSegment(tokens: readonly GlobToken[]): CompiledSegment {
  const ops: number[] = [];
  const classes: Uint8Array[] = [];
  for (const t of tokens) {
    if (t.type === 'literal') for (const b of utf8.encode(t.text)) ops.push(b);
    else if (t.type === 'any-byte') ops.push(OP_ANY);
    else if (t.type === 'star') ops.push(OP_STAR);
    else {
      const set = new Uint8Array(256);
      for (const [lo, hi] of t.ranges) set.fill(1, lo, hi + 1);
      if (t.negated) for (let b = 0; b < 256; b++) set[b] = set[b] === 1 || b === SLASH ? 0 : 1;
      ops.push(OP_CLASS - classes.length);
      classes.push(set);
    }
  }
  return { ops: Int32Array.from(ops), classes };
}

/** Wildcard match of one component: linear backtracking to the last `*` only, so O(n·m). */
function matchSegment(seg: CompiledSegment, bytes: Uint8Array, start: number, end: number): boolean {
  const { ops, classes } = seg;
  const n = ops.length;
  let pi = 0;
  let si = start;
  let starP = -1;
  let starS = 0;
  while (si < end) {
    if (pi < n) {
      const op = ops[pi] ?? OP_ANY;
      if (op === OP_STAR) {
        starP = pi++;
        starS = si;
        continue;
      }
      const b = bytes[si] ?? -1;
      const ok = op >= 0 ? b === op : op === OP_ANY || classes[OP_CLASS - op]?.[b] === 1;
      if (ok) {
        pi++;
        si++;
        continue;
      }
    }
    if (starP < 0) return false;
    pi = starP + 1;
    si = ++starS;
  }
  while (pi < n && ops[pi] === OP_STAR) pi++;
  return pi === n;
}

/** The same algorithm one level up: `**` is the star, each segment consumes one component. */
function matchComponents(comps: readonly (CompiledSegment | null)[], path: NormalPath): boolean {
  const n = comps.length;
  const count = path.starts.length;
  let pi = 0;
  let si = 0;
  let starP = -1;
  let starS = 0;
  while (si < count) {
    if (pi < n) {
      const c = comps[pi];
      if (c === null) {
        starP = pi++;
        starS = si;
        continue;
      }
      if (c !== undefined && matchSegment(c, path.bytes, path.starts[si] ?? 0, path.ends[si] ?? 0)) {
        pi++;
        si++;
        continue;
      }
    }
    if (starP < 0) return false;
    pi = starP + 1;
    si = ++starS;
  }
  while (pi < n && comps[pi] === null) pi++;
  return pi === n;
}

/** The general matcher for any parsed pattern, whatever its class. */
export function compileGlob(components: readonly GlobComponent[]): (path: NormalPath) => boolean {
  const comps = components.map((c) => (c.type === 'globstar' ? null : compileSegment(c.tokens)));
  return (path) => matchComponents(comps, path);
}

function bytesEqualAt(hay: Uint8Array, at: number, needle: Uint8Array): boolean {
  if (at < 0 || at + needle.length > hay.length) return false;
  for (let i = 0; i < needle.length; i++) if (hay[at + i] !== needle[i]) return false;
  return true;
}

/** Compiles a plan with the strategy the kernel will use for it, so both sides share semantics. */
export function compilePlan(plan: PatternPlan): PathMatcher {
  switch (plan.strategy) {
    case 'exact': {
      const want = utf8.encode(plan.path);
      return {
        plan,
        matches: (p) => p.bytes.length === want.length && bytesEqualAt(p.bytes, 0, want),
      };
    }
    case 'prefix': {
      if (plan.prefix === '/') return { plan, matches: () => true };
      const want = utf8.encode(plan.prefix);
      return {
        plan,
        matches: (p) =>
          bytesEqualAt(p.bytes, 0, want) &&
          (p.bytes.length === want.length || p.bytes[want.length] === SLASH),
      };
    }
    case 'suffix': {
      const want = utf8.encode(plan.suffix);
      return { plan, matches: (p) => bytesEqualAt(p.bytes, p.bytes.length - want.length, want) };
    }
    case 'glob':
      return { plan, matches: compileGlob(plan.components) };
  }
}

/** Parses, classifies and compiles in one step (tests and tools). */
export function compilePattern(pattern: string): PathMatcher {
  return compilePlan(classifyPattern(parsePattern(pattern)));
}

/** Escapes glob metacharacters so a variable's value is matched literally. */
export function escapeGlob(text: string): string {
  return text.replace(/[\\*?[]/g, '\\$&');
}
