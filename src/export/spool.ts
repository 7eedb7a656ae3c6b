// One exporter's durable queue: exported lines wait here, on disk, until the sender has
// delivered them, across restarts and crashes. Its parts: the files (spool-files.ts), reopening
// what a daemon left (spool-recover.ts), the segments written and read (spool-segments.ts), the
// count of what a bound dropped (spool-drops.ts).
//
// Writing:  append() writes the line with one synchronous write (like the audit log); urgent
//           lines (BLOCK, KILL, loss, export_drop) are fsynced before it returns, others within
//           syncIntervalMs (by the next append or a timer) and at close. A segment is closed
//           for good before a line would take it past segmentBytes.
// Reading:  a read cursor walks ahead of the checkpoint: read() gives the next lines and the
//           cursor after them, ack(cursor) says they were delivered, rewind() goes back to the
//           checkpoint (a connection broke: what was sent on it is sent again). The checkpoint
//           is written at most once per syncIntervalMs (every ack with 0) and at close: a crash
//           sends up to that much again, never less; fully delivered segments are then removed.
// Bounds:   before a line would take the spool's files past maxBytes, and when a segment's
//           newest line is older than maxAgeMs (on append and every syncIntervalMs), the oldest
//           segments are removed. The lines of theirs not yet delivered are counted exactly
//           and reported by one onDrop per removal (delivered ones are not counted); lines in
//           flight in a removed segment count as dropped too (they may still arrive). A line
//           longer than maxBytes is dropped alone, counted the same. The checkpoint and the read
//           cursor move past what was removed.
// One daemon owns a spool folder (the daemon's lock); nothing here locks it.
import * as fs from 'node:fs';
import { join } from 'node:path';
import { InternalError, VigilError } from '../errors.js';
import { fromSpooledJson } from './export-line.js';
import { DropTally, type SpoolDrop } from './spool-drops.js';
import { spoolError, writeCheckpoint } from './spool-files.js';
import { recoverSpool, type SpoolPosition, type SpoolSegment } from './spool-recover.js';
import { SegmentLog } from './spool-segments.js';
import type { ExporterStats, SpooledLine } from './types.js';

export type { SpoolDrop } from './spool-drops.js';

export interface SpoolOptions {
  /** the spool root; this exporter's folder is <dir>/<name> */
  dir: string;
  name: string;
  maxBytes: number;
  /** Infinity: no age bound */
  maxAgeMs: number;
  /** default 4 MiB, or an eighth of maxBytes when that is less (a drop frees a small part) */
  segmentBytes?: number;
  /** default 1000 ms */
  syncIntervalMs?: number;
  /** Unix ms (lines' ts are compared with it); Date.now by default */
  now?: () => number;
  /** called after the spool is consistent again; it may append (the export_drop line) */
  onDrop: (drop: SpoolDrop) => void;
  /** what the operator should know: a torn line cut off at open, an unreadable line skipped */
  log?: (message: string) => void;
}

/** Where a read ended: pass it back to ack(); its fields are the spool's business. */
export type SpoolCursor = SpoolPosition;

export type SpoolStats = Pick<ExporterStats, 'depthLines' | 'depthBytes' | 'deliveredLines' | 'droppedLines'>;

export const SPOOL_DEFAULTS = { segmentBytes: 4 * 1024 * 1024, syncIntervalMs: 1000 } as const;

const EXPORTER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export class Spool {
  /** this exporter's folder */
  readonly dir: string;
  readonly maxBytes: number;
  readonly maxAgeMs: number;
  readonly syncIntervalMs: number;
  readonly #now: () => number;
  readonly #onDrop: (drop: SpoolDrop) => void;
  readonly #log: (message: string) => void;
  readonly #listeners = new Set<() => void>();
  readonly #segments: SegmentLog;
  #checkpoint: SpoolPosition;
  /** the checkpoint as checkpoint.json has it */
  #saved: SpoolPosition;
  #delivered: number;
  #cursor: SpoolPosition;
  readonly #dropped = { full: 0, age: 0 };
  #lastSync: number;
  #lastSave: number;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  static open(options: SpoolOptions): Spool {
    if (!EXPORTER_NAME.test(options.name)) {
      throw new VigilError('VIGIL_EXPORT_SPOOL', `export spool: '${options.name}' cannot name a folder`);
    }
    if (!(options.maxBytes > 0) || !(options.maxAgeMs > 0)) {
      throw new InternalError(
        `export spool: bounds must be positive (${options.maxBytes} bytes, ${options.maxAgeMs} ms)`,
      );
    }
    const dir = join(options.dir, options.name);
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw spoolError(`create ${dir}`, err);
    }
    return new Spool(dir, options);
  }

  private constructor(dir: string, options: SpoolOptions) {
    this.dir = dir;
    this.maxBytes = options.maxBytes;
    this.maxAgeMs = options.maxAgeMs;
    this.syncIntervalMs = options.syncIntervalMs ?? SPOOL_DEFAULTS.syncIntervalMs;
    this.#now = options.now ?? Date.now;
    this.#onDrop = options.onDrop;
    this.#log = options.log ?? ((m) => process.stderr.write(`vigil: ${m}\n`));
    const found = recoverSpool(dir, this.#now(), this.#log);
    const segmentBytes =
      options.segmentBytes ??
      Math.min(SPOOL_DEFAULTS.segmentBytes, Math.max(1, Math.floor(options.maxBytes / 8)));
    this.#segments = new SegmentLog(dir, segmentBytes, found);
    this.#checkpoint = this.#saved = this.#cursor = found.checkpoint;
    this.#delivered = found.delivered;
    this.#lastSync = this.#lastSave = this.#now();
    this.#timer = setInterval(() => {
      this.#tick();
    }, this.syncIntervalMs || SPOOL_DEFAULTS.syncIntervalMs);
    this.#timer.unref();
  }

  /** Spools a line; urgent lines are on disk when it returns. Throws VIGIL_EXPORT_SPOOL. */
  append(line: SpooledLine, urgent: boolean): void {
    this.#assertOpen();
    const buf = Buffer.from(`${line.json}\n`);
    const drops: SpoolDrop[] = [];
    let written = false;
    try {
      if (buf.length > this.maxBytes) {
        this.#dropped.full++;
        drops.push(DropTally.alone(line, buf.length));
      } else {
        this.#expire(drops);
        this.#makeRoom(buf.length, drops);
        const ts = Date.parse(line.ts);
        this.#segments.append(buf, Number.isNaN(ts) ? this.#now() : ts);
        written = true;
        if (urgent || this.#now() - this.#lastSync >= this.syncIntervalMs) this.sync();
      }
    } finally {
      for (const drop of drops) this.#onDrop(drop);
    }
    if (written) for (const listener of this.#listeners) listener();
  }

  /** Calls `listener` after each line appended (the sender's wake-up); returns its removal. */
  onAppend(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * The next lines after the read cursor, at most maxLines and maxBytes (a longer first line
   * comes alone), and the cursor after them, which becomes the read cursor. Lines that cannot
   * be read back (a damaged disk) are skipped and said through `log`.
   */
  read(maxLines: number, maxBytes: number): { lines: SpooledLine[]; end: SpoolCursor } {
    this.#assertOpen();
    const lines: SpooledLine[] = [];
    this.#cursor = this.#segments.read(this.#cursor, { maxLines, maxBytes }, (text, path) => {
      const line = fromSpooledJson(text);
      if (line !== undefined) lines.push(line);
      else this.#log(`export spool ${path}: a line that is not an exported line (damaged on disk?); skipped`);
    });
    return { lines, end: this.#cursor };
  }

  /** Lines after the read cursor. */
  unreadLines(): number {
    return this.#segments.endOrdinal - this.#cursor.ordinal;
  }

  /** Everything before `cursor` was delivered; a cursor at or before the checkpoint is ignored. */
  ack(cursor: SpoolCursor): void {
    this.#assertOpen();
    if (cursor.ordinal <= this.#checkpoint.ordinal) return;
    if (cursor.ordinal > this.#segments.endOrdinal) {
      throw new InternalError('export spool: ack past the last line');
    }
    this.#delivered += cursor.ordinal - this.#checkpoint.ordinal;
    this.#checkpoint = cursor;
    if (this.#cursor.ordinal < cursor.ordinal) this.#cursor = cursor;
    if (this.#now() - this.#lastSave >= this.syncIntervalMs) this.#saveCheckpoint();
  }

  /** Puts the read cursor back at the checkpoint: the next read starts at the oldest undelivered line. */
  rewind(): void {
    this.#cursor = this.#checkpoint;
  }

  stats(): SpoolStats {
    const cp = this.#checkpoint;
    let depthBytes = 0;
    for (const s of this.#segments.segments) {
      if (s.seq > cp.segment) depthBytes += s.bytes;
      else if (s.seq === cp.segment) depthBytes += s.bytes - cp.offset;
    }
    return {
      depthLines: this.#segments.endOrdinal - cp.ordinal,
      depthBytes,
      deliveredLines: this.#delivered,
      droppedLines: { ...this.#dropped },
    };
  }

  /** fsyncs the lines appended so far. */
  sync(): void {
    if (this.#segments.sync()) this.#lastSync = this.#now();
  }

  /** fsyncs, writes the checkpoint and closes; the lines not delivered wait for the next open. */
  close(): void {
    if (this.#closed) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#closed = true;
    // each step even when one before it failed: the checkpoint does not depend on the fsync
    try {
      this.sync();
    } finally {
      try {
        this.#saveCheckpoint();
      } finally {
        this.#segments.close();
      }
    }
  }

  /** Removes the oldest segments while their newest line is older than maxAgeMs. */
  #expire(drops: SpoolDrop[]): void {
    const limit = this.#now() - this.maxAgeMs;
    const old = (s: SpoolSegment | undefined): boolean =>
      s !== undefined && s.lines > 0 && s.newestMs < limit;
    if (!old(this.#segments.segments[0])) return;
    // delivered segments go first, uncounted
    this.#saveCheckpoint();
    const tally = new DropTally();
    while (old(this.#segments.segments[0])) this.#dropOldest(tally);
    this.#report(tally.report('age'), drops);
  }

  /** Removes the oldest segments until `bytes` more fit in maxBytes. */
  #makeRoom(bytes: number, drops: SpoolDrop[]): void {
    const fits = () => this.#segments.bytes + bytes <= this.maxBytes;
    if (fits()) return;
    this.#saveCheckpoint();
    const tally = new DropTally();
    while (!fits() && this.#segments.segments.length > 0) this.#dropOldest(tally);
    this.#report(tally.report('full'), drops);
  }

  #report(drop: SpoolDrop | undefined, drops: SpoolDrop[]): void {
    if (drop === undefined) return;
    this.#dropped[drop.reason] += drop.lines;
    drops.push(drop);
  }

  /** Removes the oldest segment, tallies its undelivered lines, moves the checkpoint and cursor past it. */
  #dropOldest(tally: DropTally): void {
    const seg = this.#segments.segments[0] as SpoolSegment;
    const cp = this.#checkpoint;
    tally.add(this.#segments, seg, cp);
    this.#segments.removeOldest();
    const after = seg.firstOrdinal + seg.lines;
    const next = { segment: this.#segments.segmentAfter(seg.seq), offset: 0, ordinal: after };
    if (cp.segment <= seg.seq) this.#checkpoint = next;
    if (this.#cursor.segment <= seg.seq) this.#cursor = next;
  }

  /** Writes the checkpoint if it moved, then removes the segments it has passed. */
  #saveCheckpoint(): void {
    this.#lastSave = this.#now();
    let cp = this.#checkpoint;
    // at the end of a segment closed for good: at the start of the next
    const seg = this.#segments.segments.find((s) => s.seq === cp.segment);
    if (seg !== undefined && cp.offset >= seg.bytes && !this.#segments.isOpen(seg.seq)) {
      cp = { segment: this.#segments.segmentAfter(seg.seq), offset: 0, ordinal: cp.ordinal };
      this.#checkpoint = cp;
      if (this.#cursor.ordinal === cp.ordinal) this.#cursor = cp;
    }
    if (cp.segment !== this.#saved.segment || cp.offset !== this.#saved.offset) {
      writeCheckpoint(this.dir, { segment: cp.segment, offset: cp.offset, delivered: this.#delivered });
      this.#saved = cp;
    }
    while ((this.#segments.segments[0]?.seq ?? Infinity) < cp.segment) this.#segments.removeOldest();
  }

  /** The timer: a due fsync, a due checkpoint, the age bound. Off the caller's path: failures are logged. */
  #tick(): void {
    const drops: SpoolDrop[] = [];
    try {
      this.sync();
      if (this.#checkpoint !== this.#saved) this.#saveCheckpoint();
      this.#expire(drops);
    } catch (err) {
      this.#log(err instanceof Error ? err.message : String(err));
    }
    try {
      for (const drop of drops) this.#onDrop(drop);
    } catch (err) {
      this.#log(err instanceof Error ? err.message : String(err));
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new VigilError('VIGIL_EXPORT_SPOOL', `export spool ${this.dir} is closed`);
  }
}
