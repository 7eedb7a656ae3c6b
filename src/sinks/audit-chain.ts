// The audit log's hash chain (docs/audit.md#the-hash-chain), the part the writer and the
// verifier share. The writer ends every line with `"seq":N,"prev":"<hex>"`: N counts the lines
// of the chain (1, 2, 3, ...), prev is the SHA-256 of the previous line's exact bytes (without
// its newline), GENESIS for the first line of a new chain. A line that follows something the
// chain cannot vouch for (a torn line, lines without seq, a failed write) also says so in
// `chain_break`. Here: the genesis, the hash, how a line's chain keys are read, and how the
// writer finds the line it continues from when it opens a file that has lines already.
import * as crypto from 'node:crypto';

/** prev of the first line of a new chain. */
export const GENESIS = '0'.repeat(64);

/** Why a line does not simply continue the line before it (written last, after prev). */
export const CHAIN_BREAKS = ['torn_line', 'unchained', 'write_failed'] as const;
export type ChainBreak = (typeof CHAIN_BREAKS)[number];

/** The keys the writer adds, in this order, at the end of every line. */
export const CHAIN_KEYS = ['seq', 'prev', 'chain_break'] as const;

// crypto.hash (a one-shot without a Hash object) exists from Node 20.12 and takes about half
// the time of createHash().update().digest() on an audit line (measured: docs/audit.md);
// `engines` allows any Node 20, so the older call stays as the fallback.
const oneShot = (crypto as { hash?: typeof crypto.hash }).hash;

/** The SHA-256 of bytes, lower-case hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return oneShot !== undefined
    ? oneShot('sha256', bytes, 'hex')
    : crypto.createHash('sha256').update(bytes).digest('hex');
}

/** What a line says about its place in a chain. */
export type LineChain =
  | { kind: 'chained'; seq: number; prev: string; brk: ChainBreak | undefined }
  /** a JSON object without seq and prev (written before chaining, or by something else) */
  | { kind: 'unchained' }
  /** a JSON object whose chain keys are there but wrong */
  | { kind: 'malformed'; why: string }
  /** not a JSON object (a torn line, or text that is not an audit line) */
  | { kind: 'not_json' };

const HEX64 = /^[0-9a-f]{64}$/;

/** Reads the chain keys of one line (its bytes without the newline). */
export function lineChain(bytes: Uint8Array): LineChain {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    return { kind: 'not_json' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { kind: 'not_json' };
  const { seq, prev, chain_break: brk } = value as Record<string, unknown>;
  if (seq === undefined && prev === undefined && brk === undefined) return { kind: 'unchained' };
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) {
    return {
      kind: 'malformed',
      why: `seq is ${seq === undefined ? 'missing' : JSON.stringify(seq)}, not a positive integer`,
    };
  }
  if (typeof prev !== 'string' || !HEX64.test(prev)) {
    return { kind: 'malformed', why: 'prev is not 64 lower-case hex digits' };
  }
  if (brk !== undefined && !(CHAIN_BREAKS as readonly unknown[]).includes(brk)) {
    return { kind: 'malformed', why: `chain_break ${JSON.stringify(brk)} is not one vigil writes` };
  }
  return { kind: 'chained', seq, prev, brk: brk as ChainBreak | undefined };
}

/** The file operations reading a file's last lines needs. */
export interface TailFs {
  openSync(path: string, flags: string): number;
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  fstatSync(fd: number): { size: number };
  closeSync(fd: number): void;
}

/** One of the last lines of a file. */
export interface TailLine {
  hash: string;
  /** it ends with a newline (false: the file ends in the middle of it) */
  complete: boolean;
  chain: LineChain;
}

/** A longer line is no audit line: it is hashed in pieces and not parsed. */
const MAX_PARSED_LINE = 1024 * 1024;
const CHUNK = 64 * 1024;

/**
 * The file's last line and, when that one is torn (no newline, not a chained line), the line
 * before it, whose seq the chain continues from. undefined for an empty file.
 */
export function readTail(fs: TailFs, path: string): { last: TailLine; before?: TailLine } | undefined {
  const fd = fs.openSync(path, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) return undefined;
    const endByte = Buffer.alloc(1);
    readFully(fs, fd, endByte, size - 1);
    const complete = endByte[0] === 0x0a;
    const lastEnd = complete ? size - 1 : size;
    const lastStart = lineStart(fs, fd, lastEnd);
    const last = { ...hashRegion(fs, fd, lastStart, lastEnd), complete };
    if (complete || last.chain.kind === 'chained' || lastStart === 0) return { last };
    const before = { ...hashRegion(fs, fd, lineStart(fs, fd, lastStart - 1), lastStart - 1), complete: true };
    return { last, before };
  } finally {
    fs.closeSync(fd);
  }
}

/** The offset just after the last newline before `end` (0 when there is none). */
function lineStart(fs: TailFs, fd: number, end: number): number {
  const chunk = Buffer.allocUnsafe(CHUNK);
  let pos = end;
  while (pos > 0) {
    const from = Math.max(0, pos - CHUNK);
    const piece = chunk.subarray(0, pos - from);
    readFully(fs, fd, piece, from);
    const i = piece.lastIndexOf(0x0a);
    if (i >= 0) return from + i + 1;
    pos = from;
  }
  return 0;
}

function hashRegion(fs: TailFs, fd: number, start: number, end: number): Omit<TailLine, 'complete'> {
  if (end - start <= MAX_PARSED_LINE) {
    const bytes = Buffer.allocUnsafe(end - start);
    readFully(fs, fd, bytes, start);
    return { hash: sha256Hex(bytes), chain: lineChain(bytes) };
  }
  const h = crypto.createHash('sha256');
  const chunk = Buffer.allocUnsafe(CHUNK);
  for (let pos = start; pos < end; pos += CHUNK) {
    const piece = chunk.subarray(0, Math.min(CHUNK, end - pos));
    readFully(fs, fd, piece, pos);
    h.update(piece);
  }
  return { hash: h.digest('hex'), chain: { kind: 'not_json' } };
}

function readFully(fs: TailFs, fd: number, into: Buffer, position: number): void {
  let off = 0;
  while (off < into.length) {
    const n = fs.readSync(fd, into, off, into.length - off, position + off);
    if (n === 0) throw new Error(`${String(position + off)}: end of file (it shrank while it was read)`);
    off += n;
  }
}
