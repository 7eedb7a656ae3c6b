// What a spool holds when it is opened, read from its files (spool-files.ts) whatever state a
// stopped or crashed daemon left them in:
//   - a checkpoint written half (checkpoint.json.tmp) is removed; checkpoint.json is whole
//   - segments numbered below the checkpoint's were delivered (a crash came between the
//     checkpoint and their removal): removed
//   - a segment's last line without its newline (a crash in the middle of a write) was never
//     spooled whole: cut off, and said through `log`; it is not a dropped line
//   - empty segments are removed
//   - a checkpoint that is unreadable, or not at a line start, sends lines again (from the
//     oldest line, or from the start of its line): duplicates, never a loss
// Lines are numbered (their ordinal) from 0 at the oldest line on disk: the spool counts depth,
// deliveries and drops exactly as differences of ordinals.
import { join } from 'node:path';
import { fromSpooledJson } from './export-line.js';
import {
  CHECKPOINT_FILE,
  listSegments,
  readCheckpoint,
  removeCheckpointTmp,
  removeFile,
  scanSegment,
  segmentFile,
  writeCheckpoint,
} from './spool-files.js';

export interface SpoolSegment {
  readonly seq: number;
  bytes: number;
  lines: number;
  /** the ordinal of its first line */
  readonly firstOrdinal: number;
  /** Unix ms of its newest line's ts: its age */
  newestMs: number;
}

/** The start of a line (or the end of the lines), by segment and byte, and its ordinal. */
export interface SpoolPosition {
  readonly segment: number;
  readonly offset: number;
  readonly ordinal: number;
}

export interface RecoveredSpool {
  readonly segments: SpoolSegment[];
  readonly checkpoint: SpoolPosition;
  readonly delivered: number;
  /** the number the next segment gets */
  readonly nextSeq: number;
}

export function recoverSpool(dir: string, now: number, log: (message: string) => void): RecoveredSpool {
  removeCheckpointTmp(dir);
  const saved = readCheckpoint(dir);
  if (saved === 'unreadable') {
    log(`export spool ${dir}: ${CHECKPOINT_FILE} is unreadable; every spooled line is sent again`);
  }
  const cp = typeof saved === 'object' ? saved : { segment: 0, offset: 0, delivered: 0 };
  const seqs = listSegments(dir);
  const segments: SpoolSegment[] = [];
  let checkpoint: SpoolPosition | undefined;
  let ordinal = 0;
  for (const seq of seqs) {
    const path = join(dir, segmentFile(seq));
    if (seq < cp.segment) {
      removeFile(path);
      continue;
    }
    const scan = scanSegment(path, seq === cp.segment ? cp.offset : 0);
    if (scan.tornBytes > 0) {
      log(
        `export spool ${path}: the last line was cut short (${scan.tornBytes} bytes without a newline: the daemon stopped while writing it); cut off`,
      );
    }
    if (scan.lines === 0) {
      removeFile(path);
      continue;
    }
    if (seq === cp.segment) {
      if (scan.atLineStart !== cp.offset) {
        log(`export spool ${dir}: the checkpoint is not at a line start; that line is sent again`);
      }
      checkpoint = { segment: seq, offset: scan.atLineStart, ordinal: ordinal + scan.linesBeforeAt };
    }
    const ts = Date.parse(fromSpooledJson(scan.lastLine ?? '')?.ts ?? '');
    // a last line that cannot be read (a damaged disk) gives no age: the segment counts as new
    segments.push({
      seq,
      bytes: scan.bytes,
      lines: scan.lines,
      firstOrdinal: ordinal,
      newestMs: Number.isNaN(ts) ? now : ts,
    });
    ordinal += scan.lines;
  }
  const nextSeq = Math.max(seqs.at(-1) ?? 0, cp.segment) + 1;
  checkpoint ??= { segment: segments[0]?.seq ?? nextSeq, offset: 0, ordinal: 0 };
  // said once: the next open reads a good checkpoint
  if (saved === 'unreadable') writeCheckpoint(dir, { segment: checkpoint.segment, offset: 0, delivered: 0 });
  return { segments, checkpoint, delivered: cp.delivered, nextSeq };
}
