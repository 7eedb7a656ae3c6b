// A loaded Profile -> the kernel matcher's map entries, as plain data (no kernel access), so the
// compiler is testable anywhere and one module (src/kernel/policy-tables.ts) writes it.
//
// Tables (docs/kernel-matcher.md): exact and `/dir/**` rules in one LPM trie keyed `path + "/"`,
// `/**/name` rules in an LPM trie over reversed bytes, every other pattern (and literals too long
// for a trie key) in one automaton; basename command rules in a second automaton; networks in an
// LPM trie with port segments. Each trie entry carries the verdict of every rule that matches
// whenever it is the longest match (its ancestors folded in), so one lookup per table suffices.
// A profile that does not fit is refused with a ProfileCompileError naming the pattern.
import { encodeStruct } from '../decode/struct-layout.js';
import {
  POLICY_CLASSES,
  POLICY_DFA_STATES,
  POLICY_FLAG,
  POLICY_LPM_BYTES,
  POLICY_PORT_SEGS,
  POLICY_RULE_NONE,
  POLICY_TABLES,
  PolicyAgg,
  PolicyNet,
  PolicyNetKey,
  PolicyPathKey,
  PolicyPortSeg,
  PolicyPrefix,
  PolicyRow,
  PolicyReactiveKey,
  PolicyTable,
} from '../decode/wire-layout.js';
import { AutomatonOverflow, buildAutomaton } from './compile-dfa.js';
import type { Automaton, AutomatonPattern } from './compile-dfa.js';
import { ProfileCompileError } from './compile-errors.js';
import type { GlobComponent } from './glob.js';
import type { CommandRule, NetworkRule, PathRule, Profile, RuleAction } from './profile-types.js';

/** Map names of kernel/policy/policy_maps.h. */
export const POLICY_MAPS = {
  tables: 'policy_tables',
  active: 'policy_active',
  prefix: 'policy_prefix',
  suffix: 'policy_suffix',
  nets: 'policy_nets',
  /** filled by deny-inodes.ts (from the filesystem), not by compileTables */
  inodes: 'policy_inodes',
  /** denied path rules with `on_reactive: audit` */
  reactive: 'policy_reactive',
  rows: 'policy_rows',
  accept: 'policy_accept',
} as const;
export type PolicyMapName = (typeof POLICY_MAPS)[keyof typeof POLICY_MAPS];

export interface MapWrite {
  readonly map: PolicyMapName;
  readonly key: Buffer;
  readonly value: Buffer;
}

export interface TableFigures {
  readonly prefixEntries: number;
  readonly suffixEntries: number;
  readonly networkEntries: number;
  readonly portSegments: number;
  /** Automaton states, dead state included; `rows` is what the table id uses of its row block. */
  readonly pathStates: number;
  readonly nameStates: number;
  readonly pathClasses: number;
  readonly nameClasses: number;
  readonly rows: number;
  /** Patterns per strategy, as enforced (literals too long for a trie key count as automaton). */
  readonly byStrategy: {
    readonly exact: number;
    readonly prefix: number;
    readonly suffix: number;
    readonly automaton: number;
  };
  /** Key and value bytes of every entry written. */
  readonly bytes: number;
}

export interface CompiledTables {
  readonly tableId: number;
  /** Every entry to write; the table header (policy_tables) is last: it makes the table valid. */
  readonly writes: readonly MapWrite[];
  readonly figures: TableFigures;
}

export type SlotName = 'read' | 'write' | 'rdwr' | 'exec';
const SLOTS: readonly SlotName[] = ['read', 'write', 'rdwr', 'exec'];

/** The combined verdict of the rules of one side that matched (see struct vigil_policy_slot). */
export interface SlotVerdict {
  denyAction: number;
  denyRule: number;
  allowRule: number;
}
export type AggVerdict = Record<SlotName, SlotVerdict>;

/** What one rule adds to the slots it covers. */
interface Contribution {
  readonly slots: readonly SlotName[];
  readonly deny: boolean;
  readonly action: number; // enum vigil_policy_action, for denied rules
  readonly rule: number;
}

const ACTION: Record<RuleAction, number> = { audit: 1, block: 2, kill: 3 };
const utf8 = new TextEncoder();

export function emptySlot(): SlotVerdict {
  return { denyAction: 0, denyRule: POLICY_RULE_NONE, allowRule: POLICY_RULE_NONE };
}

function emptyAgg(): AggVerdict {
  return { read: emptySlot(), write: emptySlot(), rdwr: emptySlot(), exec: emptySlot() };
}

/** Strongest denied action, then lowest index; lowest allowed index (docs/matching.md). */
export function mergeSlot(into: SlotVerdict, from: SlotVerdict): void {
  if (
    from.denyAction > into.denyAction ||
    (from.denyAction === into.denyAction && from.denyAction > 0 && from.denyRule < into.denyRule)
  ) {
    into.denyAction = from.denyAction;
    into.denyRule = from.denyRule;
  }
  if (from.allowRule < into.allowRule) into.allowRule = from.allowRule;
}

function apply(agg: AggVerdict, c: Contribution): void {
  const one: SlotVerdict = c.deny
    ? { denyAction: c.action, denyRule: c.rule, allowRule: POLICY_RULE_NONE }
    : { denyAction: 0, denyRule: POLICY_RULE_NONE, allowRule: c.rule };
  for (const s of c.slots) mergeSlot(agg[s], one);
}

function aggOf(contribs: Iterable<Contribution>): AggVerdict {
  const agg = emptyAgg();
  for (const c of contribs) apply(agg, c);
  return agg;
}

function encodeSlot(s: SlotVerdict): { deny_action: number; deny_rule: number; allow_rule: number } {
  return { deny_action: s.denyAction, deny_rule: s.denyRule, allow_rule: s.allowRule };
}

function encodeAgg(a: AggVerdict): Record<SlotName, ReturnType<typeof encodeSlot>> {
  return {
    read: encodeSlot(a.read),
    write: encodeSlot(a.write),
    rdwr: encodeSlot(a.rdwr),
    exec: encodeSlot(a.exec),
  };
}

const ACCESS_BITS = { read: 1, write: 2, any: 3 } as const;

/** Open slots a path rule covers: denied when it names any right asked, allowed when it grants all. */
function pathContribution(r: PathRule, deny: boolean): Contribution {
  const bits = ACCESS_BITS[r.access];
  const slots: SlotName[] = [];
  if (bits & 1) slots.push('read');
  if (bits & 2) slots.push('write');
  if (deny || bits === 3) slots.push('rdwr');
  return { slots, deny, action: deny ? ACTION[r.action as RuleAction] : 0, rule: r.index };
}

function commandContribution(r: CommandRule, deny: boolean): Contribution {
  return { slots: ['exec'], deny, action: deny ? ACTION[r.action as RuleAction] : 0, rule: r.index };
}

interface Described {
  readonly rule: PathRule | CommandRule | NetworkRule;
}

function describe(r: PathRule | CommandRule | NetworkRule): string {
  return `${r.id} '${r.written}'`;
}

function refuse(
  code: 'VIGIL_PROFILE_TOO_BIG' | 'VIGIL_PROFILE_PATTERN',
  r: Described['rule'],
  detail: string,
): never {
  throw new ProfileCompileError(code, r.origin, `${describe(r)}: ${detail}`);
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

/** Compiles a profile's rules into the kernel tables for table id `tableId` (0..POLICY_TABLES-1). */
export function compileTables(profile: Profile, tableId: number): CompiledTables {
  if (!Number.isInteger(tableId) || tableId < 0 || tableId >= POLICY_TABLES) {
    throw new RangeError(`table id ${tableId} is out of range 0-${POLICY_TABLES - 1}`);
  }
  for (const list of [
    profile.paths.denied,
    profile.paths.allowed,
    profile.commands.denied,
    profile.commands.allowed,
    profile.networks.denied,
    profile.networks.allowed,
  ]) {
    const over = list[POLICY_RULE_NONE];
    if (over !== undefined)
      refuse('VIGIL_PROFILE_TOO_BIG', over, `a rule list holds at most ${POLICY_RULE_NONE} rules`);
  }
  const writes: MapWrite[] = [];
  const prefixMap = new Map<string, TrieEntry>();
  const suffixMap = new Map<string, TrieEntry>();
  const pathItems: DfaItem[] = [];
  const nameItems: DfaItem[] = [];
  const byStrategy = { exact: 0, prefix: 0, suffix: 0, automaton: 0 };

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
  const pathDfa =
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
  for (const { entry, partial } of foldAncestors(suffixMap).values()) {
    writes.push({
      map: POLICY_MAPS.suffix,
      key: pathKey(tableId, entry.bytes),
      value: encodeStruct(PolicyAgg, encodeAgg(partial)),
    });
  }

  const nets = compileNetworks(profile, tableId);
  writes.push(...nets.writes);

  let flags = POLICY_FLAG.VIGIL_POLICY_F_VALID;
  if (profile.mode === 'audit') flags |= POLICY_FLAG.VIGIL_POLICY_F_AUDIT;
  if (profile.defaults.paths === 'deny') flags |= POLICY_FLAG.VIGIL_POLICY_F_PATHS_DENY;
  if (profile.defaults.networks === 'deny') flags |= POLICY_FLAG.VIGIL_POLICY_F_NETS_DENY;
  if (profile.defaults.commands === 'deny') flags |= POLICY_FLAG.VIGIL_POLICY_F_CMDS_DENY;
  if (prefixMap.size > 0) flags |= POLICY_FLAG.VIGIL_POLICY_F_PREFIX;
  if (suffixMap.size > 0) flags |= POLICY_FLAG.VIGIL_POLICY_F_SUFFIX;
  if (pathDfa !== undefined) flags |= POLICY_FLAG.VIGIL_POLICY_F_PATH_DFA;
  if (nameDfa !== undefined) flags |= POLICY_FLAG.VIGIL_POLICY_F_NAME_DFA;
  if (nets.entries > 0) flags |= POLICY_FLAG.VIGIL_POLICY_F_NETS;
  const header = encodeStruct(PolicyTable, {
    flags,
    path_start: pathDfa === undefined ? 0 : 1,
    name_start: nameDfa === undefined ? 0 : pathRows,
    bound: Buffer.from(overBoundActions(profile)),
    path_classes: Buffer.from(pathDfa?.classes ?? new Uint8Array(256)),
    name_classes: Buffer.from(nameDfa?.classes ?? new Uint8Array(256)),
  });
  // denied path rules that audit, not kill, where the kernel could only kill (on_reactive)
  if (profile.mode !== 'audit') {
    for (const r of profile.paths.denied) {
      if (r.onReactive !== 'audit' || r.action === 'audit') continue;
      const key = encodeStruct(PolicyReactiveKey, { table: tableId, rule: r.index });
      writes.push({ map: POLICY_MAPS.reactive, key, value: Buffer.of(1) });
    }
  }
  const tableKey = Buffer.alloc(4);
  tableKey.writeUInt32LE(tableId);
  writes.push({ map: POLICY_MAPS.tables, key: tableKey, value: header });

  return {
    tableId,
    writes,
    figures: {
      prefixEntries: prefixMap.size,
      suffixEntries: suffixMap.size,
      networkEntries: nets.entries,
      portSegments: nets.segments,
      pathStates: pathDfa?.next.length ?? 0,
      nameStates: nameDfa?.next.length ?? 0,
      pathClasses: pathDfa?.classCount ?? 0,
      nameClasses: nameDfa?.classCount ?? 0,
      rows: pathDfa === undefined && nameDfa === undefined ? 0 : pathRows + nameRows,
      byStrategy,
      bytes: writes.reduce((n, w) => n + w.key.length + w.value.length, 0),
    },
  };
}

/**
 * The over-bound rule per slot (docs/matching.md), for paths the kernel cannot read: a deny
 * default blocks; else BLOCK if a block/kill rule that could match a long path covers the access,
 * AUDIT if only audit ones do. Exec: denied command path rules that could match a long path.
 */
function overBoundActions(profile: Profile): number[] {
  const strongest = (rules: readonly { action: string }[]): number =>
    rules.some((r) => r.action === 'block' || r.action === 'kill')
      ? 2
      : rules.some((r) => r.action === 'audit')
        ? 1
        : 0;
  const open = (bits: number): number => {
    if (profile.defaults.paths === 'deny') return 2;
    return strongest(
      profile.paths.denied.filter((r) => r.plan.overBound && (ACCESS_BITS[r.access] & bits) !== 0),
    );
  };
  const exec = strongest(
    profile.commands.denied.filter((r) => r.match.by === 'path' && r.match.plan.overBound),
  );
  return [open(1), open(2), open(3), exec];
}

interface NetEntry {
  readonly target: NetworkRule['target'];
  readonly rules: NetworkRule[];
}

function contains(outer: NetworkRule['target'], inner: NetworkRule['target']): boolean {
  if (outer.family !== inner.family || outer.prefix > inner.prefix) return false;
  const full = outer.prefix >> 3;
  for (let i = 0; i < full; i++) if (outer.bytes[i] !== inner.bytes[i]) return false;
  const bits = outer.prefix & 7;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return ((inner.bytes[full] ?? 0) & mask) === outer.bytes[full];
}

/** One LPM entry per distinct network; its value holds port segments with every containing rule folded in. */
function compileNetworks(
  profile: Profile,
  tableId: number,
): { writes: MapWrite[]; entries: number; segments: number } {
  const entries = new Map<string, NetEntry>();
  const all = [...profile.networks.denied, ...profile.networks.allowed];
  // a rule with several destinations (`resolvers`) takes part as one rule per destination
  for (const r of all.flatMap((x) => x.targets.map((target) => ({ ...x, target })))) {
    const k = `${r.target.family}/${r.target.bytes.join('.')}/${r.target.prefix}`;
    const e = entries.get(k) ?? { target: r.target, rules: [] };
    e.rules.push(r);
    entries.set(k, e);
  }
  const writes: MapWrite[] = [];
  let segments = 0;
  for (const e of entries.values()) {
    const rules = all.filter((r) => contains(r.target, e.target));
    const cuts = new Set<number>([0]);
    for (const r of rules) for (const [lo, hi] of r.target.ports ?? [[0, 65535]]) cuts.add(lo).add(hi + 1);
    const points = [...cuts].filter((p) => p <= 65535).sort((a, b) => a - b);
    const segs: { lo: number; hi: number; tcp: SlotVerdict; udp: SlotVerdict }[] = [];
    points.forEach((lo, i) => {
      const hi = (points[i + 1] ?? 65536) - 1;
      const tcp = emptySlot();
      const udp = emptySlot();
      for (const r of rules) {
        if (r.target.ports !== null && !r.target.ports.some(([a, b]) => a <= lo && hi <= b)) continue;
        const deny = r.action !== 'allow';
        const one: SlotVerdict = deny
          ? { denyAction: ACTION[r.action], denyRule: r.index, allowRule: POLICY_RULE_NONE }
          : { denyAction: 0, denyRule: POLICY_RULE_NONE, allowRule: r.index };
        if (r.target.protocol !== 'udp') mergeSlot(tcp, one);
        if (r.target.protocol !== 'tcp') mergeSlot(udp, one);
      }
      const empty = (s: SlotVerdict): boolean => s.denyAction === 0 && s.allowRule === POLICY_RULE_NONE;
      if (empty(tcp) && empty(udp)) return;
      const prev = segs[segs.length - 1];
      const same = (a: SlotVerdict, b: SlotVerdict): boolean =>
        a.denyAction === b.denyAction && a.denyRule === b.denyRule && a.allowRule === b.allowRule;
      if (prev !== undefined && prev.hi + 1 === lo && same(prev.tcp, tcp) && same(prev.udp, udp))
        prev.hi = hi;
      else segs.push({ lo, hi, tcp, udp });
    });
    if (segs.length > POLICY_PORT_SEGS) {
      const last = e.rules[e.rules.length - 1] as NetworkRule;
      refuse(
        'VIGIL_PROFILE_TOO_BIG',
        last,
        `the network ${e.target.cidr} with the port rules that cover it needs ${segs.length} port segments; the bound is ${POLICY_PORT_SEGS}`,
      );
    }
    segments += segs.length;
    const segBuf = Buffer.alloc(POLICY_PORT_SEGS * PolicyPortSeg.size);
    segs.forEach((s, i) =>
      encodeStruct(PolicyPortSeg, {
        lo: s.lo,
        hi: s.hi,
        tcp: encodeSlot(s.tcp),
        udp: encodeSlot(s.udp),
      }).copy(segBuf, i * PolicyPortSeg.size),
    );
    const addr = Buffer.alloc(16);
    Buffer.from(e.target.bytes).copy(addr);
    writes.push({
      map: POLICY_MAPS.nets,
      key: encodeStruct(PolicyNetKey, {
        prefixlen: 40 + e.target.prefix,
        table: tableId,
        family: e.target.family,
        addr,
      }),
      value: encodeStruct(PolicyNet, { count: segs.length, segs: segBuf }),
    });
  }
  return { writes, entries: entries.size, segments };
}

/** Rule id for a kernel verdict: `denied_paths[3]`, `default`, `path-bound`, `fail_closed`. */
export function ruleIdOf(kind: 'open' | 'exec' | 'connect', ruleKind: number, rule: number): string {
  const list = kind === 'open' ? 'paths' : kind === 'exec' ? 'commands' : 'networks';
  switch (ruleKind) {
    case 1:
      return `denied_${list}[${rule}]`;
    case 2:
      return `allowed_${list}[${rule}]`;
    case 3:
      return 'path-bound';
    case 4:
      return 'error';
    case 5:
      return 'fail_closed';
    default:
      return 'default';
  }
}

export { SLOTS as POLICY_SLOTS };
