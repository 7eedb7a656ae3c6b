// A loaded Profile -> the kernel matcher's map entries for one table id, as plain data (no
// kernel access), so the compiler is testable anywhere and one module (src/loader/policy-tables.ts)
// writes it. The path and command tables (compile-paths.ts) and the network trie
// (compile-networks.ts) are built apart; this adds the table header that makes them valid.
// A profile that does not fit is refused with a ProfileCompileError naming the pattern.
import { encodeStruct } from '../wire/struct-layout.js';
import {
  POLICY_FLAG,
  POLICY_RULE_NONE,
  POLICY_TABLES,
  PolicyReactiveKey,
  PolicyTable,
} from '../wire/wire-layout.js';
import { compileNetworks } from './compile-networks.js';
import { compilePathTables, defaultAction, overBoundActions } from './compile-paths.js';
import { POLICY_MAPS, type MapWrite } from './policy-maps.js';
import type { GuardAction, Profile } from './profile-types.js';
import { refuse } from './refuse-rule.js';

/** A guard's action as the kernel's byte (enum vigil_policy_action). */
const GUARD_ACTION: Record<GuardAction, number> = { allow: 0, audit: 1, block: 2, kill: 3 };

export interface TableFigures {
  readonly prefixEntries: number;
  readonly suffixEntries: number;
  readonly containEntries: number;
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
    readonly contains: number;
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
  const paths = compilePathTables(profile, tableId);
  const writes: MapWrite[] = [...paths.writes];
  const nets = compileNetworks(profile, tableId);
  writes.push(...nets.writes);

  let flags = POLICY_FLAG.VIGIL_POLICY_F_VALID;
  if (profile.mode === 'audit') flags |= POLICY_FLAG.VIGIL_POLICY_F_AUDIT;
  if (profile.defaults.paths === 'deny') flags |= POLICY_FLAG.VIGIL_POLICY_F_PATHS_DENY;
  if (profile.defaults.networks === 'deny') flags |= POLICY_FLAG.VIGIL_POLICY_F_NETS_DENY;
  if (profile.defaults.commands === 'deny') flags |= POLICY_FLAG.VIGIL_POLICY_F_CMDS_DENY;
  if (paths.prefixEntries > 0) flags |= POLICY_FLAG.VIGIL_POLICY_F_PREFIX;
  if (paths.suffixEntries > 0) flags |= POLICY_FLAG.VIGIL_POLICY_F_SUFFIX;
  if (paths.containEntries > 0) flags |= POLICY_FLAG.VIGIL_POLICY_F_CONTAIN;
  if (paths.pathStart !== 0) flags |= POLICY_FLAG.VIGIL_POLICY_F_PATH_DFA;
  if (paths.nameStart !== 0) flags |= POLICY_FLAG.VIGIL_POLICY_F_NAME_DFA;
  if (nets.entries > 0) flags |= POLICY_FLAG.VIGIL_POLICY_F_NETS;
  const d = profile.defaults;
  const header = encodeStruct(PolicyTable, {
    flags,
    path_start: paths.pathStart,
    name_start: paths.nameStart,
    bound: Buffer.from(overBoundActions(profile)),
    dflt: Buffer.from([
      ...[d.paths, d.paths, d.paths, d.commands, d.unlinks, d.renames, d.networks].map(defaultAction),
      0,
    ]),
    guard: Buffer.from([
      GUARD_ACTION[profile.ptrace.action],
      GUARD_ACTION[profile.signals.action],
      GUARD_ACTION[profile.execMemory],
      (profile.ptrace.targets === 'any' ? 1 : 0) | (profile.signals.targets === 'any' ? 2 : 0),
    ]),
    path_classes: Buffer.from(paths.pathClasses),
    name_classes: Buffer.from(paths.nameClasses),
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
      prefixEntries: paths.prefixEntries,
      suffixEntries: paths.suffixEntries,
      containEntries: paths.containEntries,
      networkEntries: nets.entries,
      portSegments: nets.segments,
      pathStates: paths.pathStates,
      nameStates: paths.nameStates,
      pathClasses: paths.pathClassCount,
      nameClasses: paths.nameClassCount,
      rows: paths.rows,
      byStrategy: paths.byStrategy,
      bytes: writes.reduce((n, w) => n + w.key.length + w.value.length, 0),
    },
  };
}
