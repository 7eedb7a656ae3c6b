// What `vigil audit verify` checks: the lines of one or more files, oldest first, as one hash
// chain (audit-chain.ts, docs/audit.md#the-hash-chain). It finds the first line that was
// altered, removed, inserted or reordered (a problem: someone changed the log) and lists the
// breaks the writer recorded on the way (a torn line after a crash, a new chain, lines it could
// not write: not tampering, but places where the chain vouches for less).
//
// Each line is checked against the line physically before it: its prev must be that line's
// SHA-256 and its seq one more. When a check fails, the line after it tells which of the two
// changed (if its prev matches this line's hash, this line is intact and the one before was
// altered), a forward seq jump is a removal unless the missing seq turns up later (reordered),
// and a seq going back is a duplicate (same bytes as a recent line) or reordering.
//
// What a chain cannot show (no anchor kept elsewhere): lines cut from the end, the last line
// altered, whole files dropped from the start, or the whole log rewritten by someone who can
// recompute every hash. The report gives the first and last seq and the last hash so an
// operator can compare them with a copy kept elsewhere.
import * as nodeFs from 'node:fs';

import { GENESIS, lineChain, sha256Hex, type ChainBreak, type LineChain } from './audit-chain.js';
import { AuditError } from './audit-errors.js';

/** A line in the files given: file as given, line number from 1. */
export interface Position {
  file: string;
  line: number;
}

export type ProblemKind = 'altered' | 'removed' | 'reordered' | 'duplicated' | 'inserted';
export type BreakKind = ChainBreak | 'new_chain' | 'torn_tail';

export interface Finding<K extends string> {
  at: Position;
  /** the line's seq; null for a line without one */
  seq: number | null;
  kind: K;
  message: string;
}

export interface VerifyReport {
  files: { file: string; lines: number }[];
  /** lines read (to the end, or to the problem) */
  lines: number;
  /** of those, lines with seq and prev */
  chained: number;
  /** the first chained line; checked: its prev could be checked against a line before it */
  first: { at: Position; seq: number; prev: string; checked: boolean } | null;
  /** the last chained line read: the values to anchor elsewhere */
  last: { at: Position; seq: number; hash: string } | null;
  breaks: Finding<BreakKind>[];
  problem: Finding<ProblemKind> | null;
}

interface Seen {
  at: Position;
  hash: string;
  complete: boolean;
  chain: LineChain;
}
type Chained = Seen & { chain: Extract<LineChain, { kind: 'chained' }> };

const isChained = (s: Seen | undefined): s is Chained => s?.chain.kind === 'chained';

/** Recent chained lines, to name the line a duplicated or reordered one repeats. */
const RECENT = 4096;

/** Feed it every line, in order, then finish(). Stops looking once `done`. */
export class ChainVerifier {
  readonly #files: { file: string; lines: number }[] = [];
  #lines = 0;
  #chained = 0;
  /** a line is processed when the one after it is known */
  #pending: Seen | undefined;
  /** the line physically before the one being processed */
  #prev: Seen | undefined;
  #lastChained: Chained | undefined;
  #first: { line: Chained; checked: boolean } | undefined;
  /** lines outside the chain (no seq, not JSON) just before the one being processed */
  #run: { start: Seen; count: number; before: Seen | undefined } | undefined;
  /** the last RECENT chained lines, a ring: slot #recentAt is the next to reuse */
  readonly #recent: Chained[] = [];
  #recentAt = 0;
  readonly #breaks: Finding<BreakKind>[] = [];
  #problem: Finding<ProblemKind> | undefined;
  /** after a seq gap: whether the missing seqs turn up later (reordered, not removed) */
  #scan: Gap | undefined;

  /** A problem was found and nothing later can change what is reported. */
  get done(): boolean {
    return this.#problem !== undefined && this.#scan === undefined;
  }

  /** One line: its bytes without the newline; complete: a newline ended it. */
  line(file: string, bytes: Uint8Array, complete: boolean): void {
    let f = this.#files.at(-1);
    if (f?.file !== file) {
      f = { file, lines: 0 };
      this.#files.push(f);
    }
    f.lines++;
    const seen: Seen = {
      at: { file, line: f.lines },
      hash: sha256Hex(bytes),
      complete,
      chain: lineChain(bytes),
    };
    if (this.#problem === undefined && this.#pending !== undefined) this.#check(this.#pending, seen);
    if (this.#problem !== undefined) {
      this.#lookFor(seen);
      return;
    }
    this.#pending = seen;
  }

  /** A file with no lines still counts as given. */
  file(file: string): void {
    if (this.#files.at(-1)?.file !== file) this.#files.push({ file, lines: 0 });
  }

  finish(): VerifyReport {
    if (this.#problem === undefined && this.#pending !== undefined) this.#check(this.#pending, undefined);
    this.#pending = undefined;
    this.#scan = undefined;
    const first = this.#first;
    const last = this.#lastChained;
    return {
      files: this.#files.map((f) => ({ ...f })),
      lines: this.#lines,
      chained: this.#chained,
      first:
        first === undefined
          ? null
          : {
              at: first.line.at,
              seq: first.line.chain.seq,
              prev: first.line.chain.prev,
              checked: first.checked,
            },
      last: last === undefined ? null : { at: last.at, seq: last.chain.seq, hash: last.hash },
      breaks: [...this.#breaks],
      problem: this.#problem ?? null,
    };
  }

  /** Checks `l` against the line before it; `next` (the line after, if any) tells who changed. */
  #check(l: Seen, next: Seen | undefined): void {
    if (this.#problem !== undefined) return;
    this.#lines++;
    if (l.chain.kind === 'malformed') {
      this.#fail(l, 'altered', `its chain keys are wrong (${l.chain.why})`);
      return;
    }
    if (!isChained(l)) {
      this.#outside(l, next);
      return;
    }
    this.#chained++;
    const p = this.#prev;
    const run = this.#run;
    this.#run = undefined;
    if (p === undefined) this.#start(l);
    else if (run !== undefined) this.#afterRun(l, p, run);
    else if (isChained(p)) this.#afterChained(l, p, next);
    if (this.#failed()) return;
    this.#first ??= { line: l, checked: p !== undefined };
    this.#lastChained = l;
    if (this.#recent.length < RECENT) this.#recent.push(l);
    else this.#recent[this.#recentAt] = l;
    this.#recentAt = (this.#recentAt + 1) % RECENT;
    this.#prev = l;
  }

  /** Read through a call: the checker cannot see that the checks above set #problem. */
  #failed(): boolean {
    return this.#problem !== undefined;
  }

  /** The first line of the input (nothing before it to check against). */
  #start(l: Chained): void {
    const brk = l.chain.brk;
    if (brk !== undefined) {
      this.#break(l, brk, `${breakText(brk, undefined)}; that line is not in the files given`);
    }
  }

  /** A line outside the chain: the next chained line decides what it is. */
  #outside(l: Seen, next: Seen | undefined): void {
    this.#run ??= { start: l, count: 0, before: this.#prev };
    this.#run.count++;
    this.#prev = l;
    if (next !== undefined) return;
    // the input ends with lines outside the chain
    const run = this.#run;
    if (this.#lastChained === undefined) {
      this.#break(
        run.start,
        'unchained',
        'no line has seq and prev: written before vigil chained its lines, or not a vigil audit log; nothing was verified',
      );
    } else if (run.count === 1 && !l.complete) {
      this.#break(
        l,
        'torn_tail',
        'the last line is cut short (vigil stopped in the middle of writing it); the writer ends it and says chain_break "torn_line" when it opens the file again',
      );
    } else {
      this.#fail(
        run.start,
        'inserted',
        `no seq or prev after the chain's last line (${where(this.#lastChained.at)}, seq ${this.#lastChained.chain.seq}): ${count(run.count, 'line')} appended by something other than the chain's writer`,
      );
    }
  }

  /** A chained line after lines outside the chain. */
  #afterRun(l: Chained, p: Seen, run: { start: Seen; count: number; before: Seen | undefined }): void {
    const { seq, prev, brk } = l.chain;
    const span =
      run.count === 1 ? where(run.start.at) : `${where(run.start.at)} to ${where(p.at, run.start.at)}`;
    if (prev === p.hash) {
      const last = this.#lastChained;
      if (brk !== 'unchained' && last !== undefined && seq <= last.chain.seq) {
        this.#fail(
          l,
          'reordered',
          `seq ${seq} does not come after seq ${last.chain.seq} (${where(last.at)})`,
        );
        return;
      }
      if ((brk === 'torn_line' || brk === 'write_failed') && run.count > 1 && run.before !== undefined) {
        this.#fail(
          run.start,
          'inserted',
          `${count(run.count, 'line')} without seq (${span}) before a chain break that follows one cut-short line`,
        );
        return;
      }
      if (brk === 'torn_line' || brk === 'write_failed') {
        const gap = last === undefined ? '' : missing(last.chain.seq, seq);
        this.#break(l, brk, `${breakText(brk, where(p.at, l.at))}; prev is its hash${gap}`);
      } else {
        this.#break(
          l,
          'unchained',
          `${count(run.count, 'line')} before it (${span}) ${run.count === 1 ? 'has' : 'have'} no seq and prev (written before vigil chained its lines, or by something else): the chain does not vouch for ${run.count === 1 ? 'it' : 'them'}; a new chain starts here`,
        );
      }
      return;
    }
    if (seq === 1 && prev === GENESIS && brk === undefined) {
      this.#break(
        l,
        'new_chain',
        `a new chain starts here (seq 1, prev 64 zeros); the ${count(run.count, 'line')} before it (${span}) have no seq and are vouched for by no chain`,
      );
      return;
    }
    if (run.before !== undefined && prev === run.before.hash) {
      this.#fail(
        run.start,
        'inserted',
        `${count(run.count, 'line')} without seq (${span}) stand between ${where(run.before.at)} and ${where(l.at)}, whose prev is the hash of ${where(run.before.at)}`,
      );
      return;
    }
    this.#fail(
      p,
      'altered',
      `it is not a chained line, and it is not the line whose hash ${where(l.at)} (seq ${seq}) names as prev`,
    );
  }

  /** A chained line after a chained line: the usual case. */
  #afterChained(l: Chained, p: Chained, next: Seen | undefined): void {
    const { seq, prev, brk } = l.chain;
    const ps = p.chain.seq;
    if (prev === p.hash) {
      if (brk === 'write_failed' && seq <= ps) {
        this.#fail(l, 'reordered', `seq ${seq} does not come after seq ${ps} (${where(p.at, l.at)})`);
      } else if (brk === 'write_failed') {
        this.#break(l, brk, `${breakText(brk, undefined)}${missing(ps, seq)}`);
      } else if (brk !== undefined) {
        this.#break(
          l,
          brk,
          `it says "${brk}", yet the line before it (${where(p.at, l.at)}) is a whole chained line`,
        );
      } else if (seq !== ps + 1) {
        this.#fail(
          l,
          'altered',
          `seq ${seq} where ${ps + 1} was expected; its prev is the hash of ${where(p.at)} (seq ${ps}), so no line is missing between them: the seq was changed`,
        );
      }
      return;
    }
    if (seq === 1 && prev === GENESIS && brk === undefined) {
      this.#break(
        l,
        'new_chain',
        `a new chain starts here (seq 1, prev 64 zeros): it does not vouch for the end of the chain before it (${where(p.at)}, seq ${ps}), so lines cut from that end would not show`,
      );
      return;
    }
    if (seq === ps + 1) {
      if (isChained(next) && next.chain.prev === l.hash) {
        this.#fail(
          p,
          'altered',
          `its SHA-256 is not the prev recorded by the next line (${where(l.at, p.at)}, seq ${seq})`,
        );
      } else if (next !== undefined) {
        this.#fail(
          l,
          'altered',
          `its prev is not the hash of ${where(p.at, l.at)} (seq ${ps}), and its own hash is not the prev of the line after it`,
        );
      } else {
        this.#fail(
          p,
          'altered',
          `its SHA-256 is not the prev recorded by ${where(l.at, p.at)} (seq ${seq}), the last line; or that line's prev was altered`,
        );
      }
      return;
    }
    if (seq > ps + 1) {
      if (isChained(next) && next.chain.seq === ps + 1) {
        this.#fail(
          l,
          'reordered',
          `seq ${seq} comes before seq ${ps + 1} (${where(next.at, l.at)}): lines out of order`,
        );
        return;
      }
      this.#scan = { from: ps + 1, to: seq - 1, p, l };
      this.#fail(l, 'removed', gapText(this.#scan, undefined));
      return;
    }
    const same = this.#recentFind((r) => r.hash === l.hash);
    if (same !== undefined) {
      this.#fail(l, 'duplicated', `it repeats ${where(same.at, l.at)} (seq ${same.chain.seq}) byte for byte`);
      return;
    }
    const earlier = this.#recentFind((r) => r.chain.seq === seq);
    const also = earlier === undefined ? '' : `; seq ${seq} is also ${where(earlier.at, l.at)}`;
    this.#fail(l, 'reordered', `seq goes back from ${ps} (${where(p.at, l.at)}) to ${seq}${also}`);
  }

  /** The most recent of the last chained lines that passes. */
  #recentFind(pass: (r: Chained) => boolean): Chained | undefined {
    const n = this.#recent.length;
    for (let i = 1; i <= n; i++) {
      const r = this.#recent[(this.#recentAt - i + n) % n] as Chained;
      if (pass(r)) return r;
    }
    return undefined;
  }

  /** After a gap: a missing seq found later means the line was moved, not removed. */
  #lookFor(s: Seen): void {
    const scan = this.#scan;
    if (scan === undefined || !isChained(s)) return;
    const seq = s.chain.seq;
    if (seq < scan.from || seq > scan.to) return;
    this.#scan = undefined;
    this.#fail(scan.l, 'reordered', gapText(scan, s));
  }

  #fail(s: Seen, kind: ProblemKind, why: string): void {
    const seq = s.chain.kind === 'chained' ? s.chain.seq : null;
    this.#problem = { at: s.at, seq, kind, message: `${kind}: ${why}` };
  }

  #break(s: Seen, kind: BreakKind, why: string): void {
    const seq = s.chain.kind === 'chained' ? s.chain.seq : null;
    this.#breaks.push({ at: s.at, seq, kind, message: `${kind}: ${why}` });
  }
}

/** Missing seqs: from..to, between the chained lines p and l. */
interface Gap {
  from: number;
  to: number;
  p: Chained;
  l: Chained;
}

/** A gap's description; `found`: a missing line found later in the input. */
function gapText(g: Gap, found: Chained | undefined): string {
  const text = `seq ${range(g.from, g.to)} missing between ${where(g.p.at, g.l.at)} (seq ${g.p.chain.seq}) and this line (seq ${g.l.chain.seq})`;
  if (found === undefined) return `${text}: ${count(g.to - g.from + 1, 'line')} removed`;
  return `${text}; seq ${found.chain.seq} comes later, at ${where(found.at, g.l.at)}: moved out of order`;
}

/** What a chain_break says about the line before it (at: where that line is, when known). */
function breakText(brk: ChainBreak, at: string | undefined): string {
  const before = at === undefined ? 'the line before it' : `the line before it (${at})`;
  switch (brk) {
    case 'torn_line':
      return `${before} was cut short: vigil stopped in the middle of writing it (a crash, a power loss)`;
    case 'unchained':
      return `${before} has no seq (written before vigil chained its lines, or by something else): a new chain starts here`;
    case 'write_failed':
      return 'the writer could not write the lines before it (a failed write: the error was raised then)';
  }
}

/** `file:line`, the file left out when it is the file of `from`. */
export function where(at: Position, from?: Position): string {
  return from?.file === at.file ? `line ${at.line}` : `${at.file}:${at.line}`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function range(a: number, b: number): string {
  return a === b ? `${a}` : `${a} to ${b}`;
}

function missing(lastSeq: number, seq: number): string {
  return seq > lastSeq + 1 ? `; seq ${range(lastSeq + 1, seq - 1)} missing` : '';
}

/** The file operations verify needs (node:fs by default). */
export interface VerifyFs {
  openSync(path: string, flags: string): number;
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: null): number;
  closeSync(fd: number): void;
}

const READ_CHUNK = 1024 * 1024;

/** Verifies files, oldest first, as one chain. Throws VIGIL_AUDIT_UNREADABLE for a file it cannot read. */
export function verifyAuditFiles(files: readonly string[], fs: VerifyFs = nodeFs): VerifyReport {
  const v = new ChainVerifier();
  for (const file of files) {
    if (v.done) break;
    v.file(file);
    try {
      readLines(fs, file, (bytes, complete) => {
        v.line(file, bytes, complete);
        return !v.done;
      });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
      throw new AuditError('VIGIL_AUDIT_UNREADABLE', `cannot read ${file}: ${code}`, { cause: err });
    }
  }
  return v.finish();
}

/** Calls onLine with each line's bytes (no newline) until it returns false. */
function readLines(fs: VerifyFs, path: string, onLine: (bytes: Buffer, complete: boolean) => boolean): void {
  const fd = fs.openSync(path, 'r');
  try {
    const chunk = Buffer.allocUnsafe(READ_CHUNK);
    // the start of a line that goes on in the next chunk
    let carry: Buffer[] = [];
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      let start = 0;
      for (let nl = chunk.indexOf(0x0a, start); nl !== -1 && nl < n; nl = chunk.indexOf(0x0a, start)) {
        let bytes = chunk.subarray(start, nl);
        if (carry.length > 0) {
          bytes = Buffer.concat([...carry, bytes]);
          carry = [];
        }
        if (!onLine(bytes, true)) return;
        start = nl + 1;
      }
      if (start < n) carry.push(Buffer.from(chunk.subarray(start, n)));
    }
    if (carry.length > 0) onLine(Buffer.concat(carry), false);
  } finally {
    fs.closeSync(fd);
  }
}
