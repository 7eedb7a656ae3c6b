// The hash chain as a reader of the log recomputes it, independently of the writer: each line
// is JSON.stringify of the built line with seq and prev added last, and prev is createHash's
// SHA-256 of the previous line's text (docs/audit.md#the-hash-chain).
import { createHash } from 'node:crypto';

export const ZEROS = '0'.repeat(64);

export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The lines as the writer writes them (each with its newline), continuing from `after`. */
export function chainLines(lines: readonly object[], after = { seq: 0, hash: ZEROS }): string[] {
  let { seq, hash } = after;
  return lines.map((l) => {
    const text = JSON.stringify({ ...l, seq: ++seq, prev: hash });
    hash = sha256(text);
    return `${text}\n`;
  });
}
