// Matching normalised paths against patterns in user space, with the strategy the kernel uses
// for each (so both sides share semantics): the reference evaluator and the deny-inode walk.
import type { PatternPlan } from './glob-classify.js';
import { classifyPattern } from './glob-classify.js';
import { parsePattern, type GlobComponent, type GlobToken } from './glob-parse.js';
import type { NormalPath } from './normal-path.js';

const SLASH = 0x2f;
const utf8 = new TextEncoder();

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
    case 'contains': {
      // `run` starts at a component start and ends at the path's end or before a `/`
      const want = utf8.encode(plan.run);
      return {
        plan,
        matches: (p) =>
          p.starts.some((s) => {
            const at = s - 1; // the `/` before the component
            const end = at + want.length;
            return bytesEqualAt(p.bytes, at, want) && (end === p.bytes.length || p.bytes[end] === SLASH);
          }),
      };
    }
    case 'glob':
      return { plan, matches: compileGlob(plan.components) };
  }
}

/** Parses, classifies and compiles in one step (tests and tools). */
export function compilePattern(pattern: string): PathMatcher {
  return compilePlan(classifyPattern(parsePattern(pattern)));
}
