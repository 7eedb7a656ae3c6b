// The kernel matcher's maps by name (kernel/policy/policy_maps.h) and one entry to write: what
// the compilers produce and src/loader/policy-tables.ts applies.

/** Map names of kernel/policy/policy_maps.h. */
export const POLICY_MAPS = {
  tables: 'policy_tables',
  active: 'policy_active',
  prefix: 'policy_prefix',
  suffix: 'policy_suffix',
  contain: 'policy_contain',
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
