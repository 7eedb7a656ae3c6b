// globset globs as byte automata, for exact questions about what they match among the paths vigil
// sees (absolute, normalised: docs/matching.md): does a glob match a given path, and can two globs
// match a common path (with one such path as the witness)? The second is a search of the product
// of both automata and the automaton of normalised paths, so the answer is exact, not sampled.
import { tokenBytes, type GsSequence } from './globset-parse.js';

const SLASH = 0x2f;
const DOT = 0x2e;
const utf8 = new TextEncoder();

interface Edge {
  readonly set: Uint8Array; // 256 entries, 1 where the byte is taken
  readonly to: number;
}

/** A Thompson automaton over bytes: byte edges and empty moves. */
export interface GlobNfa {
  readonly edges: readonly (readonly Edge[])[];
  readonly eps: readonly (readonly number[])[];
  readonly start: number;
  readonly accept: number;
}

const ALL = new Uint8Array(256).fill(1);
const ONLY_SLASH = byteSet(SLASH);

function byteSet(b: number): Uint8Array {
  const s = new Uint8Array(256);
  s[b] = 1;
  return s;
}

class Builder {
  readonly edges: Edge[][] = [];
  readonly eps: number[][] = [];

  state(): number {
    this.edges.push([]);
    this.eps.push([]);
    return this.edges.length - 1;
  }

  edge(from: number, set: Uint8Array): number {
    const to = this.state();
    this.edges[from]?.push({ set, to });
    return to;
  }

  empty(from: number, to: number): void {
    this.eps[from]?.push(to);
  }

  /** `.*` from `from`: returns the looping state. */
  star(from: number): number {
    const s = this.state();
    this.empty(from, s);
    this.edges[s]?.push({ set: ALL, to: s });
    return s;
  }
}

/** The automaton of the union of the sequences (one glob after its `{a,b}` groups are expanded). */
export function globNfa(sequences: readonly GsSequence[]): GlobNfa {
  const b = new Builder();
  const start = b.state();
  const accept = b.state();
  for (const seq of sequences) {
    let at = b.state();
    b.empty(start, at);
    for (const t of seq) {
      switch (t.type) {
        case 'literal':
          for (const byte of utf8.encode(t.ch)) at = b.edge(at, byteSet(byte));
          break;
        case 'any':
        case 'class':
          at = b.edge(at, tokenBytes(t));
          break;
        case 'star':
          at = b.star(at);
          break;
        case 'recursive-prefix': {
          // (?:/?|.*/)
          const end = b.state();
          b.empty(at, end);
          b.edges[at]?.push({ set: ONLY_SLASH, to: end });
          b.edges[b.star(at)]?.push({ set: ONLY_SLASH, to: end });
          at = end;
          break;
        }
        case 'recursive-suffix':
          // /.*
          at = b.star(b.edge(at, ONLY_SLASH));
          break;
        case 'recursive-middle': {
          // (?:/|/.*/)
          const end = b.state();
          b.edges[at]?.push({ set: ONLY_SLASH, to: end });
          b.edges[b.star(b.edge(at, ONLY_SLASH))]?.push({ set: ONLY_SLASH, to: end });
          at = end;
          break;
        }
      }
    }
    b.empty(at, accept);
  }
  return { edges: b.edges, eps: b.eps, start, accept };
}

function closure(nfa: GlobNfa, states: Iterable<number>): Set<number> {
  const out = new Set<number>();
  const work = [...states];
  for (let s = work.pop(); s !== undefined; s = work.pop()) {
    if (out.has(s)) continue;
    out.add(s);
    for (const t of nfa.eps[s] ?? []) work.push(t);
  }
  return out;
}

/** Whether the glob matches these bytes (the whole of them). */
export function nfaAccepts(nfa: GlobNfa, bytes: Uint8Array): boolean {
  let cur = closure(nfa, [nfa.start]);
  for (const byte of bytes) {
    const next: number[] = [];
    for (const s of cur) for (const e of nfa.edges[s] ?? []) if (e.set[byte] === 1) next.push(e.to);
    cur = closure(nfa, next);
    if (cur.size === 0) return false;
  }
  return cur.has(nfa.accept);
}

// The normalised absolute paths as a deterministic automaton: `/`, or `/c1/.../cn` where no
// component is empty, `.` or `..`, and no byte is NUL.
const N_START = 0;
const N_ROOT = 1; // after the first `/`: the root, accepted
const N_SLASH = 2; // after a later `/`: a component must follow
const N_DOT = 3; // component `.` so far
const N_DOTDOT = 4; // component `..` so far
const N_NAME = 5; // inside a valid component, accepted
const N_DEAD = -1;
const N_STATES = 6;

function normalStep(state: number, byte: number): number {
  if (byte === 0) return N_DEAD;
  switch (state) {
    case N_START:
      return byte === SLASH ? N_ROOT : N_DEAD;
    case N_ROOT:
    case N_SLASH:
      return byte === SLASH ? N_DEAD : byte === DOT ? N_DOT : N_NAME;
    case N_DOT:
      return byte === SLASH ? N_DEAD : byte === DOT ? N_DOTDOT : N_NAME;
    case N_DOTDOT:
      return byte === SLASH ? N_DEAD : N_NAME;
    default:
      return byte === SLASH ? N_SLASH : N_NAME;
  }
}

const normalAccepts = (state: number): boolean => state === N_ROOT || state === N_NAME;

/** Bytes in the order a witness path prefers them: readable ones first. */
const PREFERRED = Array.from(
  utf8.encode('abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ._-/'),
).concat(Array.from({ length: 256 }, (_, i) => i));

/**
 * Splits the bytes into classes no set of either automaton (nor the normalised-path automaton)
 * tells apart; returns one representative byte per class.
 */
function byteClasses(nfas: readonly GlobNfa[]): number[] {
  const sig = new Map<string, number>();
  const classOf = new Uint16Array(256);
  const sets: Uint8Array[] = [byteSet(0), ONLY_SLASH, byteSet(DOT)];
  for (const nfa of nfas) for (const list of nfa.edges) for (const e of list) sets.push(e.set);
  const unique = [...new Map(sets.map((s) => [Buffer.from(s).toString('latin1'), s])).values()];
  for (let b = 0; b < 256; b++) {
    const key = unique.map((s) => s[b]).join('');
    let id = sig.get(key);
    if (id === undefined) {
      id = sig.size;
      sig.set(key, id);
    }
    classOf[b] = id;
  }
  const reps: number[] = [];
  for (const b of PREFERRED) {
    const c = classOf[b] ?? 0;
    if (reps[c] === undefined) reps[c] = b;
  }
  return reps;
}

/**
 * A normalised absolute path both globs match, or undefined when there is none. Searches the
 * product automaton breadth first, so the witness is a shortest one.
 */
export function commonPath(a: GlobNfa, b: GlobNfa): Uint8Array | undefined {
  const reps = byteClasses([a, b]);
  const nb = b.edges.length;
  const key = (x: number, y: number, n: number): number => (x * nb + y) * N_STATES + n;
  const parent = new Map<number, { from: number; byte: number }>();
  const start = key(a.start, b.start, N_START);
  parent.set(start, { from: -1, byte: -1 });
  const queue = [start];
  for (let qi = 0; qi < queue.length; qi++) {
    const k = queue[qi] ?? 0;
    const n = k % N_STATES;
    const y = Math.floor(k / N_STATES) % nb;
    const x = Math.floor(k / N_STATES / nb);
    if (x === a.accept && y === b.accept && normalAccepts(n)) return witness(parent, k);
    const visit = (to: number, byte: number): void => {
      if (parent.has(to)) return;
      parent.set(to, { from: k, byte });
      queue.push(to);
    };
    for (const x2 of a.eps[x] ?? []) visit(key(x2, y, n), -1);
    for (const y2 of b.eps[y] ?? []) visit(key(x, y2, n), -1);
    for (const ea of a.edges[x] ?? []) {
      for (const eb of b.edges[y] ?? []) {
        for (const rep of reps) {
          if (ea.set[rep] !== 1 || eb.set[rep] !== 1) continue;
          const n2 = normalStep(n, rep);
          if (n2 !== N_DEAD) visit(key(ea.to, eb.to, n2), rep);
        }
      }
    }
  }
  return undefined;
}

function witness(parent: Map<number, { from: number; byte: number }>, end: number): Uint8Array {
  const bytes: number[] = [];
  for (let k = end; ;) {
    const p = parent.get(k);
    if (p === undefined || p.from < 0) break;
    if (p.byte >= 0) bytes.push(p.byte);
    k = p.from;
  }
  return Uint8Array.from(bytes.reverse());
}
