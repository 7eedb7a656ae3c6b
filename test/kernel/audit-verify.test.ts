// The audit log's hash chain end to end: `vigil run` (the built CLI, as root, real kernel
// events) writes a log; a second run appends to it, continuing the chain from its last line
// (a restart); `vigil audit verify` passes on it, and on copies with one line edited, deleted,
// or two lines swapped it exits 1 naming the file, line and seq. Temp folders only.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import { auditLineErrors, validateAuditLine } from '../../src/sinks/audit-schema.js';
import { repoRoot } from '../support/paths.js';
import { requires } from '../support/requires.js';

const VIGIL = join(repoRoot, 'dist/src/cli/main.js');

function vigil(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [VIGIL, ...args], { encoding: 'utf8', timeout: 60_000 });
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-chain-'));
  chmodSync(dir, 0o755);
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** A copy of the log with its lines changed by `edit`. */
function copyWith(dir: string, log: string, name: string, edit: (lines: string[]) => string[]): string {
  const lines = readFileSync(log, 'utf8').split('\n').slice(0, -1);
  const path = join(dir, name);
  writeFileSync(path, `${edit(lines).join('\n')}\n`);
  return path;
}

const seqOf = (line: string | undefined): number => (JSON.parse(line ?? '{}') as { seq: number }).seq;

test('vigil run writes a hash-chained log that vigil audit verify passes, and tampering fails it', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf', 'cgroup2'))) return;
  const dir = tempDir(t);
  const log = join(dir, 'a.jsonl');
  const cmd = ['/bin/sh', '-c', 'cat /etc/hostname > /dev/null; /bin/true'];
  const first = vigil(['run', '--framework', 'generic', '--audit-log', log, '--', ...cmd]);
  assert.equal(first.status, 0, first.stderr);
  const firstCount = readFileSync(log, 'utf8').split('\n').length - 1;
  // a restart: a new vigil process opens the log and continues the chain from its last line
  const second = vigil(['run', '--framework', 'generic', '--audit-log', log, '--', '/bin/true']);
  assert.equal(second.status, 0, second.stderr);

  const lines = readFileSync(log, 'utf8').split('\n').slice(0, -1);
  assert.ok(lines.length >= 8, `enough lines to tamper with (${lines.length})`);
  for (const l of lines) {
    const parsed = JSON.parse(l) as unknown;
    assert.ok(validateAuditLine(parsed), `schema: ${auditLineErrors(parsed)}\n${l}`);
  }
  assert.deepEqual(
    lines.map(seqOf),
    lines.map((_, i) => i + 1),
    'one chain, seq 1..N, across the two runs',
  );
  assert.ok(!lines[firstCount]?.includes('chain_break'), 'the restart is no break');

  const ok = vigil(['audit', 'verify', log]);
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(
    ok.stdout,
    new RegExp(`^intact: ${lines.length} lines in 1 file, seq 1 to ${lines.length}$`, 'm'),
  );

  // one line edited: a path changed (or any byte of line 3)
  const edited = copyWith(dir, log, 'edited.jsonl', (l) =>
    l.map((x, i) => (i === 2 ? x.replace('"ts":"', '"ts":"1') : x)),
  );
  const e = vigil(['audit', 'verify', edited]);
  assert.equal(e.status, 1, e.stdout + e.stderr);
  assert.ok(e.stdout.includes(`NOT INTACT at ${edited}:3 (seq 3): altered`), e.stdout);

  // one line deleted
  const deleted = copyWith(dir, log, 'deleted.jsonl', (l) => l.filter((_, i) => i !== 4));
  const d = vigil(['audit', 'verify', deleted]);
  assert.equal(d.status, 1, d.stdout + d.stderr);
  assert.ok(d.stdout.includes(`NOT INTACT at ${deleted}:5 (seq 6): removed: seq 5 missing`), d.stdout);

  // two lines swapped
  const swapped = copyWith(dir, log, 'swapped.jsonl', (l) => {
    const out = [...l];
    [out[5], out[6]] = [l[6] ?? '', l[5] ?? ''];
    return out;
  });
  const s = vigil(['audit', 'verify', '--json', swapped]);
  assert.equal(s.status, 1, s.stdout + s.stderr);
  const report = JSON.parse(s.stdout) as {
    problem: { kind: string; seq: number; at: { file: string; line: number } };
  };
  assert.deepEqual(report.problem.at, { file: swapped, line: 6 });
  assert.deepEqual([report.problem.kind, report.problem.seq], ['reordered', 7]);
});
