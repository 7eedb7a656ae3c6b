// Glob patterns -> one deterministic automaton over byte classes, for the kernel matcher. Each
// pattern becomes a small NFA (Thompson style); the subset construction merges them, and every
// state remembers which patterns accept there, so one walk over a path finds every matching rule.
// Construction stops at a state cap: the caller turns that into a refusal naming the pattern.
import type { GlobComponent, GlobToken } from './glob-parse.js';

const SLASH = 0x2f;
const utf8 = new TextEncoder();

/** One pattern for the automaton: path components (matched from the first `/`) or one basename. */
export type AutomatonPattern<T> =
  | { readonly kind: 'path'; readonly components: readonly GlobComponent[]; readonly tag: T }
  | { readonly kind: 'name'; readonly tokens: readonly GlobToken[]; readonly tag: T };

export interface Automaton<T> {
  /** Byte -> class (0..classCount-1). */
  readonly classes: Uint8Array;
  readonly classCount: number;
  /** next[state][class]; state 0 is dead (no pattern can match any more), state 1 the start. */
  readonly next: readonly Uint16Array[];
  /** Tags of the patterns that accept in each state. */
  readonly accepts: readonly (readonly T[])[];
}

/** Thrown when the automaton would need more states or classes than allowed. */
export class AutomatonOverflow extends Error {
  constructor(
    readonly what: 'states' | 'classes',
    readonly figure: number,
    readonly bound: number,
  ) {
    super(`needs ${what === 'states' ? 'more than ' : ''}${figure} automaton ${what}; the bound is ${bound}`);
  }
}

class Nfa {
  readonly edges: [set: number, to: number][][] = [];
  readonly eps: number[][] = [];
  readonly accept = new Map<number, number[]>();
  readonly sets: Uint8Array[] = [];
  readonly #setIds = new Map<string, number>();

  state(): number {
    this.edges.push([]);
    this.eps.push([]);
    return this.edges.length - 1;
  }

  set(bytes: Uint8Array): number {
    const key = Buffer.from(bytes).toString('latin1');
    let id = this.#setIds.get(key);
    if (id === undefined) {
      id = this.sets.length;
      this.sets.push(bytes);
      this.#setIds.set(key, id);
    }
    return id;
  }

  byte(b: number): number {
    const s = new Uint8Array(256);
    s[b] = 1;
    return this.set(s);
  }

  notSlash(): number {
    const s = new Uint8Array(256).fill(1);
    s[SLASH] = 0;
    return this.set(s);
  }
}

function tokenSet(nfa: Nfa, t: Extract<GlobToken, { type: 'class' }>): number {
  const s = new Uint8Array(256);
  for (const [lo, hi] of t.ranges) s.fill(1, lo, hi + 1);
  if (t.negated) for (let b = 0; b < 256; b++) s[b] = s[b] === 1 || b === SLASH ? 0 : 1;
  return nfa.set(s);
}

/** Adds the tokens of one component from `from`; returns the state after them. */
function addTokens(nfa: Nfa, from: number, tokens: readonly GlobToken[]): number {
  let cur = from;
  for (const t of tokens) {
    if (t.type === 'literal') {
      for (const b of utf8.encode(t.text)) {
        const n = nfa.state();
        nfa.edges[cur]?.push([nfa.byte(b), n]);
        cur = n;
      }
    } else if (t.type === 'star') {
      const loop = nfa.state();
      nfa.eps[cur]?.push(loop);
      nfa.edges[loop]?.push([nfa.notSlash(), loop]);
      cur = loop;
    } else {
      const n = nfa.state();
      nfa.edges[cur]?.push([t.type === 'any-byte' ? nfa.notSlash() : tokenSet(nfa, t), n]);
      cur = n;
    }
  }
  return cur;
}

/**
 * Adds a path pattern. The input is the normalised path, except that the root `/` (no component)
 * is the empty input: each component is `/` + its bytes, and `**` is `(/[^/]*)*`.
 */
function addPath(nfa: Nfa, start: number, components: readonly GlobComponent[]): number {
  let cur = start;
  for (const c of components) {
    if (c.type === 'globstar') {
      const loop = nfa.state();
      const inside = nfa.state();
      nfa.eps[cur]?.push(loop);
      nfa.edges[loop]?.push([nfa.byte(SLASH), inside]);
      nfa.edges[inside]?.push([nfa.notSlash(), inside]);
      nfa.eps[inside]?.push(loop);
      cur = loop;
    } else {
      const after = nfa.state();
      nfa.edges[cur]?.push([nfa.byte(SLASH), after]);
      cur = addTokens(nfa, after, c.tokens);
    }
  }
  return cur;
}

/** Byte classes: bytes no pattern tells apart share a class. */
function byteClasses(sets: readonly Uint8Array[]): { classes: Uint8Array; count: number; reps: number[] } {
  const classes = new Uint8Array(256);
  const ids = new Map<string, number>();
  const reps: number[] = [];
  for (let b = 0; b < 256; b++) {
    let sig = '';
    for (const s of sets) sig += s[b] === 1 ? '1' : '0';
    let id = ids.get(sig);
    if (id === undefined) {
      id = ids.size;
      ids.set(sig, id);
      reps.push(b);
    }
    classes[b] = id;
  }
  return { classes, count: ids.size, reps };
}

/**
 * Builds the automaton of all patterns. `maxStates` counts every state including the dead one;
 * over it, or over `maxClasses` byte classes, an AutomatonOverflow is thrown.
 */
export function buildAutomaton<T>(
  patterns: readonly AutomatonPattern<T>[],
  maxStates: number,
  maxClasses: number,
): Automaton<T> {
  const nfa = new Nfa();
  const start = nfa.state();
  patterns.forEach((p, i) => {
    const end = p.kind === 'path' ? addPath(nfa, start, p.components) : addTokens(nfa, start, p.tokens);
    const list = nfa.accept.get(end) ?? [];
    list.push(i);
    nfa.accept.set(end, list);
  });
  const { classes, count, reps } = byteClasses(nfa.sets);
  if (count > maxClasses) throw new AutomatonOverflow('classes', count, maxClasses);

  const closure = (seed: Iterable<number>): number[] => {
    const seen = new Set<number>();
    const stack = [...seed];
    while (stack.length > 0) {
      const s = stack.pop() as number;
      if (seen.has(s)) continue;
      seen.add(s);
      for (const e of nfa.eps[s] ?? []) stack.push(e);
    }
    return [...seen].sort((a, b) => a - b);
  };

  const ids = new Map<string, number>([['', 0]]);
  const sets: number[][] = [[]];
  const next: Uint16Array[] = [new Uint16Array(count)];
  const startSet = closure([start]);
  ids.set(startSet.join(','), 1);
  sets.push(startSet);
  next.push(new Uint16Array(count));
  for (let d = 1; d < sets.length; d++) {
    const members = sets[d] ?? [];
    const row = next[d] as Uint16Array;
    for (let c = 0; c < count; c++) {
      const rep = reps[c] ?? 0;
      const to = new Set<number>();
      for (const s of members) {
        for (const [set, target] of nfa.edges[s] ?? []) if (nfa.sets[set]?.[rep] === 1) to.add(target);
      }
      const closed = closure(to);
      const key = closed.join(',');
      let id = ids.get(key);
      if (id === undefined) {
        id = sets.length;
        if (id >= maxStates) throw new AutomatonOverflow('states', maxStates, maxStates);
        ids.set(key, id);
        sets.push(closed);
        next.push(new Uint16Array(count));
      }
      row[c] = id;
    }
  }
  const accepts = sets.map((members) => {
    const tags: T[] = [];
    for (const s of members)
      for (const i of nfa.accept.get(s) ?? []) tags.push((patterns[i] as AutomatonPattern<T>).tag);
    return tags;
  });
  return { classes, classCount: count, next, accepts };
}
