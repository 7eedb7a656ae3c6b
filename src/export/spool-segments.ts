// A spool's segments (spool-files.ts) as they are written: the list on disk, oldest first; the
// newest open for appending until a line would take it past segmentBytes; whole lines read
// across them from a position. What to write, when to fsync and what to remove is the spool's
// business (spool.ts).
import * as fs from 'node:fs';
import { join } from 'node:path';
import { readLines, readRange, removeFile, segmentFile, spoolError, syncDir } from './spool-files.js';
import type { RecoveredSpool, SpoolPosition, SpoolSegment } from './spool-recover.js';

export interface ReadLimits {
  readonly maxLines: number;
  readonly maxBytes: number;
}

export class SegmentLog {
  readonly #dir: string;
  readonly #segmentBytes: number;
  readonly #segments: SpoolSegment[];
  #nextSeq: number;
  /** the newest segment, while lines are appended to it */
  #fd: number | undefined;
  #dirty = false;
  #bytes: number;
  /** the ordinal the next line gets */
  #endOrdinal: number;

  /** #fd starts closed: a segment written before (by a daemon that may have crashed) is never appended to */
  constructor(dir: string, segmentBytes: number, found: RecoveredSpool) {
    this.#dir = dir;
    this.#segmentBytes = segmentBytes;
    this.#segments = found.segments;
    this.#nextSeq = found.nextSeq;
    this.#bytes = found.segments.reduce((sum, s) => sum + s.bytes, 0);
    const last = found.segments.at(-1);
    this.#endOrdinal = last === undefined ? found.checkpoint.ordinal : last.firstOrdinal + last.lines;
  }

  get segments(): readonly SpoolSegment[] {
    return this.#segments;
  }

  /** the bytes of every segment on disk */
  get bytes(): number {
    return this.#bytes;
  }

  get endOrdinal(): number {
    return this.#endOrdinal;
  }

  /** The number of the first segment after `seq`: one on disk, or the next to be made. */
  segmentAfter(seq: number): number {
    return this.#segments.find((s) => s.seq > seq)?.seq ?? this.#nextSeq;
  }

  /** whether lines may still be appended to segment `seq` */
  isOpen(seq: number): boolean {
    return this.#fd !== undefined && this.#segments.at(-1)?.seq === seq;
  }

  /** Appends one line (its bytes with the newline; `tsMs` its time); throws VIGIL_EXPORT_SPOOL. */
  append(buf: Buffer, tsMs: number): void {
    const seg = this.#writable(buf.length);
    const fd = this.#fd as number;
    let off = 0;
    try {
      while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
    } catch (err) {
      // a line cut short would run into the next one: cut it off, and go on in a new segment
      try {
        if (off > 0) fs.ftruncateSync(fd, seg.bytes);
      } catch {
        // reading stops at seg.bytes, and the next open cuts the torn line
      }
      this.#seal();
      throw spoolError(`write ${this.path(seg.seq)}`, err);
    }
    seg.bytes += buf.length;
    seg.lines++;
    seg.newestMs = Math.max(seg.newestMs, tsMs);
    this.#bytes += buf.length;
    this.#endOrdinal++;
    this.#dirty = true;
  }

  /** fsyncs the open segment if lines were appended since; false when there was nothing to do. */
  sync(): boolean {
    if (this.#fd === undefined || !this.#dirty) return false;
    try {
      fs.fsyncSync(this.#fd);
    } catch (err) {
      throw spoolError(`fsync ${this.path(this.#segments.at(-1)?.seq ?? 0)}`, err);
    }
    this.#dirty = false;
    return true;
  }

  /**
   * Whole lines from `from` on, within `limits` (a longer first line comes alone); each goes to
   * `take` with its segment's path. Returns the position after the last line read.
   */
  read(from: SpoolPosition, limits: ReadLimits, take: (text: string, path: string) => void): SpoolPosition {
    let pos = from;
    let lines = 0;
    let budget = limits.maxBytes;
    for (const seg of this.#segments) {
      if (seg.seq < pos.segment) continue;
      if (lines >= limits.maxLines || budget <= 0) break;
      const start = seg.seq === pos.segment ? pos.offset : 0;
      const path = this.path(seg.seq);
      const { texts, next } = readLines(path, start, seg.bytes, {
        maxLines: limits.maxLines - lines,
        maxBytes: budget,
        atLeastOne: lines === 0,
      });
      for (const text of texts) take(text, path);
      lines += texts.length;
      budget -= next - start;
      pos = { segment: seg.seq, offset: next, ordinal: pos.ordinal + texts.length };
      if (next < seg.bytes) break;
    }
    return pos;
  }

  /** The text of segment `seq` from byte `from` to its end. */
  textFrom(seq: number, from: number): string {
    const seg = this.#segments.find((s) => s.seq === seq);
    return seg === undefined ? '' : readRange(this.path(seq), from, seg.bytes);
  }

  /** Removes the oldest segment (closing it first if it is open) and returns it. */
  removeOldest(): SpoolSegment | undefined {
    const seg = this.#segments[0];
    if (seg === undefined) return undefined;
    if (this.isOpen(seg.seq)) {
      const fd = this.#fd as number;
      this.#fd = undefined;
      this.#dirty = false;
      fs.closeSync(fd);
    }
    removeFile(this.path(seg.seq));
    this.#segments.shift();
    this.#bytes -= seg.bytes;
    return seg;
  }

  /** fsyncs and closes the open segment. */
  close(): void {
    this.#seal();
  }

  path(seq: number): string {
    return join(this.#dir, segmentFile(seq));
  }

  /** The segment the next `bytes` go to: the open one, or a new one when they would not fit. */
  #writable(bytes: number): SpoolSegment {
    const last = this.#segments.at(-1);
    if (this.#fd !== undefined && last !== undefined) {
      if (last.bytes === 0 || last.bytes + bytes <= this.#segmentBytes) return last;
    }
    this.#seal();
    const seq = this.#nextSeq++;
    const path = this.path(seq);
    try {
      this.#fd = fs.openSync(path, 'ax', 0o600);
    } catch (err) {
      throw spoolError(`create ${path}`, err);
    }
    syncDir(this.#dir);
    const seg = { seq, bytes: 0, lines: 0, firstOrdinal: this.#endOrdinal, newestMs: -Infinity };
    this.#segments.push(seg);
    return seg;
  }

  /** Closes the open segment for good, fsynced first. */
  #seal(): void {
    const fd = this.#fd;
    if (fd === undefined) return;
    try {
      this.sync();
    } finally {
      this.#fd = undefined;
      this.#dirty = false;
      fs.closeSync(fd);
    }
  }
}
