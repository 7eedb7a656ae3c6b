// Globs in the syntax of Rust's globset crate with its default options (what NeuronTrace policies
// use): parsed into the crate's own tokens, following its parser step by step (globset 0.4.20,
// src/glob.rs), then alternation expanded into plain token sequences. With the defaults `*` and
// `?` match `/` too, `\` escapes, matching is on bytes and the whole string must match.
// Constructs whose meaning changed between globset releases, or that the crate rejects (which
// NeuronTrace turns into a rule without a pattern), are refused with the reason.
import { detailError } from '../errors.js';

/** One globset token; `alternates` only appears before expansion. */
export type GsToken =
  | { readonly type: 'literal'; readonly ch: string }
  | { readonly type: 'any' } // `?`: one byte, `/` included
  | { readonly type: 'star' } // `*`: any bytes, `/` included
  | { readonly type: 'recursive-prefix' } // leading `**/`: (?:/?|.*/)
  | { readonly type: 'recursive-suffix' } // trailing `/**`: /.*
  | { readonly type: 'recursive-middle' } // `/**/`: (?:/|/.*/)
  | {
      readonly type: 'class';
      readonly negated: boolean;
      /** inclusive code point ranges (ASCII once accepted) */
      readonly ranges: readonly (readonly [number, number])[];
    }
  | { readonly type: 'alternates'; readonly branches: readonly (readonly GsToken[])[] };

/** A token sequence without alternation: one of the globs an alternation stands for. */
export type GsSequence = readonly Exclude<GsToken, { type: 'alternates' }>[];

/** Why a glob is refused (the message); the importer adds the rule and its place. */
export class GlobsetRefusal extends detailError('VIGIL_PROFILE_IMPORT') {
  constructor(message: string) {
    super(message);
    this.name = 'GlobsetRefusal';
  }
}

/** At most this many sequences from one glob's `{a,b}` groups. */
const MAX_ALTERNATIVES = 64;

class Parser {
  readonly #chars: string[];
  #pos = 0;
  #prev: string | undefined;
  #cur: string | undefined;
  readonly #altStack: number[] = [];
  readonly #branches: GsToken[][] = [[]];

  constructor(readonly glob: string) {
    this.#chars = Array.from(glob);
  }

  parse(): GsToken[] {
    for (let c = this.#bump(); c !== undefined; c = this.#bump()) {
      switch (c) {
        case '?':
          this.#push({ type: 'any' });
          break;
        case '*':
          this.#star();
          break;
        case '[':
          this.#class();
          break;
        case '{':
          if (this.#altStack.length > 0) {
            throw new GlobsetRefusal(
              'nested {...} groups: globset releases before 0.4.17 reject them, and NeuronTrace then drops the pattern (the rule becomes a catch-all)',
            );
          }
          this.#altStack.push(this.#branches.length);
          this.#branches.push([]);
          break;
        case '}': {
          const start = this.#altStack.pop();
          if (start === undefined) throw invalid("'}' without an opening '{'");
          const branches = this.#branches.splice(start);
          this.#push({ type: 'alternates', branches });
          break;
        }
        case ',':
          if (this.#altStack.length === 0) this.#push({ type: 'literal', ch: ',' });
          else this.#branches.push([]);
          break;
        case '\\': {
          const next = this.#bump();
          if (next === undefined) throw invalid("a '\\' at the end escapes nothing");
          this.#push({ type: 'literal', ch: next });
          break;
        }
        default:
          this.#push({ type: 'literal', ch: c });
      }
    }
    if (this.#branches.length > 1) throw invalid("a '{' is never closed");
    return this.#last();
  }

  #bump(): string | undefined {
    this.#prev = this.#cur;
    this.#cur = this.#chars[this.#pos];
    if (this.#cur !== undefined) this.#pos++;
    return this.#cur;
  }

  #peek(): string | undefined {
    return this.#chars[this.#pos];
  }

  #last(): GsToken[] {
    const last = this.#branches[this.#branches.length - 1];
    if (last === undefined) throw invalid('unbalanced {...}');
    return last;
  }

  #push(t: GsToken): void {
    this.#last().push(t);
  }

  /** globset's parse_star: `**` is recursive only next to `/` (or a `{`/`,` of a group). */
  #star(): void {
    const prev = this.#prev;
    if (this.#peek() !== '*') {
      this.#push({ type: 'star' });
      return;
    }
    this.#bump();
    const twoStars = (): void => {
      this.#push({ type: 'star' });
      this.#push({ type: 'star' });
    };
    if (this.#last().length === 0) {
      const next = this.#peek();
      if (next !== undefined && next !== '/') {
        twoStars();
      } else {
        this.#push({ type: 'recursive-prefix' });
        this.#bump();
      }
      return;
    }
    if (prev !== '/') {
      if (this.#branches.length <= 1 || (prev !== ',' && prev !== '{')) {
        twoStars();
        return;
      }
    }
    let suffix: boolean;
    const next = this.#peek();
    if (next === undefined) {
      this.#bump();
      suffix = true;
    } else if ((next === ',' || next === '}') && this.#branches.length >= 2) {
      suffix = true;
    } else if (next === '/') {
      this.#bump();
      suffix = false;
    } else {
      twoStars();
      return;
    }
    const popped = this.#last().pop();
    if (popped?.type === 'recursive-prefix' || popped?.type === 'recursive-suffix') this.#push(popped);
    else this.#push({ type: suffix ? 'recursive-suffix' : 'recursive-middle' });
  }

  /** globset's parse_class: `!` or `^` negates, `]` first and `-` first or last are literal. */
  #class(): void {
    const ranges: [number, number][] = [];
    let negated = false;
    const p = this.#peek();
    if (p === '!' || p === '^') {
      this.#bump();
      negated = true;
    }
    let first = true;
    let inRange = false;
    const extend = (ch: string): void => {
      const r = ranges[ranges.length - 1];
      if (r === undefined) throw invalid('bad character class');
      r[1] = code(ch);
      if (r[1] < r[0]) throw invalid(`reversed range in a character class, ending '${ch}'`);
    };
    for (;;) {
      const c = this.#bump();
      if (c === undefined) throw invalid("a '[' class is never closed");
      if (c === ']') {
        if (!first) break;
        ranges.push([code(c), code(c)]);
      } else if (c === '-') {
        if (first) ranges.push([code(c), code(c)]);
        else if (inRange) {
          extend('-');
          inRange = false;
        } else inRange = true;
      } else {
        if (inRange) extend(c);
        else ranges.push([code(c), code(c)]);
        inRange = false;
      }
      first = false;
    }
    if (inRange) ranges.push([0x2d, 0x2d]);
    if (ranges.some(([lo, hi]) => lo > 0x7f || hi > 0x7f)) {
      // globset matches bytes: a class lists one byte of a multi-byte character, not the character
      throw new GlobsetRefusal(
        'a character class lists a non-ASCII character: globset matches it byte by byte, which vigil cannot express',
      );
    }
    this.#push({ type: 'class', negated, ranges });
  }
}

function code(ch: string): number {
  return ch.codePointAt(0) ?? 0;
}

function invalid(what: string): GlobsetRefusal {
  return new GlobsetRefusal(
    `not a valid globset glob (${what}); NeuronTrace drops such a pattern and the rule becomes a catch-all`,
  );
}

/** Parses a glob as globset does. Throws GlobsetRefusal. */
export function parseGlobset(glob: string): GsToken[] {
  if (glob.includes('\0')) throw new GlobsetRefusal('the pattern contains a NUL character');
  const tokens = new Parser(glob).parse();
  // globset's special case: the whole glob `**` matches everything, like `*`.
  if (tokens.length === 1 && tokens[0]?.type === 'recursive-prefix') return [{ type: 'star' }];
  return tokens;
}

/** Expands every `{a,b}` group: the sequences whose union the glob matches. Throws GlobsetRefusal. */
export function expandAlternates(tokens: readonly GsToken[]): GsSequence[] {
  let out: Exclude<GsToken, { type: 'alternates' }>[][] = [[]];
  for (const t of tokens) {
    if (t.type !== 'alternates') {
      for (const seq of out) seq.push(t);
      continue;
    }
    if (t.branches.some((b) => b.length === 0)) {
      // globset drops an empty alternative (it does not match the empty string), so `a{,b}` is `ab`
      throw new GlobsetRefusal(
        'a {...} group has an empty alternative: globset ignores it (so `a{,.txt}` matches only `a.txt`); write the alternatives out',
      );
    }
    const choices = t.branches.flatMap((b) => expandAlternates(b));
    const next: Exclude<GsToken, { type: 'alternates' }>[][] = [];
    for (const seq of out) for (const c of choices) next.push([...seq, ...c]);
    if (next.length > MAX_ALTERNATIVES) {
      throw new GlobsetRefusal(`its {...} groups stand for more than ${MAX_ALTERNATIVES} globs`);
    }
    out = next;
  }
  return out;
}

/** The byte set a `?` or class token matches (`?`: every byte). */
export function tokenBytes(t: Extract<GsToken, { type: 'any' | 'class' }>): Uint8Array {
  const set = new Uint8Array(256);
  if (t.type === 'any') return set.fill(1);
  for (const [lo, hi] of t.ranges) set.fill(1, lo, hi + 1);
  if (t.negated) for (let b = 0; b < 256; b++) set[b] = set[b] === 1 ? 0 : 1;
  return set;
}
