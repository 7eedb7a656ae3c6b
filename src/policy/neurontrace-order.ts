// NeuronTrace rules with a pattern, one event type at a time: each in vigil's form (path patterns
// or network specs), and where vigil's order would decide differently from NeuronTrace's first
// match. NeuronTrace takes the first matching rule; vigil takes the strongest matching denial, then
// an allowed rule. They agree exactly when no rule overlaps an earlier one that vigil would let it
// beat (an allow before a denial, a weaker denial before a stronger one): each such pair is decided
// on the product of both globs' automata (globset-nfa.ts) or on address ranges, with a path or
// destination both match as the witness.
import { expandAlternates, GlobsetRefusal, parseGlobset, type GsSequence } from './globset-parse.js';
import { commonPath, globNfa, type GlobNfa } from './globset-nfa.js';
import { globsetToVigil } from './globset-to-vigil.js';
import { commonDestination, connectSpecs } from './neurontrace-network.js';
import type { NtAction, NtRule } from './neurontrace-policy.js';

/** The event types whose rules carry patterns. */
export type Matched = 'exec' | 'open' | 'unlink' | 'rename' | 'connect';

/** A rule with a pattern, in vigil's form. */
export interface Converted {
  readonly rule: NtRule;
  /** vigil path patterns, or network specs for connect */
  readonly values: readonly string[];
  readonly nfa?: GlobNfa;
  /** why the vigil form differs from the glob as written */
  readonly why: readonly string[];
}

/** A later rule and the earlier one it overlaps, with a path or destination both match. */
export interface Overlap {
  readonly rule: Converted;
  readonly earlier: Converted;
  readonly both: string;
}

const STRENGTH: Readonly<Record<NtAction, number>> = { allow: 0, audit: 1, block: 2, kill: 3 };

/** One rule's glob in vigil's form. Throws GlobsetRefusal. */
export function convertRule(r: NtRule, type: Matched): Converted {
  const glob = r.path ?? '';
  const tokens = parseGlobset(glob);
  const sequences: GsSequence[] = expandAlternates(tokens);
  const why = tokens.some((t) => t.type === 'alternates') ? ['one pattern per {...} alternative'] : [];
  if (type === 'connect') {
    why.push('vigil matches address ranges and ports, NeuronTrace the text IP:PORT');
    return { rule: r, values: connectSpecs(sequences), why };
  }
  if (sequences.some((s) => s[0]?.type === 'literal' && s[0].ch !== '/')) {
    throw new GlobsetRefusal(
      "a relative pattern: NeuronTrace compares it with the path as the program wrote it, vigil sees resolved absolute paths; start it with '/' (or '**/' for a name in any folder)",
    );
  }
  const nfa = globNfa(sequences);
  const values = globsetToVigil(sequences, nfa);
  if (values.length === 0) {
    throw new GlobsetRefusal(
      "matches no normalised absolute path (it needs a trailing '/', '//', or a '.' or '..' component), so it would never apply; write the path without them",
    );
  }
  const flat = sequences.flat();
  const spans = (t: GsSequence[number]): boolean =>
    t.type === 'star' || t.type === 'any' || t.type === 'class' || t.type === 'recursive-middle';
  if (flat.some(spans)) why.push("globset's '*', '?' and [...] also match '/'");
  if (flat.some((t) => t.type === 'recursive-suffix')) {
    why.push("globset's '/**' does not match the folder itself");
  }
  if (!glob.startsWith('/')) why.push("vigil patterns start at '/'");
  if (values.some((v) => v.includes('[$]'))) {
    why.push("a '$' before a name is written '[$]' (vigil would read a variable)");
  }
  return { rule: r, values, nfa, why };
}

/**
 * Where vigil's order would override NeuronTrace's first match. Such a later rule is left out
 * (`dropped`) when that is exact: its action is the fallback's and no later rule it overlaps has
 * another, so vigil's default decides the same wherever it would have (`droppable` says which rules
 * qualify). Otherwise the pair is a conflict.
 */
export function checkOrder(
  converted: readonly Converted[],
  fallback: NtAction,
  type: Matched,
): { droppable: boolean[]; dropped: Overlap[]; conflicts: Overlap[] } {
  const overlaps = overlapOracle(converted, type);
  const droppable = converted.map(
    (c, j) =>
      c.rule.action === fallback &&
      converted
        .slice(j + 1)
        .every((d, k) => d.rule.action === fallback || overlaps(j, j + 1 + k) === undefined),
  );
  const dropped: Overlap[] = [];
  const conflicts: Overlap[] = [];
  const gone = new Set<number>();
  converted.forEach((rule, j) => {
    for (let i = 0; i < j; i++) {
      const earlier = converted[i];
      if (earlier === undefined || gone.has(i) || !vigilWouldDiffer(earlier.rule.action, rule.rule.action)) {
        continue;
      }
      const both = overlaps(i, j);
      if (both === undefined) continue;
      if (droppable[j] === true) {
        gone.add(j);
        dropped.push({ rule, earlier, both });
        break;
      }
      conflicts.push({ rule, earlier, both });
    }
  });
  return { droppable, dropped, conflicts };
}

/** Whether vigil's order (denials first, the strongest winning) would override an earlier first match. */
function vigilWouldDiffer(earlier: NtAction, later: NtAction): boolean {
  return later !== 'allow' && STRENGTH[later] > STRENGTH[earlier];
}

/** overlaps(i, j): a path or destination both rules match, or undefined; computed once per pair. */
function overlapOracle(
  converted: readonly Converted[],
  type: Matched,
): (i: number, j: number) => string | undefined {
  const memo = new Map<number, string | undefined>();
  return (i, j) => {
    const k = i * converted.length + j;
    if (memo.has(k)) return memo.get(k);
    const a = converted[i];
    const b = converted[j];
    let found: string | undefined;
    if (a !== undefined && b !== undefined) {
      if (type === 'connect') found = commonDestination(a.values, b.values);
      else if (a.nfa !== undefined && b.nfa !== undefined) {
        const bytes = commonPath(a.nfa, b.nfa);
        found = bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8');
      }
    }
    memo.set(k, found);
    return found;
  };
}
