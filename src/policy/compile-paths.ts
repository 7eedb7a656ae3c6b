// Path and command rules -> the matcher's path tables (docs/kernel-matcher.md): exact and
// `/dir/**` rules in one LPM trie keyed `path + "/"`, `/**/name` rules in an LPM trie over reversed
// bytes, `/**/a/b/**` rules in an LPM trie keyed `/a/b/` looked up at each component start (so
// many of them cost one lookup per component, not an automaton that doubles with each), every other pattern (and literals too long for a trie key) in one automaton; basename
// command rules in a second automaton. Each trie entry carries the verdict of every rule that
// matches whenever it is the longest match (its ancestors folded in), so one lookup suffices.
import { encodeStruct } from '../wire/struct-layout.js';
import {
  POLICY_CLASSES,
  POLICY_DFA_STATES,
  POLICY_LPM_BYTES,
  PolicyAgg,
  PolicyPathKey,
  PolicyPrefix,
  PolicyRow,
} from '../wire/wire-layout.js';
import { AutomatonOverflow, buildAutomaton } from './compile-dfa.js';
import type { Automaton, AutomatonPattern } from './compile-dfa.js';
import type { GlobComponent } from './glob-parse.js';
import { POLICY_MAPS, type MapWrite } from './policy-maps.js';
import {
  OP_BITS,
  type CommandRule,
  type DefaultPolicy,
  type PathRule,
  type Profile,
} from './profile-types.js';
import { refuse } from './refuse-rule.js';
import {
  aggOf,
  commandContribution,
  encodeAgg,
  pathContribution,
  type AggVerdict,
  type Contribution,
} from './slot-verdicts.js';

const utf8 = new TextEncoder();

/** Most path automaton states component runs may take before they move to their trie. */
export const RUNS_IN_AUTOMATON_STATES = 2048;

/** What the path tables add to the table header and the figures. */
export interface PathTables {
  readonly writes: MapWrite[];
  readonly prefixEntries: number;
  readonly suffixEntries: number;
  readonly containEntries: number;
  /** first state of each automaton (0: none) and its byte classes */
  readonly pathStart: number;
  readonly nameStart: number;
  readonly pathClasses: Uint8Array;
  readonly nameClasses: Uint8Array;
  readonly pathStates: number;
  readonly nameStates: number;
  readonly pathClassCount: number;
  readonly nameClassCount: number;
  readonly rows: number;
  readonly byStrategy: { exact: number; prefix: number; suffix: number; contains: number; automaton: number };
}

function literalComponents(path: string): GlobComponent[] {
  return path
    .split('/')
    .filter((c) => c !== '')
    .map((text) => ({ type: 'segment', tokens: [{ type: 'literal', text }] }));
}

interface TrieEntry {
  readonly bytes: Buffer;
  readonly partial: Contribution[]; // rules matching every path this entry is a prefix of
  readonly full: Contribution[]; // rules matching only when the key is exactly this entry
}

interface DfaItem {
  readonly rule: PathRule | CommandRule;
  readonly pattern: AutomatonPattern<Contribution>;
}

function addEntry(map: Map<string, TrieEntry>, bytes: Buffer, c: Contribution, full: boolean): void {
  const k = bytes.toString('latin1');
  let e = map.get(k);
  if (e === undefined) {
    e = { bytes, partial: [], full: [] };
    map.set(k, e);
  }
  (full ? e.full : e.partial).push(c);
}

/** Every entry's own rules plus those of each shorter entry that is a prefix of it. */
function foldAncestors(
  map: Map<string, TrieEntry>,
): Map<string, { entry: TrieEntry; partial: AggVerdict; full: AggVerdict }> {
  const out = new Map<string, { entry: TrieEntry; partial: AggVerdict; full: AggVerdict }>();
  for (const [k, e] of map) {
    const partial: Contribution[] = [];
    // Entries end with `/`, so an ancestor ends at one of this key's slashes.
    for (let i = 0; i < e.bytes.length; i++) {
      if (e.bytes[i] !== 0x2f) continue;
      const anc = map.get(e.bytes.subarray(0, i + 1).toString('latin1'));
      if (anc !== undefined) partial.push(...anc.partial);
    }
    out.set(k, { entry: e, partial: aggOf(partial), full: aggOf([...partial, ...e.full]) });
  }
  return out;
}

function pathKey(table: number, bytes: Buffer): Buffer {
  const path = Buffer.alloc(POLICY_LPM_BYTES);
  bytes.copy(path);
  return encodeStruct(PolicyPathKey, { prefixlen: 32 + 8 * bytes.length, table, path });
}

/**
 * Builds an automaton, or refuses the profile naming the pattern that does not fit: one that
 * does not fit alone (VIGIL_PROFILE_PATTERN), or the first one that does not fit with the ones
 * before it (VIGIL_PROFILE_TOO_BIG).
 */
function automatonOrRefuse(
  items: readonly DfaItem[],
  maxStates: number,
  what: string,
): Automaton<Contribution> {
  const build = (n: number): Automaton<Contribution> =>
    buildAutomaton(
      items.slice(0, n).map((i) => i.pattern),
      maxStates,
      POLICY_CLASSES,
    );
  try {
    return build(items.length);
  } catch (err) {
    if (!(err instanceof AutomatonOverflow)) throw err;
  }
  for (const item of items) {
    try {
      buildAutomaton([item.pattern], maxStates, POLICY_CLASSES);
    } catch (err) {
      if (!(err instanceof AutomatonOverflow)) throw err;
      refuse('VIGIL_PROFILE_PATTERN', item.rule, `this pattern alone ${err.message}: ${what}`);
    }
  }
  // Smallest prefix of the list that overflows: its last pattern is the one that tips it over.
  let lo = 1;
  let hi = items.length;
  let last: AutomatonOverflow | undefined;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    try {
      build(mid);
      lo = mid + 1;
    } catch (err) {
      if (!(err instanceof AutomatonOverflow)) throw err;
      last = err;
      hi = mid;
    }
  }
  try {
    build(lo);
  } catch (err) {
    if (!(err instanceof AutomatonOverflow)) throw err;
    last = err;
  }
  const tip = items[lo - 1] as DfaItem;
  refuse(
    'VIGIL_PROFILE_TOO_BIG',
    tip.rule,
    `with the ${lo - 1} automaton pattern(s) before it, it ${last?.message ?? 'overflows'}: ${what}; ` +
      `split the profile or use literal paths, '/dir/**' and '/**/name' (hash and trie lookups)`,
  );
}

/** Compiles the path and command rules of a profile for table id `tableId`. */
export function compilePathTables(profile: Profile, tableId: number): PathTables {
  const writes: MapWrite[] = [];
  const prefixMap = new Map<string, TrieEntry>();
  const suffixMap = new Map<string, TrieEntry>();
  const containMap = new Map<string, TrieEntry>();
  const runItems: (DfaItem & { key: Buffer; c: Contribution })[] = [];
  const pathItems: DfaItem[] = [];
  const nameItems: DfaItem[] = [];
  const byStrategy = { exact: 0, prefix: 0, suffix: 0, contains: 0, automaton: 0 };

  const addPlan = (rule: PathRule | CommandRule, plan: PathRule['plan'], c: Contribution): void => {
    const toDfa = (components: readonly GlobComponent[]): void => {
      byStrategy.automaton++;
      pathItems.push({ rule, pattern: { kind: 'path', components, tag: c } });
    };
    switch (plan.strategy) {
      case 'exact': {
        const key = Buffer.concat([Buffer.from(utf8.encode(plan.path)), Buffer.of(0x2f)]);
        if (key.length > POLICY_LPM_BYTES) {
          toDfa(literalComponents(plan.path));
          return;
        }
        byStrategy.exact++;
        addEntry(prefixMap, key, c, true);
        return;
      }
      case 'prefix': {
        const key = plan.prefix === '/' ? Buffer.from('/') : Buffer.from(plan.prefix + '/', 'utf8');
        if (key.length > POLICY_LPM_BYTES) {
          toDfa([...literalComponents(plan.prefix), { type: 'globstar' }]);
          return;
        }
        byStrategy.prefix++;
        addEntry(prefixMap, key, c, false);
        return;
      }
      case 'suffix': {
        const key = Buffer.from(plan.suffix, 'utf8').reverse();
        if (key.length > POLICY_LPM_BYTES) {
          toDfa([{ type: 'globstar' }, ...literalComponents(plan.suffix)]);
          return;
        }
        byStrategy.suffix++;
        addEntry(suffixMap, key, c, false);
        return;
      }
      case 'contains': {
        const components = [
          { type: 'globstar' },
          ...literalComponents(plan.run),
          { type: 'globstar' },
        ] as const;
        const key = Buffer.from(plan.run + '/', 'utf8');
        if (key.length > POLICY_LPM_BYTES) {
          toDfa(components);
          return;
        }
        runItems.push({ rule, key, c, pattern: { kind: 'path', components, tag: c } });
        return;
      }
      case 'glob': {
        toDfa(plan.components);
        return;
      }
    }
  };

  for (const r of profile.paths.denied) addPlan(r, r.plan, pathContribution(r, true));
  for (const r of profile.paths.allowed) addPlan(r, r.plan, pathContribution(r, false));
  for (const [list, deny] of [
    [profile.commands.denied, true],
    [profile.commands.allowed, false],
  ] as const) {
    for (const r of list) {
      const c = commandContribution(r, deny);
      const m = r.match;
      if (m.by === 'path') addPlan(r, m.plan, c);
      else {
        const tokens = m.strategy === 'exact' ? [{ type: 'literal' as const, text: m.name }] : m.tokens;
        nameItems.push({ rule: r, pattern: { kind: 'name', tokens, tag: c } });
      }
    }
  }

  // Automata: the basename one first (small), the path one gets the rest of the row block.
  const nameDfa =
    nameItems.length === 0
      ? undefined
      : automatonOrRefuse(
          nameItems,
          POLICY_DFA_STATES,
          `basename automaton (${POLICY_DFA_STATES} rows per profile)`,
        );
  const nameRows = nameDfa === undefined ? 0 : nameDfa.next.length - 1;
  // Component runs ride in the path automaton while it stays small (no cost per open beyond the
  // walk it does anyway); past RUNS_IN_AUTOMATON_STATES each one would double it, so they go to
  // the component-run trie (one lookup per path component; docs/kernel-matcher.md has the figures).
  let pathDfa: Automaton<Contribution> | undefined;
  if (runItems.length > 0) {
    try {
      pathDfa = buildAutomaton(
        [...pathItems, ...runItems].map((i) => i.pattern),
        Math.min(RUNS_IN_AUTOMATON_STATES, POLICY_DFA_STATES - nameRows),
        POLICY_CLASSES,
      );
      pathItems.push(...runItems);
      byStrategy.automaton += runItems.length;
    } catch (err) {
      if (!(err instanceof AutomatonOverflow)) throw err;
      for (const r of runItems) addEntry(containMap, r.key, r.c, false);
      byStrategy.contains += runItems.length;
    }
  }
  pathDfa ??=
    pathItems.length === 0
      ? undefined
      : automatonOrRefuse(
          pathItems,
          POLICY_DFA_STATES - nameRows,
          `path automaton (${POLICY_DFA_STATES} rows per profile, ${nameRows} used by basenames)`,
        );
  const pathRows = pathDfa === undefined ? 1 : pathDfa.next.length;
  // Row 0 is the shared dead state; path states keep their numbers; basename state d is row pathRows + d - 1.
  const rowBase = tableId * POLICY_DFA_STATES;
  const addRows = (dfa: Automaton<Contribution>, shift: number): void => {
    dfa.next.forEach((row, d) => {
      if (d === 0 && shift !== 0) return;
      const next = Buffer.alloc(POLICY_CLASSES * 2);
      row.forEach((to, c) => next.writeUInt16LE(to === 0 ? 0 : to + shift, c * 2));
      const key = Buffer.alloc(4);
      key.writeUInt32LE(rowBase + (d === 0 ? 0 : d + shift));
      writes.push({ map: POLICY_MAPS.rows, key, value: encodeStruct(PolicyRow, { next }) });
      const acc = aggOf(dfa.accepts[d] ?? []);
      writes.push({
        map: POLICY_MAPS.accept,
        key: Buffer.from(key),
        value: encodeStruct(PolicyAgg, encodeAgg(acc)),
      });
    });
  };
  if (pathDfa !== undefined) addRows(pathDfa, 0);
  if (nameDfa !== undefined) addRows(nameDfa, pathRows - 1);

  for (const { entry, partial, full } of foldAncestors(prefixMap).values()) {
    writes.push({
      map: POLICY_MAPS.prefix,
      key: pathKey(tableId, entry.bytes),
      value: encodeStruct(PolicyPrefix, {
        len: entry.bytes.length,
        partial: encodeAgg(partial),
        full: encodeAgg(full),
      }),
    });
  }
  for (const [map, trie] of [
    [POLICY_MAPS.suffix, suffixMap],
    [POLICY_MAPS.contain, containMap],
  ] as const) {
    for (const { entry, partial } of foldAncestors(trie).values()) {
      writes.push({
        map,
        key: pathKey(tableId, entry.bytes),
        value: encodeStruct(PolicyAgg, encodeAgg(partial)),
      });
    }
  }

  return {
    writes,
    prefixEntries: prefixMap.size,
    suffixEntries: suffixMap.size,
    containEntries: containMap.size,
    pathStart: pathDfa === undefined ? 0 : 1,
    nameStart: nameDfa === undefined ? 0 : pathRows,
    pathClasses: pathDfa?.classes ?? new Uint8Array(256),
    nameClasses: nameDfa?.classes ?? new Uint8Array(256),
    pathStates: pathDfa?.next.length ?? 0,
    nameStates: nameDfa?.next.length ?? 0,
    pathClassCount: pathDfa?.classCount ?? 0,
    nameClassCount: nameDfa?.classCount ?? 0,
    rows: pathDfa === undefined && nameDfa === undefined ? 0 : pathRows + nameRows,
    byStrategy,
  };
}

/** A default as the kernel's action byte: ALLOW 0, AUDIT 1, BLOCK 2. */
export function defaultAction(policy: DefaultPolicy): number {
  return policy === 'allow' ? 0 : policy === 'audit' ? 1 : 2;
}

/**
 * The over-bound rule per slot (read, write, rdwr, exec, unlink, rename; docs/matching.md), for
 * paths the kernel cannot read: a deny default blocks; else BLOCK if a block/kill rule that could
 * match a long path covers the access, AUDIT if only audit ones do, else the default's action.
 * Exec: denied command path rules that could match a long path (the kernel applies the rest).
 */
export function overBoundActions(profile: Profile): number[] {
  const strongest = (rules: readonly { action: string }[]): number =>
    rules.some((r) => r.action === 'block' || r.action === 'kill')
      ? 2
      : rules.some((r) => r.action === 'audit')
        ? 1
        : 0;
  const path = (bits: number, policy: DefaultPolicy): number => {
    if (policy === 'deny') return 2;
    const denied = strongest(profile.paths.denied.filter((r) => r.plan.overBound && (r.ops & bits) !== 0));
    return denied !== 0 ? denied : defaultAction(policy);
  };
  const exec = strongest(
    profile.commands.denied.filter((r) => r.match.by === 'path' && r.match.plan.overBound),
  );
  const d = profile.defaults;
  return [
    path(1, d.paths),
    path(2, d.paths),
    path(3, d.paths),
    exec,
    path(OP_BITS.unlink, d.unlinks),
    path(OP_BITS.rename, d.renames),
    0,
    0,
  ];
}
