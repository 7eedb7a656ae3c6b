// Audit volume decided in the kernel (--file-events, kernel/lib/volume.h), under `vigil run`
// on the real kernel: the same Python workload is run under each mode, and what `first` and
// `none` hold back must add up, line for line, to what `all` writes. Denials are never held
// back; a failed lookup of a path a deny rule names is still written.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import type { AuditLine, AuditLineOf } from '../../src/sinks/audit-schema.js';
import { readAuditLog } from '../support/audit-log.js';
import { repoRoot } from '../support/paths.js';
import { requires } from '../support/requires.js';
import { homeSandbox } from '../support/sandbox.js';

const VIGIL = join(repoRoot, 'dist/src/cli/main.js');
const PY = '/usr/bin/python3';

// 200 reads and 50 appends of one file, 100 lookups of files that do not exist, one lookup of a
// denied secret that does not exist. -I -B: no user site, no .pyc writes (the same opens each run).
const WORKLOAD = `
import os
home = os.environ['HOME']
notes = os.path.join(home, 'notes.txt')
for _ in range(200):
    open(notes).close()
for _ in range(50):
    open(notes, 'a').close()
for i in range(100):
    try:
        open(os.path.join(home, 'missing-%d' % i))
    except FileNotFoundError:
        pass
try:
    open(os.path.join(home, '.ssh', 'id_ed25519'))
except FileNotFoundError:
    print('secret missing')
`;

const sandbox = (t: TestContext) => homeSandbox(t, 'vigil-volume-');

function vrun(
  dir: string,
  home: string,
  extra: string[],
  argv: string[],
): { out: string; lines: AuditLine[] } {
  const log = join(dir, `audit-${Math.random().toString(36).slice(2)}.jsonl`);
  const r = spawnSync(process.execPath, [VIGIL, 'run', '--audit-log', log, ...extra, '--', ...argv], {
    encoding: 'utf8',
    cwd: dir,
    env: { ...process.env, HOME: home },
    timeout: 60_000,
  });
  return { out: r.stdout + r.stderr, lines: readAuditLog(log) };
}

const opens = (lines: AuditLine[]) =>
  lines.filter((l): l is AuditLineOf<'file_open'> => l.event === 'file_open');
const activity = (lines: AuditLine[]) =>
  lines.filter((l): l is AuditLineOf<'file_activity'> => l.event === 'file_activity');

function counted(lines: AuditLine[]): { repeated: number; lookups: number; unrecorded: number } {
  const a = activity(lines);
  return {
    repeated: a.reduce((n, l) => n + l.counted.repeated_opens, 0),
    lookups: a.reduce((n, l) => n + l.counted.failed_lookups, 0),
    unrecorded: a.reduce((n, l) => n + l.counted.unrecorded_opens, 0),
  };
}

test('--file-events: first and none hold back exactly what all writes, counted in the kernel', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf', 'tracepoint'))) return;
  const { dir, home } = sandbox(t);
  const notes = join(home, 'notes.txt');
  const argv = [PY, '-I', '-B', '-c', WORKLOAD];
  const all = vrun(dir, home, ['--file-events', 'all'], argv);
  const first = vrun(dir, home, [], argv); // the default
  const none = vrun(dir, home, ['--file-events', 'none'], argv);
  for (const r of [all, first, none]) assert.match(r.out, /secret missing/, r.out);

  // all: every open, the 100 failed lookups included, and no file_activity line
  assert.equal(opens(all.lines).filter((l) => l.path === notes).length, 250, all.out);
  assert.equal(
    opens(all.lines).filter((l) => l.result === 'ENOENT' && l.path.includes('missing-')).length,
    100,
  );
  assert.equal(activity(all.lines).length, 0);

  // first: one line per access; the repeats and the lookups counted, and the sums agree with all
  const notesFirst = opens(first.lines).filter((l) => l.path === notes);
  assert.deepEqual(notesFirst.map((l) => l.flags.includes('O_APPEND')).sort(), [false, true], first.out);
  assert.equal(opens(first.lines).filter((l) => l.path.includes('missing-')).length, 0);
  const c = counted(first.lines);
  assert.ok(c.repeated >= 248, `repeats counted: ${JSON.stringify(c)}`);
  assert.ok(c.lookups >= 100, `failed lookups counted: ${JSON.stringify(c)}`);
  assert.equal(c.unrecorded, 0);
  assert.equal(
    opens(first.lines).length + c.repeated + c.lookups,
    opens(all.lines).length,
    'every open of the all run is either written or counted under first',
  );
  assert.ok(first.lines.length * 2 < all.lines.length, `${first.lines.length} lines vs ${all.lines.length}`);

  // none: no allowed open written; everything counted
  const n = counted(none.lines);
  const notDenied = opens(none.lines).filter((l) => l.action === 'ALLOW' || l.action === 'OBSERVE');
  assert.ok(
    notDenied.every((l) => l.result === 'ENOENT' || typeof l.result === 'string'),
    'only failed opens are written',
  );
  assert.equal(opens(none.lines).length + n.unrecorded + n.lookups, opens(all.lines).length);

  // the lookup of a denied secret that does not exist is written in every mode
  for (const r of [all, first, none]) {
    assert.ok(
      opens(r.lines).some((l) => l.path === join(home, '.ssh', 'id_ed25519') && l.result === 'ENOENT'),
      'the failed lookup of a denied path has its line',
    );
  }
  // a file_activity line names the session and its mode, and comes before session_end
  const kinds = first.lines.map((l) => l.event);
  const last = kinds.lastIndexOf('file_activity');
  assert.ok(last >= 0 && last < kinds.indexOf('session_end'), kinds.join(' '));
  assert.equal(activity(first.lines)[0]?.file_events, 'first');
});

test('--file-events first: every denial is written, however often it repeats', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf', 'tracepoint'))) return;
  const { dir, home } = sandbox(t);
  const secret = join(home, '.ssh', 'id_rsa');
  // each cat is refused (EPERM) or killed: three attempts, three lines
  const r = vrun(dir, home, [], ['/bin/sh', '-c', `for i in 1 2 3; do cat ${secret}; done; exit 0`]);
  const denials = opens(r.lines).filter(
    (l) => l.path === secret && (l.action === 'BLOCK' || l.action === 'KILL'),
  );
  assert.equal(denials.length, 3, r.out);
});
