// Path patterns: parsing into components (plain data the kernel compiler and the matcher build
// from) and formatting back to normalised text. docs/matching.md is the contract.
import { detailError } from '../errors.js';

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

/** Raised for a pattern the matcher cannot take; the loader adds file:line:column. */
export class PatternSyntaxError extends detailError('VIGIL_PROFILE_PATTERN') {
  constructor(message: string) {
    super(message);
    this.name = 'PatternSyntaxError';
  }
}

const SLASH = 0x2f;

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

/** Escapes glob metacharacters so a variable's value is matched literally. */
export function escapeGlob(text: string): string {
  return text.replace(/[\\*?[]/g, '\\$&');
}
