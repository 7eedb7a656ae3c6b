// Writes audit lines, one JSON object per line, to stdout or to a file (--audit-log FILE).
// Synchronous writes: when write() returns, the line is in the kernel (and, for the lines
// that matter most, on disk), which is simple to reason about and fast enough (see the
// measurement in test/unit/sinks/audit-writer.test.ts).
//
// File:     opened O_APPEND, created 0600 (an existing file keeps its mode).
// Rotation: before a line that would take the file past `maxBytes` (default 64 MiB), FILE
//           becomes FILE.1, FILE.1 FILE.2, ... up to FILE.<keep> (default 5; the oldest is
//           overwritten), and a new FILE starts. A line never spans two files. keep: 0 means
//           no copies (the file starts over).
// fsync:    BLOCK and KILL lines and loss lines are fsynced before write() returns; other
//           lines at most `syncIntervalMs` (default 1000 ms) later, by the next write or a
//           timer, and at close() and rotation. stdout is fsynced only when it is a file.
// Batches: inside writeBatch() (write-batch.ts; the daemon opens one per ring-buffer batch)
//           lines are encoded into one buffer and written with one write() when the batch
//           ends; the fsync a BLOCK, KILL or loss line needs happens then, before the batch
//           returns. Rotation still happens between the same two lines.
// Failures: a write, fsync, open or rotation that fails throws AuditError
//           VIGIL_AUDIT_WRITE_FAILED (cause: the errno error): never a silent drop. A full
//           pipe is waited on. stdout that is a closed pipe (EPIPE) is reported once through
//           `onNotice`; later lines are counted in stats().unwritable, and not thrown, since
//           nothing can read them.
import * as nodeFs from 'node:fs';
import { dirname } from 'node:path';
import { AuditError } from './audit-errors.js';
import { auditLineJson } from './audit-json.js';
import type { AuditLine } from './audit-schema.js';
import { inWriteBatch, joinWriteBatch, type BatchMember } from './write-batch.js';

/** The file operations the writer uses; injectable so tests can watch (and fail) them. */
export interface WriterFs {
  openSync(path: string, flags: string, mode?: number): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  fstatSync(fd: number): { size: number; isFile(): boolean };
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
}

export interface AuditWriterOptions {
  /** the audit log; stdout when absent */
  path?: string;
  /** rotate before the file would pass this size; default 64 MiB */
  maxBytes?: number;
  /** rotated copies kept (FILE.1 .. FILE.<keep>); default 5 */
  keep?: number;
  /** longest time an ordinary line waits for fsync; default 1000 ms */
  syncIntervalMs?: number;
  fs?: WriterFs;
  /** monotonic ms; performance.now() by default */
  now?: () => number;
  /** one-off messages for the operator (stdout closed); stderr by default */
  onNotice?: (message: string) => void;
  /** fd to write to instead of stdout (tests) */
  stdoutFd?: number;
}

export interface AuditWriterStats {
  lines: number;
  bytes: number;
  fsyncs: number;
  rotations: number;
  /** lines that could not be written because stdout is a closed pipe */
  unwritable: number;
}

export const AUDIT_WRITER_DEFAULTS = {
  maxBytes: 64 * 1024 * 1024,
  keep: 5,
  syncIntervalMs: 1000,
} as const;

/** Lines that are fsynced before write() returns. */
export function mustSync(line: AuditLine): boolean {
  return line.event === 'loss' || line.action === 'BLOCK' || line.action === 'KILL';
}

const QUEUE_INITIAL_BYTES = 64 * 1024;
const QUEUE_KEEP_BYTES = 4 * 1024 * 1024;

// Sleeping while a full non-blocking pipe drains; Atomics.wait is the synchronous sleep.
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const errnoOf = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | undefined)?.code;

export class AuditWriter implements BatchMember {
  readonly path: string | undefined;
  readonly maxBytes: number;
  readonly keep: number;
  readonly syncIntervalMs: number;
  readonly #fs: WriterFs;
  readonly #now: () => number;
  readonly #notice: (message: string) => void;
  #fd: number;
  #size = 0;
  /** whether fsync means anything on #fd (a regular file) */
  #syncable: boolean;
  #dirty = false;
  #lastSync: number;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #stdoutGone = false;
  /** lines encoded and not yet written: #buf[0, #queued) */
  #buf = Buffer.allocUnsafe(QUEUE_INITIAL_BYTES);
  #queued = 0;
  #queuedLines = 0;
  #queuedSync = false;
  readonly #stats: AuditWriterStats = { lines: 0, bytes: 0, fsyncs: 0, rotations: 0, unwritable: 0 };

  constructor(options: AuditWriterOptions = {}) {
    this.path = options.path;
    this.maxBytes = options.maxBytes ?? AUDIT_WRITER_DEFAULTS.maxBytes;
    this.keep = Math.max(0, options.keep ?? AUDIT_WRITER_DEFAULTS.keep);
    this.syncIntervalMs = options.syncIntervalMs ?? AUDIT_WRITER_DEFAULTS.syncIntervalMs;
    this.#fs = options.fs ?? nodeFs;
    this.#now = options.now ?? (() => performance.now());
    this.#notice = options.onNotice ?? ((m) => process.stderr.write(`vigil: ${m}\n`));
    this.#lastSync = this.#now();
    if (this.path === undefined) {
      this.#fd = options.stdoutFd ?? 1;
      this.#syncable = this.#isFile(this.#fd);
    } else {
      this.#fd = this.#open(this.path);
      // /dev/null, a FIFO or a terminal given as the log: fsync means nothing there (EINVAL)
      this.#syncable = this.#isFile(this.#fd);
    }
    if (this.#syncable && this.syncIntervalMs > 0) {
      this.#timer = setInterval(() => {
        this.#syncIfDue(true);
      }, this.syncIntervalMs);
      this.#timer.unref();
    }
  }

  /**
   * Writes one line (and fsyncs it first if mustSync); inside a write batch, queues it for the
   * batch's one write. Throws AuditError if it cannot.
   */
  write(line: AuditLine): void {
    if (this.#closed) throw new AuditError('VIGIL_AUDIT_CLOSED', 'the audit log is closed');
    this.#queue(auditLineJson(line), mustSync(line));
    if (inWriteBatch()) joinWriteBatch(this);
    else this.endBatch();
  }

  /** The end of a write batch: writes what was queued (write-batch.ts calls it). */
  endBatch(): void {
    this.#flushQueue();
    // a burst's buffer (the lines of a large batch) is not kept once they are written
    if (this.#buf.length > QUEUE_KEEP_BYTES) this.#buf = Buffer.allocUnsafe(QUEUE_INITIAL_BYTES);
  }

  /** Encodes a line at the end of the queue; rotates first when it would not fit the file. */
  #queue(json: string, sync: boolean): void {
    const at = this.#queued;
    // UTF-16 code units take at most 3 bytes in UTF-8; +1 for the newline
    if (at + json.length * 3 + 1 > this.#buf.length) this.#grow(at + json.length * 3 + 1);
    const n = this.#buf.write(json, at, 'utf8') + 1;
    this.#buf[at + n - 1] = 0x0a;
    // only a regular file rotates: never rename /dev/null or a FIFO given as the log
    const rotatable = this.path !== undefined && this.#syncable;
    const before = this.#size + at;
    if (rotatable && before > 0 && before + n > this.maxBytes) {
      // the lines queued before this one go to the old file, this one starts the new
      this.#queued = at;
      this.#flushQueue();
      this.rotate();
      this.#buf.copyWithin(0, at, at + n);
      this.#queued = n;
    } else {
      this.#queued = at + n;
    }
    this.#queuedLines++;
    if (sync) this.#queuedSync = true;
  }

  /** One write() for the queued lines, then the fsync one of them needs (or is due). */
  #flushQueue(): void {
    const bytes = this.#queued;
    if (bytes === 0) return;
    const lines = this.#queuedLines;
    const sync = this.#queuedSync;
    this.#queued = 0;
    this.#queuedLines = 0;
    this.#queuedSync = false;
    if (!this.#writeAll(this.#buf.subarray(0, bytes), lines)) return;
    this.#size += bytes;
    this.#stats.lines += lines;
    this.#stats.bytes += bytes;
    this.#dirty = true;
    if (sync) this.sync();
    else this.#syncIfDue(false);
  }

  #grow(needed: number): void {
    const next = Buffer.allocUnsafe(Math.max(needed, this.#buf.length * 2));
    this.#buf.copy(next, 0, 0, this.#queued);
    this.#buf = next;
  }

  /** fsyncs what was written (a no-op for a pipe or terminal). */
  sync(): void {
    this.#flushQueue();
    if (!this.#syncable || !this.#dirty) return;
    try {
      this.#fs.fsyncSync(this.#fd);
    } catch (err) {
      throw this.#failure('fsync', err);
    }
    this.#dirty = false;
    this.#lastSync = this.#now();
    this.#stats.fsyncs++;
  }

  /** Moves FILE to FILE.1 (and so on) and starts a new FILE. */
  rotate(): void {
    const path = this.path;
    if (path === undefined) return;
    this.sync();
    this.#closeFd();
    try {
      if (this.keep === 0) {
        this.#fs.unlinkSync(path);
      } else {
        for (let i = this.keep - 1; i >= 1; i--) {
          try {
            this.#fs.renameSync(`${path}.${i}`, `${path}.${i + 1}`);
          } catch (err) {
            if (errnoOf(err) !== 'ENOENT') throw err;
          }
        }
        this.#fs.renameSync(path, `${path}.1`);
      }
    } catch (err) {
      // Keep writing to the file we have rather than lose lines; say why rotation failed.
      this.#fd = this.#open(path);
      throw this.#failure('rotate', err);
    }
    this.#fd = this.#open(path);
    this.#syncDir(path);
    this.#stats.rotations++;
  }

  /** Closes and opens FILE again (after an outside tool moved it: SIGHUP). */
  reopen(): void {
    if (this.path === undefined || this.#closed) return;
    this.sync();
    this.#closeFd();
    this.#fd = this.#open(this.path);
  }

  /** fsyncs and closes; further writes throw. */
  close(): void {
    if (this.#closed) return;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    try {
      this.sync();
    } finally {
      this.#closed = true;
      if (this.path !== undefined) this.#closeFd();
    }
  }

  stats(): AuditWriterStats {
    return { ...this.#stats };
  }

  #syncIfDue(fromTimer: boolean): void {
    if (!this.#dirty || this.#closed) return;
    if (fromTimer || this.#now() - this.#lastSync >= this.syncIntervalMs) {
      try {
        this.sync();
      } catch (err) {
        // Off the write path nobody can catch it: report, and the next write() throws again.
        if (fromTimer) this.#notice(err instanceof Error ? err.message : String(err));
        else throw err;
      }
    }
  }

  /** false when the lines cannot go anywhere (stdout is a closed pipe). */
  #writeAll(buf: Buffer, lines: number): boolean {
    if (this.#stdoutGone) {
      this.#stats.unwritable += lines;
      return false;
    }
    let off = 0;
    while (off < buf.length) {
      try {
        off += this.#fs.writeSync(this.#fd, buf, off, buf.length - off);
      } catch (err) {
        const code = errnoOf(err);
        if (code === 'EAGAIN') {
          Atomics.wait(sleeper, 0, 0, 1); // a full non-blocking pipe: wait for the reader
          continue;
        }
        if (code === 'EINTR') continue;
        if (code === 'EPIPE' && this.path === undefined) {
          this.#stdoutGone = true;
          this.#stats.unwritable += lines;
          this.#notice(
            'audit output (stdout) is a closed pipe: audit lines are no longer written; use --audit-log FILE',
          );
          return false;
        }
        throw this.#failure('write', err);
      }
    }
    return true;
  }

  #open(path: string): number {
    let fd: number;
    try {
      fd = this.#fs.openSync(path, 'a', 0o600);
    } catch (err) {
      throw this.#failure('open', err);
    }
    try {
      this.#size = this.#fs.fstatSync(fd).size;
    } catch (err) {
      this.#fs.closeSync(fd);
      throw this.#failure('open', err);
    }
    return fd;
  }

  #closeFd(): void {
    try {
      this.#fs.closeSync(this.#fd);
    } catch {
      // the data was fsynced before; a failing close loses nothing more
    }
  }

  /** Makes the rename durable too (on ext4/xfs a renamed entry is in the directory's data). */
  #syncDir(path: string): void {
    try {
      const dfd = this.#fs.openSync(dirname(path), 'r');
      try {
        this.#fs.fsyncSync(dfd);
      } finally {
        this.#fs.closeSync(dfd);
      }
    } catch {
      // best effort: some filesystems refuse fsync on directories
    }
  }

  #isFile(fd: number): boolean {
    try {
      return this.#fs.fstatSync(fd).isFile();
    } catch {
      return false;
    }
  }

  #failure(op: string, err: unknown): AuditError {
    const where = this.path ?? 'stdout';
    const code = errnoOf(err) ?? (err instanceof Error ? err.message : String(err));
    return new AuditError('VIGIL_AUDIT_WRITE_FAILED', `cannot ${op} the audit log ${where}: ${code}`, {
      cause: err,
      hint: code === 'ENOSPC' ? 'free space on the audit log file system' : undefined,
    });
  }
}
