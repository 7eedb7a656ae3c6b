// Masking: the only form in which a found secret leaves this folder.
import type { SecretFinding } from './secret-finding.js';

/** Below this many characters a secret is masked whole: 4 + 4 shown would be most of it. */
const SHORTEST_PARTLY_SHOWN = 12;
const SHOWN = 4;

/**
 * The first 4 and last 4 characters around '…' (`ghp_…x9Qz`); a secret shorter than 12 characters
 * is replaced whole by its length (`[10 chars]`). Characters are code points, so a mask never
 * splits a surrogate pair.
 */
export function maskSecret(secret: string): string {
  const chars = Array.from(secret);
  if (chars.length < SHORTEST_PARTLY_SHOWN) return `[${chars.length} chars]`;
  return `${chars.slice(0, SHOWN).join('')}…${chars.slice(-SHOWN).join('')}`;
}

/**
 * `text` with every finding's span replaced by the mask of what the span covers. Overlapping or
 * touching spans (a token inside a URL that is a finding too) are masked as one; spans outside the
 * text are clipped to it.
 */
export function maskFindings(text: string, findings: readonly SecretFinding[]): string {
  const clip = (n: number): number => Math.max(0, Math.min(n, text.length));
  const spans = findings
    .map((f): [number, number] => [clip(f.start), clip(f.end)])
    .filter(([start, end]) => end > start)
    .sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  let open: [number, number] | null = null;
  const close = (span: [number, number]): void => {
    out += text.slice(at, span[0]) + maskSecret(text.slice(span[0], span[1]));
    at = span[1];
  };
  for (const [start, end] of spans) {
    if (open !== null && start <= open[1]) open[1] = Math.max(open[1], end);
    else {
      if (open !== null) close(open);
      open = [start, end];
    }
  }
  if (open !== null) close(open);
  return out + text.slice(at);
}
