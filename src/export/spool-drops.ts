// What one removal at the spool's bounds dropped: the lines of the removed segments that were
// not yet delivered (after the checkpoint), counted exactly by ordinal (spool-recover.ts), and
// the first and last of them, read back before their segment goes.
import { fromSpooledJson } from './export-line.js';
import type { SpoolPosition, SpoolSegment } from './spool-recover.js';
import type { SegmentLog } from './spool-segments.js';
import type { SpooledLine } from './types.js';

export interface SpoolDrop {
  readonly reason: 'full' | 'age';
  readonly lines: number;
  readonly bytes: number;
  /** the first and last line dropped ('' only when no dropped line could be read back) */
  readonly firstId: string;
  readonly lastId: string;
  readonly firstTs: string;
  readonly lastTs: string;
}

export class DropTally {
  #lines = 0;
  #bytes = 0;
  #first: SpooledLine | undefined;
  #last: SpooledLine | undefined;

  /** A line longer than the whole spool, dropped alone. */
  static alone(line: SpooledLine, bytes: number): SpoolDrop {
    const { id, ts } = line;
    return { reason: 'full', lines: 1, bytes, firstId: id, lastId: id, firstTs: ts, lastTs: ts };
  }

  /** Counts the lines of `seg` after the checkpoint `cp`; call it before the segment is removed. */
  add(segments: SegmentLog, seg: SpoolSegment, cp: SpoolPosition): void {
    const lines = seg.firstOrdinal + seg.lines - Math.max(cp.ordinal, seg.firstOrdinal);
    if (lines <= 0) return;
    const from = cp.segment === seg.seq ? cp.offset : 0;
    const texts = segments.textFrom(seg.seq, from).slice(0, -1).split('\n');
    this.#first ??= firstReadable(texts);
    this.#last = firstReadable(texts.reverse()) ?? this.#last;
    this.#lines += lines;
    this.#bytes += seg.bytes - from;
  }

  /** The drop to report; undefined when no undelivered line was dropped. */
  report(reason: SpoolDrop['reason']): SpoolDrop | undefined {
    if (this.#lines === 0) return undefined;
    return {
      reason,
      lines: this.#lines,
      bytes: this.#bytes,
      firstId: this.#first?.id ?? '',
      lastId: this.#last?.id ?? '',
      firstTs: this.#first?.ts ?? '',
      lastTs: this.#last?.ts ?? '',
    };
  }
}

/** The first of these lines that reads back as an exported line (the others: a damaged disk). */
function firstReadable(texts: readonly string[]): SpooledLine | undefined {
  for (const text of texts) {
    const line = fromSpooledJson(text);
    if (line !== undefined) return line;
  }
  return undefined;
}
