// The spool's files, in <spool dir>/<exporter name>/ (0700; files 0600):
//   000000000001.jsonl, 000000000002.jsonl, ...
//       segments: exported lines (export-line.ts), one per line, each ended by a newline, in
//       the order they were spooled; only the newest is appended to; numbers are never reused.
//   checkpoint.json
//       {"format":1,"segment":N,"offset":B,"delivered":D}: every line before byte B of segment
//       N, and every line of a segment numbered below N, was delivered; D lines were delivered
//       in all. Written whole (a temporary file, fsync, rename, fsync of the folder), so it is
//       either the old or the new one after a crash.
// Anything else in the folder is left alone.
import * as fs from 'node:fs';
import { join } from 'node:path';
import { VigilError } from '../errors.js';

export const CHECKPOINT_FILE = 'checkpoint.json';
const CHECKPOINT_TMP = 'checkpoint.json.tmp';
const CHECKPOINT_FORMAT = 1;
const SEGMENT_FILE = /^([0-9]{12})\.jsonl$/;
const NEWLINE = 0x0a;
const SCAN_CHUNK = 1024 * 1024;

export interface Checkpoint {
  readonly segment: number;
  readonly offset: number;
  readonly delivered: number;
}

export const segmentFile = (seq: number): string => `${String(seq).padStart(12, '0')}.jsonl`;

export function spoolError(what: string, err: unknown): VigilError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const why = code ?? (err instanceof Error ? err.message : String(err));
  return new VigilError('VIGIL_EXPORT_SPOOL', `export spool: cannot ${what}: ${why}`, {
    cause: err,
    hint: code === 'ENOSPC' ? "free space on the spool's file system, or lower its max_bytes" : undefined,
  });
}

/** The segment numbers in the folder, in order. */
export function listSegments(dir: string): number[] {
  const seqs: number[] = [];
  for (const name of fs.readdirSync(dir)) {
    const m = SEGMENT_FILE.exec(name);
    if (m !== null) seqs.push(Number(m[1]));
  }
  return seqs.sort((a, b) => a - b);
}

/**
 * The checkpoint; undefined when there is none; 'unreadable' when the file is not one (the
 * caller starts from the oldest segment: lines sent again, never lost).
 */
export function readCheckpoint(dir: string): Checkpoint | undefined | 'unreadable' {
  let text: string;
  try {
    text = fs.readFileSync(join(dir, CHECKPOINT_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw spoolError(`read ${join(dir, CHECKPOINT_FILE)}`, err);
  }
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    const { format, segment, offset, delivered } = v;
    if (format === CHECKPOINT_FORMAT && isCount(segment) && isCount(offset) && isCount(delivered)) {
      return { segment, offset, delivered };
    }
  } catch {
    // not JSON: said below
  }
  return 'unreadable';
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

export function writeCheckpoint(dir: string, cp: Checkpoint): void {
  const tmp = join(dir, CHECKPOINT_TMP);
  const text = JSON.stringify({ format: CHECKPOINT_FORMAT, ...cp }) + '\n';
  try {
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, join(dir, CHECKPOINT_FILE));
  } catch (err) {
    throw spoolError(`write ${join(dir, CHECKPOINT_FILE)}`, err);
  }
  syncDir(dir);
}

/** A checkpoint written half before a crash: never read, removed at open. */
export function removeCheckpointTmp(dir: string): void {
  fs.rmSync(join(dir, CHECKPOINT_TMP), { force: true });
}

/** Makes a new or renamed entry durable (on ext4/xfs it is in the folder's data). */
export function syncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // best effort: some file systems refuse fsync on folders
  }
}

export interface SegmentScan {
  /** bytes of whole lines (after a torn tail was cut) */
  readonly bytes: number;
  readonly lines: number;
  /** bytes cut off the end: a line without its newline, left by a crash while writing */
  readonly tornBytes: number;
  /** the start of the line holding byte `at` (at itself when a line starts there), and the lines before it */
  readonly atLineStart: number;
  readonly linesBeforeAt: number;
  /** the last whole line's text; undefined when there is none */
  readonly lastLine: string | undefined;
}

/** Counts a segment's lines and cuts a torn last line off the file. */
export function scanSegment(path: string, at: number): SegmentScan {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r+');
  } catch (err) {
    throw spoolError(`open ${path}`, err);
  }
  try {
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.allocUnsafe(Math.min(SCAN_CHUNK, Math.max(size, 1)));
    let lines = 0;
    let lastNl = -1;
    let prevNl = -1;
    let linesBeforeAt = 0;
    let atLineStart = 0;
    for (let pos = 0; pos < size;) {
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, size - pos), pos);
      if (n === 0) break;
      for (let i = buf.indexOf(NEWLINE); i !== -1 && i < n; i = buf.indexOf(NEWLINE, i + 1)) {
        const p = pos + i;
        lines++;
        prevNl = lastNl;
        lastNl = p;
        if (p < at) {
          linesBeforeAt++;
          atLineStart = p + 1;
        }
      }
      pos += n;
    }
    const bytes = lastNl + 1;
    if (bytes < size) fs.ftruncateSync(fd, bytes);
    const lastLine = lastNl < 0 ? undefined : readText(fd, prevNl + 1, lastNl);
    return { bytes, lines, tornBytes: size - bytes, atLineStart, linesBeforeAt, lastLine };
  } catch (err) {
    throw err instanceof VigilError ? err : spoolError(`read ${path}`, err);
  } finally {
    fs.closeSync(fd);
  }
}

/** The text of bytes [from, to) of a file. */
function readText(fd: number, from: number, to: number): string {
  const buf = Buffer.allocUnsafe(to - from);
  let off = 0;
  while (off < buf.length) {
    const n = fs.readSync(fd, buf, off, buf.length - off, from + off);
    if (n === 0) break;
    off += n;
  }
  return buf.toString('utf8', 0, off);
}

/**
 * Whole lines of a segment from byte `from` (a line start) up to `end`: at most `maxLines`, and
 * no more than `maxBytes` (newlines counted), except that with `atLeastOne` a first line longer
 * than that is read whole. Returns the lines' texts (without newlines) and the byte after the
 * last one.
 */
export function readLines(
  path: string,
  from: number,
  end: number,
  limits: { maxLines: number; maxBytes: number; atLeastOne: boolean },
): { texts: string[]; next: number } {
  const { maxLines, maxBytes, atLeastOne } = limits;
  const texts: string[] = [];
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (err) {
    throw spoolError(`open ${path}`, err);
  }
  try {
    let pos = from;
    let budget = maxBytes;
    while (pos < end && texts.length < maxLines) {
      // a first line longer than the budget is read whole: a batch is never empty
      const whole = atLeastOne && texts.length === 0;
      const want = Math.min(end - pos, whole ? Math.max(budget, SCAN_CHUNK) : budget);
      if (want <= 0) break;
      const buf = Buffer.allocUnsafe(want);
      const n = fs.readSync(fd, buf, 0, want, pos);
      let start = 0;
      for (let nl = buf.indexOf(NEWLINE); nl !== -1 && nl < n; nl = buf.indexOf(NEWLINE, start)) {
        const size = nl + 1 - start;
        if (size > budget && !(whole && texts.length === 0)) return { texts, next: pos + start };
        texts.push(buf.toString('utf8', start, nl));
        budget -= size;
        start = nl + 1;
        if (texts.length === maxLines) break;
      }
      if (start === 0) {
        if (!whole) break;
        // not even one whole line in `want` bytes: read the first one whole
        const nl = lineEnd(fd, pos + n, end);
        texts.push(readText(fd, pos, nl));
        budget -= nl + 1 - pos;
        start = nl + 1 - pos;
      }
      pos += start;
    }
    return { texts, next: pos };
  } catch (err) {
    throw err instanceof VigilError ? err : spoolError(`read ${path}`, err);
  } finally {
    fs.closeSync(fd);
  }
}

/** The position of the next newline at or after `from` (segments end with one). */
function lineEnd(fd: number, from: number, end: number): number {
  const buf = Buffer.allocUnsafe(SCAN_CHUNK);
  for (let pos = from; pos < end;) {
    const n = fs.readSync(fd, buf, 0, Math.min(buf.length, end - pos), pos);
    if (n === 0) break;
    const i = buf.indexOf(NEWLINE);
    if (i !== -1 && i < n) return pos + i;
    pos += n;
  }
  return end - 1;
}

/** Bytes [from, to) of a file as text. */
export function readRange(path: string, from: number, to: number): string {
  try {
    const fd = fs.openSync(path, 'r');
    try {
      return readText(fd, from, to);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    throw spoolError(`read ${path}`, err);
  }
}

export function removeFile(path: string): void {
  try {
    fs.rmSync(path, { force: true });
  } catch (err) {
    throw spoolError(`remove ${path}`, err);
  }
}
