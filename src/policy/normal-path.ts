// Paths as the matcher sees them: absolute, lexically normalised, as UTF-8 bytes (Linux paths are
// byte strings and the kernel matcher compares bytes). docs/matching.md is the contract.

const SLASH = 0x2f;
const DOT = 0x2e;
const utf8 = new TextEncoder();

/** An absolute, normalised path as bytes, with the byte offsets of its components. */
export interface NormalPath {
  readonly bytes: Uint8Array; // `/` for the root, else `/c1/c2/...` without a trailing slash
  readonly starts: readonly number[];
  readonly ends: readonly number[];
}

/**
 * Normalises an absolute path lexically: `//` collapses, `.` goes, `..` removes the previous
 * component (and stays at the root), a trailing `/` goes. No symlink is read: the kernel hands the
 * hooks resolved paths, so only spelling differs. Throws TypeError on a relative path or a NUL byte.
 */
export function normalisePath(input: string | Uint8Array): NormalPath {
  const raw = typeof input === 'string' ? utf8.encode(input) : input;
  if (raw[0] !== SLASH) throw new TypeError(`path must be absolute: ${show(raw)}`);
  const kept: [number, number][] = [];
  let i = 0;
  while (i < raw.length) {
    while (i < raw.length && raw[i] === SLASH) i++;
    const start = i;
    while (i < raw.length && raw[i] !== SLASH) {
      if (raw[i] === 0) throw new TypeError(`path contains a NUL byte: ${show(raw)}`);
      i++;
    }
    const len = i - start;
    if (len === 0 || (len === 1 && raw[start] === DOT)) continue;
    if (len === 2 && raw[start] === DOT && raw[start + 1] === DOT) {
      kept.pop();
      continue;
    }
    kept.push([start, i]);
  }
  if (kept.length === 0) return { bytes: Uint8Array.of(SLASH), starts: [], ends: [] };
  let size = 0;
  for (const [s, e] of kept) size += 1 + e - s;
  const bytes = new Uint8Array(size);
  const starts: number[] = [];
  const ends: number[] = [];
  let at = 0;
  for (const [s, e] of kept) {
    bytes[at++] = SLASH;
    starts.push(at);
    bytes.set(raw.subarray(s, e), at);
    at += e - s;
    ends.push(at);
  }
  return { bytes, starts, ends };
}

function show(bytes: Uint8Array): string {
  return JSON.stringify(Buffer.from(bytes).toString('utf8'));
}
