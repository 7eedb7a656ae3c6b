// `vigil audit verify [--json] [--allow-breaks] FILE...`: checks the hash chain of audit logs
// (src/sinks/audit-verify.ts; docs/audit.md#verifying-a-log). The files are one chain, oldest
// first: `log.jsonl.2 log.jsonl.1 log.jsonl`. Exit 0: intact; 1: a line was altered, removed,
// inserted or reordered, or the chain has breaks (a crash, a new chain: not tampering, but the
// chain vouches for less there; --allow-breaks accepts them); 2: bad flags, an unreadable file,
// or rotated files newest first.
import { resolve } from 'node:path';

import { EXIT_CODES, UsageError } from '../errors.js';
import { GENESIS } from '../sinks/audit-chain.js';
import { verifyAuditFiles, where, type Position, type VerifyReport } from '../sinks/audit-verify.js';
import { parseVerbArgs } from './args.js';

const USAGE = `usage: vigil audit verify [--json] [--allow-breaks] FILE...

Checks the hash chain of vigil audit logs: every line's prev must be the SHA-256 of the line
before it and its seq one more. Give rotated files oldest first, as one chain:
  vigil audit verify /var/log/vigil/audit.jsonl.2 /var/log/vigil/audit.jsonl.1 /var/log/vigil/audit.jsonl

Reports the first line that was altered, removed, inserted or reordered, and the breaks the
writer recorded (a line cut short by a crash, a new chain). Prints the last seq and sha256:
keep them elsewhere, since no chain can show lines cut from its end without such an anchor.

options:
  --json           print the report as one JSON document
  --allow-breaks   exit 0 when the only findings are recorded breaks (not tampering)
  -h, --help       this text

exit: 0 intact; 1 a line altered, removed, inserted or reordered, or breaks; 2 bad flags, a
file that cannot be read, or rotated files newest first`;

const LIMITS =
  'A hash chain shows a line altered, removed, inserted or reordered anywhere before its last line. ' +
  'It cannot show lines cut from the end, the last line altered, the oldest files deleted, or a log ' +
  'rewritten whole by someone who recomputes every hash: compare the last seq and sha256 with a copy ' +
  'kept elsewhere (an anchor).';

export function auditCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'verify':
      return Promise.resolve(verify(rest));
    case undefined:
    case '--help':
    case '-h':
      console.log(USAGE);
      return Promise.resolve(sub === undefined ? EXIT_CODES.usage : EXIT_CODES.ok);
    default:
      throw new UsageError(`vigil audit: unknown subcommand '${sub}'`, {
        hint: 'vigil audit verify FILE...',
      });
  }
}

function verify(args: string[]): number {
  const { values, positionals } = parseVerbArgs(
    'audit verify',
    args,
    {
      json: { type: 'boolean' },
      'allow-breaks': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  if (values.help === true) {
    console.log(USAGE);
    return EXIT_CODES.ok;
  }
  if (positionals.length === 0) {
    throw new UsageError('vigil audit verify: give the audit log files, oldest first', {
      hint: 'vigil audit verify log.jsonl.1 log.jsonl',
    });
  }
  const seen = new Set<string>();
  for (const file of positionals) {
    if (seen.has(resolve(file))) throw new UsageError(`vigil audit verify: ${file} is given twice`);
    seen.add(resolve(file));
  }
  checkRotationOrder(positionals);
  const report = verifyAuditFiles(positionals);
  const allowBreaks = values['allow-breaks'] === true;
  const ok = report.problem === null && (allowBreaks || report.breaks.length === 0);
  const exit = ok ? EXIT_CODES.ok : EXIT_CODES.failure;
  if (values.json === true) {
    console.log(JSON.stringify({ ok, exit, ...report, limits: LIMITS }, null, 2));
  } else {
    console.log(render(report, allowBreaks).join('\n'));
  }
  return exit;
}

/**
 * Rotated files have a known order (FILE.2 is older than FILE.1, older than FILE), and a shell
 * glob (`FILE*`) lists them newest first: refuse that order rather than report a chain that
 * goes back.
 */
function checkRotationOrder(files: string[]): void {
  const rank = (f: string): { base: string; n: number } => {
    const m = /^(.*)\.(\d+)$/.exec(f);
    return m === null ? { base: f, n: 0 } : { base: m[1] ?? f, n: Number(m[2]) };
  };
  for (let i = 0; i < files.length; i++) {
    for (let j = i + 1; j < files.length; j++) {
      const a = rank(files[i] ?? '');
      const b = rank(files[j] ?? '');
      if (a.base === b.base && a.n < b.n) {
        // each name's files oldest first, the names in the order given
        const bases = [...new Set(files.map((f) => rank(f).base))];
        const sorted = bases.flatMap((base) =>
          files.filter((f) => rank(f).base === base).sort((x, y) => rank(y).n - rank(x).n),
        );
        throw new UsageError(
          `vigil audit verify: ${files[j] ?? ''} is older than ${files[i] ?? ''} (rotated files are FILE.2, FILE.1, FILE): give them oldest first`,
          { hint: `vigil audit verify ${sorted.join(' ')}` },
        );
      }
    }
  }
}

function at(p: Position, seq: number | null): string {
  return seq === null ? where(p) : `${where(p)} (seq ${seq})`;
}

function render(r: VerifyReport, allowBreaks: boolean): string[] {
  const out: string[] = [];
  const files = plural(r.files.length, 'file');
  for (const b of r.breaks) out.push(`break at ${at(b.at, b.seq)}: ${b.message}`);
  if (r.problem !== null) {
    const p = r.problem;
    out.push(`NOT INTACT at ${at(p.at, p.seq)}: ${p.message}`);
    out.push(`read ${plural(r.lines, 'line')}; the lines before ${where(p.at)} chain as they should`);
    return out;
  }
  if (r.lines === 0) {
    out.push(`no lines in ${files}: nothing to verify`);
    return out;
  }
  const { first, last } = r;
  if (first !== null && last !== null) {
    const state = r.breaks.length === 0 ? 'intact' : `intact apart from ${plural(r.breaks.length, 'break')}`;
    out.push(`${state}: ${r.lines} lines in ${files}, seq ${first.seq} to ${last.seq}`);
    out.push(
      first.seq === 1 && first.prev === GENESIS
        ? `first: ${at(first.at, first.seq)}, the start of a chain (prev is 64 zeros)`
        : first.checked
          ? `first: ${at(first.at, first.seq)}, the first chained line; its prev is the hash of the line before it`
          : `first: ${at(first.at, first.seq)}; the lines before it are not in these files (rotated out or deleted: the chain cannot tell which), so its prev ${first.prev} is not checked`,
    );
    out.push(`last:  ${at(last.at, last.seq)} sha256 ${last.hash}`);
  }
  if (r.breaks.length > 0) {
    out.push(
      allowBreaks
        ? `${plural(r.breaks.length, 'break')} accepted (--allow-breaks): not tampering, but the chain does not vouch for the lines around them`
        : `${plural(r.breaks.length, 'break')}: not tampering, but the chain does not vouch for the lines around them; --allow-breaks accepts them`,
    );
  }
  out.push(LIMITS);
  return out;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
