// Landlock's vocabulary as vigil uses it: the modes of `vigil run`, the LANDLOCK_ACCESS_FS_*
// rights an open asks for (linux/landlock.h), and a grant of rights on a path. Shared by the
// planner (landlock-plan.ts), the daemon's lookups (landlock-grants.ts) and the CLI.

export const LANDLOCK_MODES = ['auto', 'strict', 'off'] as const;
export type LandlockMode = (typeof LANDLOCK_MODES)[number];

/** The LANDLOCK_ACCESS_FS_* bits (linux/landlock.h) for the rights an open asks for. */
export const FS = {
  WRITE_FILE: 1 << 1,
  READ_FILE: 1 << 2,
  READ_DIR: 1 << 3,
  MAKE_REG: 1 << 8,
  REFER: 1 << 13,
  TRUNCATE: 1 << 14,
} as const;
export const READ_RIGHTS = FS.READ_FILE | FS.READ_DIR;
/** O_CREAT needs MAKE_REG; renaming or linking across folders needs REFER on both sides. */
export const WRITE_RIGHTS = FS.WRITE_FILE | FS.TRUNCATE | FS.MAKE_REG | FS.REFER;
/** Only the rights vigil decides: exec, removal, mkdir, ioctl, network and scopes are not handled. */
export const HANDLED_RIGHTS = READ_RIGHTS | WRITE_RIGHTS;
/** The rights a rule on a file (not a folder) can carry. */
export const FILE_RIGHTS = FS.READ_FILE | FS.WRITE_FILE | FS.TRUNCATE;
/** More rules than this is a plan gone wrong (a carve-out in a huge folder); strict refuses it. */
export const LANDLOCK_MAX_RULES = 65536;

/** The Landlock rights of a rule's open operations (OP_BITS read 1, write 2); unlink and rename are not handled. */
export function rightsOf(ops: number): number {
  return ((ops & 1) !== 0 ? READ_RIGHTS : 0) | ((ops & 2) !== 0 ? WRITE_RIGHTS : 0);
}

const NAMES: readonly [number, string][] = [
  [FS.READ_FILE, 'read_file'],
  [FS.READ_DIR, 'read_dir'],
  [FS.WRITE_FILE, 'write_file'],
  [FS.TRUNCATE, 'truncate'],
  [FS.MAKE_REG, 'make_reg'],
  [FS.REFER, 'refer'],
];

export function rightNames(mask: number): string[] {
  return NAMES.filter(([bit]) => (mask & bit) !== 0).map(([, name]) => name);
}

export interface LandlockGrant {
  readonly path: string;
  readonly rights: number;
}
