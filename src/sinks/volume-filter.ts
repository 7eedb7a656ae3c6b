// Volume control for the one kind of line that can flood the log: file opens nobody objected
// to (action ALLOW or OBSERVE). Everything else always passes: any BLOCK, KILL or AUDIT line,
// and every exec, fork, exit, connect, UDP send, socket, session and loss line.
//
//   all    every file open is written (default)
//   first  the first open of a path per session, per access (read / write) and outcome
//          (succeeded / failed): a file read early and written later shows both
//   none   no allowed or observed file open is written
//
// `first` remembers what it has written, bounded by `maxBytes` of remembered paths (default
// 16 MiB, about 90 000 paths of 60 characters, all sessions together). When full it stops
// remembering and lets every further open through (falls back to `all`), so a full filter
// costs volume, never a line; `stats().overflowed` counts those and forgetSession() frees a
// session's share.
import type { AuditLine, AuditLineOf } from './audit-schema.js';

export const FILE_OPEN_VOLUMES = ['all', 'first', 'none'] as const;
export type FileOpenVolume = (typeof FILE_OPEN_VOLUMES)[number];

export interface VolumeFilterOptions {
  fileOpens: FileOpenVolume;
  /** bound on remembered path bytes for `first`; default 16 MiB */
  maxBytes?: number;
}

export interface VolumeFilterStats {
  /** lines the filter held back (by design: allowed/observed file opens only) */
  suppressed: number;
  /** file opens let through only because the memory of `first` was full */
  overflowed: number;
  /** bytes of remembered paths */
  rememberedBytes: number;
}

export const VOLUME_FILTER_DEFAULTS = { maxBytes: 16 * 1024 * 1024 } as const;

// A remembered key costs its UTF-16 string plus Set and Map overhead, about this much more.
const KEY_OVERHEAD = 64;
const WRITE_FLAGS = new Set(['O_WRONLY', 'O_RDWR', 'O_CREAT', 'O_TRUNC', 'O_APPEND', 'O_TMPFILE']);

export class VolumeFilter {
  readonly mode: FileOpenVolume;
  readonly maxBytes: number;
  readonly #seen = new Map<string, Set<string>>();
  #bytes = 0;
  #suppressed = 0;
  #overflowed = 0;

  constructor(options: VolumeFilterOptions) {
    this.mode = options.fileOpens;
    this.maxBytes = options.maxBytes ?? VOLUME_FILTER_DEFAULTS.maxBytes;
  }

  /** true: write the line. */
  keep(line: AuditLine): boolean {
    if (line.event !== 'file_open' || (line.action !== 'ALLOW' && line.action !== 'OBSERVE')) return true;
    switch (this.mode) {
      case 'all':
        return true;
      case 'none':
        this.#suppressed++;
        return false;
      case 'first':
        return this.#first(line);
    }
  }

  /** Frees what `first` remembers for a session (call at session end). */
  forgetSession(sessionId: string): void {
    const keys = this.#seen.get(sessionId);
    if (keys === undefined) return;
    for (const k of keys) this.#bytes -= cost(k);
    this.#seen.delete(sessionId);
  }

  stats(): VolumeFilterStats {
    return { suppressed: this.#suppressed, overflowed: this.#overflowed, rememberedBytes: this.#bytes };
  }

  #first(line: AuditLineOf<'file_open'>): boolean {
    const write = line.flags.some((f) => WRITE_FLAGS.has(f));
    const failed = typeof line.result === 'string';
    const key = `${write ? 'w' : 'r'}${failed ? '!' : ' '}${line.path}`;
    let keys = this.#seen.get(line.session);
    if (keys?.has(key) === true) {
      this.#suppressed++;
      return false;
    }
    if (this.#bytes + cost(key) > this.maxBytes) {
      this.#overflowed++;
      return true;
    }
    if (keys === undefined) {
      keys = new Set();
      this.#seen.set(line.session, keys);
    }
    keys.add(key);
    this.#bytes += cost(key);
    return true;
  }
}

function cost(key: string): number {
  return key.length * 2 + KEY_OVERHEAD;
}
