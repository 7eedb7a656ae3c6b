// Which kernel strategy matches a parsed pattern (exact, prefix, suffix or automaton), and the
// byte lengths of the paths it can match, for the over-bound rule. docs/matching.md is the contract.
import { POLICY_NAME_MAX, POLICY_PATH_BOUND } from '../wire/wire-layout.js';
import { formatPattern, type GlobComponent } from './glob-parse.js';

const utf8 = new TextEncoder();

/**
 * How the kernel will match a pattern (plain data, consumed by the kernel table compiler):
 * - exact:  the path equals `path` (hash lookup);
 * - prefix: the path equals `prefix` or continues it with `/` (`/dir/**`; `/` matches all);
 * - suffix: the path ends with `suffix`, which starts with `/` (`/**\/name`; reversed-LPM);
 * - contains: the path has `run` (`/a/b`: literal components) as consecutive components anywhere
 *   (`/**\/a/b/**`; an LPM lookup at each component start);
 * - glob:   anything else, matched by an automaton over `components`.
 * `pattern` is the normalised pattern text. `overBound` says whether the pattern can match a path
 * longer than POLICY_PATH_BOUND, which the over-bound rule needs.
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
      readonly strategy: 'contains';
      readonly pattern: string;
      readonly run: string;
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
  return { min, max: star ? Math.max(min, POLICY_NAME_MAX) : min };
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
  const middle = names.slice(1, -1);
  if (
    components[0]?.type === 'globstar' &&
    last?.type === 'globstar' &&
    middle.length > 0 &&
    middle.every((n) => n !== null)
  ) {
    return { strategy: 'contains', pattern, run: joined(middle), overBound: true };
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
    overBound: maxBytes === null || maxBytes > POLICY_PATH_BOUND,
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
    case 'contains':
      return utf8.encode(plan.run).length;
    case 'glob':
      return plan.minBytes;
  }
}
