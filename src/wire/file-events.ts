// --file-events: how many allowed file opens a session's log holds. Decided in the kernel
// (kernel/lib/volume.h): the lines held back are counted there, and reported in file_activity
// lines. Every BLOCK, KILL or AUDIT line, every exec, connect and session line is written in
// every mode.
//
//   all    every file open is written
//   first  (default) an allowed open once per session, file (inode) and access (read / write);
//          repeats are counted; a failed lookup (ENOENT) is counted unless a rule other than an
//          allow names its path
//   none   allowed opens are counted only; failed lookups as under first
import { SESSION_FLAG } from './wire-layout.js';

export const FILE_OPEN_VOLUMES = ['all', 'first', 'none'] as const;
export type FileOpenVolume = (typeof FILE_OPEN_VOLUMES)[number];

/** The mode of a session that names none (the daemon's --file-events). */
export const DEFAULT_FILE_EVENTS: FileOpenVolume = 'first';

/** The session flags (struct vigil_session) that tell the kernel's hooks the mode. */
export function fileEventsFlags(mode: FileOpenVolume): number {
  if (mode === 'first') return SESSION_FLAG.VIGIL_SESSION_OPENS_FIRST;
  if (mode === 'none') return SESSION_FLAG.VIGIL_SESSION_OPENS_NONE;
  return 0;
}

/** The kernel's counts of a session's opens not sent one by one (struct vigil_open_volume). */
export interface OpenVolumeCounts {
  repeated: bigint;
  failedLookups: bigint;
  unrecorded: bigint;
}
