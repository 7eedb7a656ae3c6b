// NeuronTrace's decision, written from its documented semantics, for the differential test of the
// importer: per event type, the first rule whose glob matches decides; a rule without path and
// argv sets the fallback (the last one wins); no fallback blocks. Globs follow Rust's globset with
// default options, here translated straight to a regular expression over bytes (one latin1
// character per byte), the way globset itself compiles them, independently of the importer's
// automata. Connect targets are the text Rust prints: `IP:PORT`, `[IPv6]:PORT`.
import { parse } from 'yaml';

export type NtVerdict = 'allow' | 'block' | 'kill' | 'audit';

interface RefRule {
  readonly eventType: string;
  readonly action: NtVerdict;
  readonly re?: RegExp;
}

const ANY = '[\\s\\S]';

function byteEscape(ch: string): string {
  return Array.from(Buffer.from(ch, 'utf8'), (b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
}

/** A piece of the regex and what it stands for (the recursive forms can be replaced later). */
interface Piece {
  readonly re: string;
  readonly kind: 'lit' | 'prefix' | 'suffix' | 'middle' | 'other';
}

/** globset's regex for a glob with default options (literal_separator off, `\` escapes). */
export function globsetRegExp(glob: string): RegExp {
  if (glob === '**') return new RegExp(`^${ANY}*$`);
  const chars = Array.from(glob);
  let i = 0;
  const branch = (inGroup: boolean): Piece[] => {
    const pieces: Piece[] = [];
    let prevChar: string | undefined;
    while (i < chars.length) {
      const c = chars[i] as string;
      if (inGroup && (c === ',' || c === '}')) break;
      i++;
      if (c === '\\') {
        const n = chars[i++];
        if (n === undefined) throw new Error('dangling escape');
        pieces.push({ re: byteEscape(n), kind: 'lit' });
        prevChar = n;
      } else if (c === '?') {
        pieces.push({ re: ANY, kind: 'other' });
        prevChar = c;
      } else if (c === '[') {
        pieces.push({ re: classRegex(), kind: 'other' });
        prevChar = ']';
      } else if (c === '{') {
        if (inGroup) throw new Error('nested group');
        const alts: string[] = [];
        for (;;) {
          const part = branch(true)
            .map((p) => p.re)
            .join('');
          if (part !== '') alts.push(part);
          const end = chars[i++];
          if (end === '}') break;
          if (end !== ',') throw new Error('unclosed group');
        }
        if (alts.length > 0) pieces.push({ re: `(?:${alts.join('|')})`, kind: 'other' });
        prevChar = '}';
      } else if (c === '*' && chars[i] === '*') {
        i++;
        const next = chars[i];
        const boundary = next === undefined || (inGroup && (next === ',' || next === '}'));
        if (pieces.length === 0) {
          if (next === undefined || next === '/') {
            if (next === '/') i++;
            pieces.push({ re: `(?:/?|${ANY}*/)`, kind: 'prefix' });
            prevChar = '/';
          } else {
            pieces.push({ re: `${ANY}*`, kind: 'other' });
            prevChar = '*';
          }
        } else if (prevChar === '/' && (boundary || next === '/')) {
          if (next === '/') i++;
          const last = pieces.pop() as Piece;
          if (last.kind === 'prefix' || last.kind === 'suffix') pieces.push(last);
          else if (boundary) pieces.push({ re: `/${ANY}*`, kind: 'suffix' });
          else pieces.push({ re: `(?:/|/${ANY}*/)`, kind: 'middle' });
          prevChar = next === '/' ? '/' : '*';
        } else {
          pieces.push({ re: `${ANY}*`, kind: 'other' });
          prevChar = '*';
        }
      } else if (c === '*') {
        pieces.push({ re: `${ANY}*`, kind: 'other' });
        prevChar = c;
      } else if (c === ',' && !inGroup) {
        pieces.push({ re: ',', kind: 'lit' });
        prevChar = c;
      } else if (c === '}' && !inGroup) {
        throw new Error("'}' without '{'");
      } else {
        pieces.push({ re: byteEscape(c), kind: 'lit' });
        prevChar = c;
      }
    }
    return pieces;
  };
  const classRegex = (): string => {
    let negated = false;
    if (chars[i] === '!' || chars[i] === '^') {
      negated = true;
      i++;
    }
    const members: string[] = [];
    let first = true;
    for (;;) {
      const c = chars[i++];
      if (c === undefined) throw new Error('unclosed class');
      if (c === ']' && !first) break;
      const lo = c;
      if (chars[i] === '-' && chars[i + 1] !== undefined && chars[i + 1] !== ']') {
        const hi = chars[i + 1] as string;
        i += 2;
        members.push(`${byteEscape(lo)}-${byteEscape(hi)}`);
      } else {
        members.push(byteEscape(lo));
      }
      first = false;
    }
    return `[${negated ? '^' : ''}${members.join('')}]`;
  };
  const pieces = branch(false);
  if (pieces.length === 1 && pieces[0]?.kind === 'prefix') return new RegExp(`^${ANY}*$`);
  return new RegExp(`^${pieces.map((p) => p.re).join('')}$`);
}

/** Bytes as the latin1 string the regexes match (one character per byte). */
export function byteString(text: string | Uint8Array): string {
  return Buffer.from(typeof text === 'string' ? Buffer.from(text, 'utf8') : text).toString('latin1');
}

export interface NeuronTraceReference {
  /** The verdict for an event of this type on a path (or destination text); rules without a pattern are fallbacks. */
  decide(eventType: string, subject?: string): NtVerdict;
}

export function neuronTraceReference(policyText: string): NeuronTraceReference {
  const doc = parse(policyText) as {
    rules: { event_type: string; action: NtVerdict; path?: string | null }[];
  };
  const rules: RefRule[] = doc.rules.map((r) => ({
    eventType: r.event_type,
    action: r.action,
    ...(r.path === undefined || r.path === null ? {} : { re: globsetRegExp(r.path) }),
  }));
  return {
    decide(eventType, subject) {
      let fallback: NtVerdict | undefined;
      const text = subject === undefined ? '' : byteString(subject);
      for (const r of rules) {
        if (r.eventType !== eventType) continue;
        if (r.re === undefined) fallback = r.action;
        else if (r.re.test(text)) return r.action;
      }
      return fallback ?? 'block';
    },
  };
}

/** The text Rust prints for a socket address: `a.b.c.d:port`, or `[v6]:port` with the first longest zero run as `::`. */
export function socketText(ip: string, port: number): string {
  if (!ip.includes(':')) return `${ip}:${port}`;
  const groups = expandV6(ip);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [a = 0, b = 0] = groups.slice(6);
    return `[::ffff:${a >> 8}.${a & 255}.${b >> 8}.${b & 255}]:${port}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let s = 0; s < 8; s++) {
    let n = 0;
    while (s + n < 8 && groups[s + n] === 0) n++;
    if (n > bestLen) {
      bestStart = s;
      bestLen = n;
    }
  }
  const hex = (g: number[]): string => g.map((x) => x.toString(16)).join(':');
  const text =
    bestLen > 1
      ? `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`
      : hex(groups);
  return `[${text}]:${port}`;
}

function expandV6(ip: string): number[] {
  const [head = '', tail] = ip.split('::');
  const part = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const h = part(head);
  if (tail === undefined) return h;
  const t = part(tail);
  return [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
}
