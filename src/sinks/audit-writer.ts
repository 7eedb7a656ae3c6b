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
// Chain:    every line ends with `"seq":N,"prev":"<sha256 of the line before>"` (audit-chain.ts;
//           docs/audit.md#the-hash-chain), added here because the writer knows the file: the
//           chain goes on across rotation, and across restarts (an existing file: after its
//           last line; an empty FILE: after FILE.1's last line). A torn last line (a crash in
//           the middle of a write) is ended with a newline and the next line says
//           chain_break "torn_line"; a file whose last line has no seq starts a new chain that
//           says "unchained"; lines lost to a failed write leave a seq gap and the next line
//           says "write_failed". stdout starts a chain of its own (seq 1) per writer.
import * as nodeFs from 'node:fs';
import { dirname } from 'node:path';
import { GENESIS, readTail, sha256Hex, type ChainBreak } from './audit-chain.js';
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
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
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
const SEQ_KEY = Buffer.from(',"seq":');
const PREV_KEY = Buffer.from(',"prev":"');
const BREAK_KEY = Buffer.from(',"chain_break":"');
const QUOTE = 0x22;
const CLOSE_BRACE = 0x7d;
/** The longest chain keys: `,"seq":<16 digits>,"prev":"<64>","chain_break":"write_failed"}` is 127 bytes. */
const CHAIN_KEYS_MAX_BYTES = 160;

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
  // The hash chain: the next line gets seq #seq + 1, prev #prev and chain_break #break.
  #seq = 0;
  #prev = GENESIS;
  #break: ChainBreak | undefined;
  /** the output ends in a torn line: a newline goes first, so the next line starts a line */
  #newlineFirst = false;
  /** where the queue's lines begin: what a write that fails part way goes back to */
  #queuePrev = GENESIS;
  #queueLead = 0;
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
      try {
        // only a regular file has lines to continue from (reading a FIFO would take its data)
        if (this.#syncable) this.#continueChain(true);
      } catch (err) {
        this.#closeFd();
        throw err;
      }
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
    // the chain keys are the writer's: a line that brings its own (one read back from a log)
    // is written with new ones
    const own =
      line.seq === undefined && line.prev === undefined && line.chain_break === undefined
        ? line
        : withoutChain(line);
    this.#queue(auditLineJson(own), mustSync(line));
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
    if (this.#queued === 0) {
      this.#queuePrev = this.#prev;
      this.#queueLead = this.#newlineFirst ? 1 : 0;
    }
    // UTF-16 code units take at most 3 bytes in UTF-8; the chain keys; the newline that may
    // end a torn line first, and the line's own
    const room = this.#queued + json.length * 3 + CHAIN_KEYS_MAX_BYTES + 2;
    if (room > this.#buf.length) this.#grow(room);
    if (this.#newlineFirst) {
      this.#buf[this.#queued++] = 0x0a;
      this.#newlineFirst = false;
    }
    const at = this.#queued;
    const linePrev = this.#prev;
    const n = this.#encode(json, at);
    // only a regular file rotates: never rename /dev/null or a FIFO given as the log
    const rotatable = this.path !== undefined && this.#syncable;
    const before = this.#size + at;
    if (rotatable && before > 0 && before + n > this.maxBytes) {
      // the lines queued before this one go to the old file, this one starts the new
      const lineHash = this.#prev;
      try {
        this.#queued = at;
        this.#flushQueue();
        this.rotate();
      } catch (err) {
        // this line is not written: the next one follows what the file has, and says so
        if (this.#prev === lineHash) {
          this.#prev = linePrev;
          this.#break = 'write_failed';
        }
        throw err;
      }
      this.#buf.copyWithin(0, at, at + n);
      this.#queued = n;
      this.#queuePrev = linePrev;
      this.#queueLead = 0;
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

  /**
   * Writes the line's JSON at `at` with the chain keys in place of its closing brace, and its
   * newline; returns the bytes written. The chain moves on to this line.
   */
  #encode(json: string, at: number): number {
    const buf = this.#buf;
    // a line is a JSON object with keys: its text ends with the object's closing brace
    let p = at + buf.write(json, at, 'utf8') - 1;
    // byte by byte: building the keys as a string and writing it costs twice as much
    p += putBytes(buf, p, SEQ_KEY);
    p += writeDecimal(buf, p, ++this.#seq);
    p += putBytes(buf, p, PREV_KEY);
    p += buf.write(this.#prev, p, 'latin1');
    buf[p++] = QUOTE;
    if (this.#break !== undefined) {
      p += putBytes(buf, p, BREAK_KEY);
      p += buf.write(this.#break, p, 'latin1');
      buf[p++] = QUOTE;
    }
    buf[p++] = CLOSE_BRACE;
    const end = p;
    this.#prev = sha256Hex(buf.subarray(at, end));
    this.#break = undefined;
    buf[end] = 0x0a;
    return end + 1 - at;
  }

  /**
   * After a write that failed part way (buf[0, written) reached the output): the next line
   * follows what the output has, the last whole line or the torn piece of one (ended by a
   * newline first), and says write_failed; the lines not written keep their seq, so the gap
   * shows where they were.
   */
  #afterFailedWrite(buf: Buffer, written: number): void {
    this.#size += written;
    this.#break = 'write_failed';
    const lead = this.#queueLead;
    if (written < lead) {
      // not even the newline that ends the torn line before the queue
      this.#prev = this.#queuePrev;
      this.#newlineFirst = true;
      return;
    }
    const out = buf.subarray(lead, written);
    const nl = out.lastIndexOf(0x0a);
    if (nl + 1 < out.length) {
      this.#prev = sha256Hex(out.subarray(nl + 1));
      this.#newlineFirst = true;
    } else if (nl >= 0) {
      const start = nl === 0 ? 0 : out.lastIndexOf(0x0a, nl - 1) + 1;
      this.#prev = sha256Hex(out.subarray(start, nl));
    } else {
      this.#prev = this.#queuePrev;
    }
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
    if (this.#isFile(this.#fd)) this.#continueChain(false);
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

  /**
   * The seq and SHA-256 of the last line this writer encoded (seq 0 before the first): what an
   * operator keeps elsewhere to anchor the chain's end.
   */
  chainHead(): { seq: number; hash: string } {
    return { seq: this.#seq, hash: this.#prev };
  }

  /**
   * Where the chain goes on in the file just opened: after its last line; when it is empty and
   * the writer has just started, after FILE.1's last line (a crash between a rotation and the
   * next line); when it is empty after reopen(), after the last line this writer wrote.
   */
  #continueChain(first: boolean): void {
    const path = this.path;
    if (path === undefined) return;
    let tail: ReturnType<typeof readTail>;
    let sameFile = true;
    try {
      if (this.#size > 0) tail = readTail(this.#fs, path);
      else if (first) {
        sameFile = false;
        tail = readTailIfAny(this.#fs, `${path}.1`);
      }
    } catch (err) {
      throw this.#failure('read', err);
    }
    this.#newlineFirst = false;
    if (tail === undefined) return;
    const { last, before } = tail;
    // a torn last line is ended before the next line, in the file that has it
    this.#newlineFirst = sameFile && !last.complete;
    this.#prev = last.hash;
    if (last.chain.kind === 'chained') {
      // lines lost to a failed write before reopen(): keep their gap and say so
      if (this.#break === 'write_failed') this.#seq = Math.max(this.#seq, last.chain.seq);
      else {
        this.#seq = last.chain.seq;
        this.#break = undefined;
      }
    } else if (!last.complete && last.chain.kind === 'not_json') {
      this.#break = 'torn_line';
      this.#seq = before?.chain.kind === 'chained' ? before.chain.seq : 0;
    } else {
      this.#break = 'unchained';
      this.#seq = 0;
    }
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
          // nothing is written from here on: the chain does not matter any more
          this.#stdoutGone = true;
          this.#stats.unwritable += lines;
          this.#notice(
            'audit output (stdout) is a closed pipe: audit lines are no longer written; use --audit-log FILE',
          );
          return false;
        }
        this.#afterFailedWrite(buf, off);
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

function readTailIfAny(fs: WriterFs, path: string): ReturnType<typeof readTail> {
  try {
    return readTail(fs, path);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/** The line without the keys the writer adds. */
function withoutChain(line: AuditLine): AuditLine {
  const copy = { ...line };
  delete copy.seq;
  delete copy.prev;
  delete copy.chain_break;
  return copy;
}

/** Copies a few bytes (a loop beats Buffer.copy's call for keys this short); returns how many. */
function putBytes(buf: Buffer, at: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) buf[at + i] = bytes[i] as number;
  return bytes.length;
}

/** Writes a positive integer's decimal digits at `at`; returns how many. */
function writeDecimal(buf: Buffer, at: number, n: number): number {
  let digits = 1;
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  let rest = n;
  for (let i = at + digits - 1; i >= at; i--) {
    buf[i] = 0x30 + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  return digits;
}
