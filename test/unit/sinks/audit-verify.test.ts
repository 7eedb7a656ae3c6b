// `vigil audit verify`: a log the writer wrote (three rotated files, one chain) verifies; one
// line edited, deleted, swapped, moved, duplicated or inserted is found and named (file, line,
// seq, what); the writer's recorded breaks are reported as breaks; and what a chain cannot see
// (the tail cut, the last line edited, the oldest file gone) is shown to pass, as documented.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { formatWallNs } from '../../../src/enrich/boot-clock.js';
import { buildAuditLine, type LineContext } from '../../../src/sinks/audit-line.js';
import { auditLineErrors, validateAuditLine } from '../../../src/sinks/audit-schema.js';
import { verifyAuditFiles, type VerifyReport } from '../../../src/sinks/audit-verify.js';
import { AuditWriter } from '../../../src/sinks/audit-writer.js';
import { repoRoot } from '../../support/paths.js';
import { chainLines, sha256 } from './chain-fixture.js';
import { fileEvent } from './fixture-events.js';

const ctx: LineContext = {
  session: { id: 's1', profile: 'generic' },
  clock: { format: (k: bigint) => formatWallNs(1_795_000_000_000_000_000n + k) },
};
const observed = (i: number) => buildAuditLine(fileEvent(100, `/tmp/f${i}`, 0, 3), ctx);

const dir = mkdtempSync(join(tmpdir(), 'vigil-verify-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

// 30 lines, 10 per file: log.2 has seq 1-10, log.1 11-20, log 21-30.
const LOG = join(dir, 'log');
const FILES = [`${LOG}.2`, `${LOG}.1`, LOG];
const lineBytes = Buffer.byteLength(chainLines([observed(10)], { seq: 10, hash: '0'.repeat(64) })[0] ?? '');
const writer = new AuditWriter({ path: LOG, maxBytes: lineBytes * 10 + 5, keep: 2 });
for (let i = 0; i < 30; i++) writer.write(observed(i));
writer.close();
const HEAD = writer.chainHead();

let copies = 0;
/** A copy of the log with the lines of one file changed by `edit`. */
function tampered(which: 0 | 1 | 2, edit: (lines: string[]) => string[]): string[] {
  const sub = join(dir, `copy${String(++copies)}`);
  const files = FILES.map((f) => sub + f.slice(LOG.length));
  for (let i = 0; i < 3; i++) {
    const text = readFileSync(FILES[i] ?? '', 'utf8');
    const out = i === which ? edit(text.split('\n').slice(0, -1)).join('\n') + '\n' : text;
    writeFileSync(files[i] ?? '', out);
  }
  return files;
}

const editPath = (line: string): string => line.replace(/"path":"[^"]*"/, '"path":"/tmp/edited"');
const seqOf = (line: string | undefined): number => (JSON.parse(line ?? '{}') as { seq: number }).seq;

function problemOf(r: VerifyReport): [string, number, number | null, string] {
  assert.ok(r.problem !== null, 'a problem is found');
  return [r.problem.at.file, r.problem.at.line, r.problem.seq, r.problem.kind];
}

describe('audit verify: the chain', () => {
  it('a log as written verifies: 30 lines in 3 files, from the genesis to the writer’s last hash', () => {
    const r = verifyAuditFiles(FILES);
    assert.equal(r.problem, null);
    assert.deepEqual(r.breaks, []);
    assert.equal(r.lines, 30);
    assert.equal(r.chained, 30);
    assert.deepEqual(
      r.files.map((f) => f.lines),
      [10, 10, 10],
    );
    assert.deepEqual([r.first?.seq, r.first?.prev], [1, '0'.repeat(64)]);
    assert.deepEqual([r.last?.seq, r.last?.hash, r.last?.at.file], [30, HEAD.hash, LOG]);
  });

  it('one line edited: that line is named (file, line, seq), altered', () => {
    const files = tampered(1, (l) => l.map((x, i) => (i === 3 ? editPath(x) : x)));
    assert.deepEqual(problemOf(verifyAuditFiles(files)), [files[1], 4, 14, 'altered']);
  });

  it('the last line of a rotated file edited: found from the first line of the next file', () => {
    const files = tampered(0, (l) => l.map((x, i) => (i === 9 ? editPath(x) : x)));
    const r = verifyAuditFiles(files);
    assert.deepEqual(problemOf(r), [files[0], 10, 10, 'altered']);
    assert.match(r.problem?.message ?? '', /not the prev recorded by the next line/);
  });

  it('only the seq of a line edited: that line, altered, no line missing', () => {
    const files = tampered(2, (l) => l.map((x, i) => (i === 4 ? x.replace('"seq":25', '"seq":52') : x)));
    const r = verifyAuditFiles(files);
    assert.deepEqual(problemOf(r), [files[2], 5, 52, 'altered']);
    assert.match(r.problem?.message ?? '', /no line is missing/);
  });

  it('the prev of a line edited: that line, altered', () => {
    const files = tampered(1, (l) =>
      l.map((x, i) => (i === 5 ? x.replace(/"prev":"[0-9a-f]/, '"prev":"x') : x)),
    );
    assert.deepEqual(problemOf(verifyAuditFiles(files)), [files[1], 6, null, 'altered']);
    // a valid-looking prev: one hex digit changed
    const files2 = tampered(1, (l) =>
      l.map((x, i) =>
        i === 5
          ? x.replace(
              /("prev":"[0-9a-f]{63})([0-9a-f])/,
              (_, a: string, d: string) => a + (d === 'f' ? '0' : 'f'),
            )
          : x,
      ),
    );
    assert.deepEqual(problemOf(verifyAuditFiles(files2)), [files2[1], 6, 16, 'altered']);
  });

  it('one line deleted: the line after the gap is named, seq missing, removed', () => {
    const files = tampered(1, (l) => l.filter((_, i) => i !== 3));
    const r = verifyAuditFiles(files);
    assert.deepEqual(problemOf(r), [files[1], 4, 15, 'removed']);
    assert.match(r.problem?.message ?? '', /seq 14 missing/);
  });

  it('two lines swapped: the first out of place is named, reordered', () => {
    const files = tampered(1, (l) => {
      const out = [...l];
      [out[3], out[4]] = [l[4] ?? '', l[3] ?? ''];
      return out;
    });
    const r = verifyAuditFiles(files);
    assert.deepEqual(problemOf(r), [files[1], 4, 15, 'reordered']);
    assert.match(r.problem?.message ?? '', /seq 15 comes before seq 14/);
  });

  it('a line moved further down: reordered, and where it went', () => {
    const files = tampered(1, (l) => {
      const out = l.filter((_, i) => i !== 2);
      out.splice(7, 0, l[2] ?? '');
      return out;
    });
    const r = verifyAuditFiles(files);
    assert.deepEqual(problemOf(r), [files[1], 3, 14, 'reordered']);
    assert.match(r.problem?.message ?? '', /seq 13 comes later, at line 8/);
  });

  it('a line moved into another file: reordered', () => {
    let moved = '';
    const files = tampered(1, (l) => {
      moved = l[2] ?? '';
      return l.filter((_, i) => i !== 2);
    });
    writeFileSync(files[2] ?? '', `${readFileSync(files[2] ?? '', 'utf8')}${moved}\n`);
    const r = verifyAuditFiles(files);
    assert.deepEqual(problemOf(r), [files[1], 3, 14, 'reordered']);
  });

  it('a line duplicated: the copy is named, duplicated', () => {
    const files = tampered(2, (l) => [...l.slice(0, 3), l[2] ?? '', ...l.slice(3)]);
    const r = verifyAuditFiles(files);
    assert.deepEqual(problemOf(r), [files[2], 4, 23, 'duplicated']);
  });

  it('a line without seq inserted: inserted', () => {
    const files = tampered(0, (l) => [...l.slice(0, 5), JSON.stringify(observed(99)), ...l.slice(5)]);
    assert.deepEqual(problemOf(verifyAuditFiles(files)), [files[0], 6, null, 'inserted']);
  });

  it('a forged line with the right seq and prev inserted: found at the line after it', () => {
    const files = tampered(0, (l) => {
      const forged = chainLines([observed(77)], { seq: 5, hash: sha256(l[4] ?? '') })[0]?.trimEnd() ?? '';
      return [...l.slice(0, 5), forged, ...l.slice(5)];
    });
    const r = verifyAuditFiles(files);
    // the forged line itself links; the real line after it does not, and its seq repeats
    assert.equal(seqOf(readFileSync(files[0] ?? '', 'utf8').split('\n')[5]), 6);
    assert.deepEqual(problemOf(r), [files[0], 7, 6, 'reordered']);
    assert.match(r.problem?.message ?? '', /seq 6 is also line 6/);
  });
});

describe('audit verify: the example in docs/audit.md', () => {
  it('is a real chain of valid lines', () => {
    const doc = readFileSync(join(repoRoot, 'docs/audit.md'), 'utf8');
    const block = /```json\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
    const path = join(dir, 'doc-example.jsonl');
    writeFileSync(path, block);
    const r = verifyAuditFiles([path]);
    assert.deepEqual([r.problem, r.breaks, r.lines, r.first?.seq], [null, [], 4, 1]);
    for (const line of block.trimEnd().split('\n')) {
      const parsed = JSON.parse(line) as unknown;
      assert.ok(validateAuditLine(parsed), `${auditLineErrors(parsed)}\n${line}`);
    }
  });
});

describe('audit verify: breaks and limits', () => {
  it('a torn last line (a crash) is a break, not tampering', () => {
    const files = tampered(2, (l) => [...l.slice(0, -1), (l.at(-1) ?? '').slice(0, 40)]);
    const last = files[2] ?? '';
    writeFileSync(last, readFileSync(last, 'utf8').slice(0, -1)); // no newline after the torn piece
    const r = verifyAuditFiles(files);
    assert.equal(r.problem, null);
    assert.deepEqual(
      r.breaks.map((b) => [b.kind, b.at.line]),
      [['torn_tail', 10]],
    );
  });

  it('a new chain in the middle (stdout appended to a log) is a break', () => {
    const path = join(dir, 'appended.jsonl');
    writeFileSync(path, chainLines([observed(1), observed(2)]).join('') + chainLines([observed(3)]).join(''));
    const r = verifyAuditFiles([path]);
    assert.equal(r.problem, null);
    assert.deepEqual(
      r.breaks.map((b) => [b.kind, b.at.line, b.seq]),
      [['new_chain', 3, 1]],
    );
  });

  it('what a chain cannot show without an anchor: the tail cut, the last line edited, the oldest file gone', () => {
    const cut = tampered(2, (l) => l.slice(0, 7));
    const rc = verifyAuditFiles(cut);
    assert.equal(rc.problem, null, 'lines cut from the end do not show');
    assert.notEqual(rc.last?.seq, HEAD.seq, '... except against the last seq kept elsewhere');
    const edited = tampered(2, (l) => l.map((x, i) => (i === 9 ? editPath(x) : x)));
    const re = verifyAuditFiles(edited);
    assert.equal(re.problem, null, 'the last line edited does not show');
    assert.notEqual(re.last?.hash, HEAD.hash, '... except against the last hash kept elsewhere');
    const rh = verifyAuditFiles(FILES.slice(1));
    assert.equal(rh.problem, null, 'the oldest file missing does not show');
    assert.equal(rh.first?.seq, 11, '... but the chain visibly starts at seq 11, not at its genesis');
  });
});

describe('vigil audit verify (the command)', () => {
  const CLI = join(repoRoot, 'dist/src/cli/main.js');
  const vigil = (...args: string[]) =>
    spawnSync(process.execPath, [CLI, 'audit', ...args], { encoding: 'utf8' });

  it('exit 0 on an intact log, with the counts and the last seq and hash to anchor', () => {
    const r = vigil('verify', ...FILES);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^intact: 30 lines in 3 files, seq 1 to 30$/m);
    assert.ok(r.stdout.includes(`(seq 30) sha256 ${HEAD.hash}`), r.stdout);
    assert.match(r.stdout, /cannot show lines cut from the end/);
  });

  it('exit 1 naming file, line and seq of an edited line', () => {
    const files = tampered(1, (l) => l.map((x, i) => (i === 6 ? editPath(x) : x)));
    const r = vigil('verify', ...files);
    assert.equal(r.status, 1, r.stderr);
    assert.ok(r.stdout.includes(`NOT INTACT at ${files[1] ?? ''}:7 (seq 17): altered`), r.stdout);
  });

  it('--json: one document with the problem', () => {
    const files = tampered(1, (l) => l.filter((_, i) => i !== 0));
    const r = vigil('verify', '--json', ...files);
    assert.equal(r.status, 1, r.stderr);
    const doc = JSON.parse(r.stdout) as {
      ok: boolean;
      problem: { kind: string; seq: number; at: { line: number } };
    };
    assert.deepEqual(
      [doc.ok, doc.problem.kind, doc.problem.seq, doc.problem.at.line],
      [false, 'removed', 12, 1],
    );
  });

  it('breaks: exit 1, or 0 with --allow-breaks', () => {
    const path = join(dir, 'cli-break.jsonl');
    copyFileSync(LOG, path);
    writeFileSync(path, `${readFileSync(path, 'utf8')}{"ts":"2026`);
    assert.equal(vigil('verify', path).status, 1);
    const r = vigil('verify', '--allow-breaks', path);
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /break at .*:11: torn_tail/);
  });

  it('exit 2: rotated files newest first (a shell glob’s order), with the right order as the hint', () => {
    const r = vigil('verify', LOG, `${LOG}.1`, `${LOG}.2`);
    assert.equal(r.status, 2, r.stdout);
    assert.ok(r.stderr.includes(`hint: vigil audit verify ${LOG}.2 ${LOG}.1 ${LOG}`), r.stderr);
  });

  it('exit 2: no file, an unknown flag, a file that cannot be read, a file given twice, no subcommand', () => {
    for (const args of [
      ['verify'],
      ['verify', '--nope', LOG],
      ['verify', join(dir, 'absent')],
      ['verify', LOG, LOG],
      [],
    ]) {
      const r = vigil(...args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    }
    assert.match(vigil('verify', join(dir, 'absent')).stderr, /cannot read .*absent: ENOENT/);
    assert.equal(vigil('verify', '--help').status, 0);
  });
});
