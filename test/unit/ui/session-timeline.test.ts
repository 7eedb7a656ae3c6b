// A session's timeline from its lines: turns, tool calls (logged or known from their linked lines
// only), the kernel lines linked to each, the lines linked to none, denials, and the bounds.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { auditLineErrors, validateAuditLine, type AuditLine } from '../../../src/sinks/audit-schema.js';
import {
  CALL_LINES_MAX,
  SessionTimeline,
  UNLINKED_DENIED_MAX,
  UNLINKED_MAX,
} from '../../../src/ui/session-timeline.js';
import { alert, exec, fileOpen, fork, install, linked, sessionStart, toolCall } from './synthetic.js';

const A = { id: 'toolu_A', name: 'Bash', turn: 0 };
const B = { id: 'toolu_B', name: 'Read', turn: 0 };
const C = { id: 'toolu_C', name: 'Bash', turn: 1 };

/** Feeds lines (each checked against the schema) with ids 1, 2, ...; returns the timeline. */
function feed(lines: AuditLine[]): SessionTimeline {
  const t = new SessionTimeline();
  lines.forEach((l, i) => {
    assert.ok(validateAuditLine(l), `fixture ${i} (${l.event}): ${auditLineErrors(l)}`);
    t.observe(l, i + 1);
  });
  return t;
}

test('turn -> tool call -> linked kernel lines; unlinked lines apart; denials counted', () => {
  const t = feed([
    sessionStart('run-1', 100), // 1: not a timeline line
    fork('run-1', 100, 101), // 2: fork/exit are the process tree's
    linked(exec('run-1', 101, 100, ['/bin/sh', '-c', 'cat ~/.ssh/id_rsa']), 1000, A), // 3
    linked(fileOpen(4, 'run-1', 'BLOCK'), 1010, A), // 4: denied, linked
    linked(exec('run-1', 102, 100, ['/usr/bin/make']), 1500), // 5: not linked
    linked(fileOpen(6, 'run-1', 'BLOCK'), 1600), // 6: denied, not linked
    toolCall('run-1', A, 990, 1200, 'cat ~/.ssh/id_rsa', true), // 7: A logged after its lines
    toolCall('run-1', B, 1300, 1305, ''), // 8: logged, no kernel line
    linked(exec('run-1', 103, 100, ['/usr/bin/npm', 'install', 'lodahs']), 2000, C), // 9: C not logged yet
    { ...install('run-1', 2001), tool_call: C }, // 10: an install linked to C
    alert('run-1', 2002, 'high', C), // 11: an alert linked to C
    linked(exec('run-2', 200, 1, ['/bin/true']), 2100, A), // 12: another session
  ]);
  const v = t.view('run-1');
  assert.ok(v);
  assert.equal(v.agent, 'claude-code');
  assert.equal(v.transcript, '/home/dev/.claude/projects/p/session.jsonl');
  assert.deepEqual(
    v.turns.map((x) => [x.turn, x.calls.map((c) => c.id)]),
    [
      [0, ['toolu_A', 'toolu_B']],
      [1, ['toolu_C']],
    ],
    'turns in order, calls in order of their start',
  );
  const [a, b] = v.turns[0]?.calls ?? [];
  assert.ok(a && b);
  assert.equal(a.logged, true);
  assert.equal(a.command, 'cat ~/.ssh/id_rsa');
  assert.equal(a.kind, 'shell');
  assert.equal(a.isError, true);
  assert.equal(a.durationMs, 210);
  assert.deepEqual(
    a.lines.map((l) => l.id),
    [3, 4],
  );
  assert.equal(a.lineCount, 2);
  assert.equal(a.denied, 1);
  assert.deepEqual(a.linked, { exec: 1, file_open: 1, net_connect: 0, other: 0, denied: 1, late: 0 });
  assert.equal(b.lines.length, 0);
  assert.equal(b.durationMs, 5);
  const c = v.turns[1]?.calls[0];
  assert.ok(c);
  assert.equal(c.logged, false, 'known from its linked lines only');
  assert.equal(c.name, 'Bash');
  assert.equal(c.command, null);
  assert.equal(c.durationMs, null);
  assert.equal(c.ts, new Date(1_700_000_002_000).toISOString(), 'its first line’s time');
  assert.deepEqual(
    c.lines.map((l) => l.line.event),
    ['exec', 'install', 'alert'],
  );
  assert.deepEqual(
    v.unlinked.lines.map((l) => l.id),
    [5, 6],
  );
  assert.equal(v.unlinked.count, 2);
  assert.equal(v.unlinked.denied, 1);

  const other = t.view('run-2');
  assert.equal(other?.turns[0]?.calls[0]?.lines[0]?.id, 12, 'calls are per session');
  assert.equal(t.view('run-3'), undefined);

  // the version moves with every line taken, not with lines left out
  const before = v.version;
  t.observe(fork('run-1', 100, 104), 13);
  assert.equal(t.view('run-1')?.version, before);
  t.observe(linked(fileOpen(14, 'run-1'), 3000), 14);
  assert.equal(t.view('run-1')?.version, before + 1);
});

test('a call keeps its first lines; the unlinked group its newest and its newest denials', () => {
  const lines: AuditLine[] = [linked(fileOpen(0, 'run-1', 'BLOCK'), 0)];
  for (let i = 1; i <= CALL_LINES_MAX + 50; i++) lines.push(linked(fileOpen(i, 'run-1'), i, A));
  for (let i = 0; i < UNLINKED_MAX + 100; i++) lines.push(linked(fileOpen(i, 'run-1'), 10_000 + i));
  const t = feed(lines);
  const v = t.view('run-1');
  const a = v?.turns[0]?.calls[0];
  assert.ok(v && a);
  assert.equal(a.lines.length, CALL_LINES_MAX);
  assert.equal(a.lineCount, CALL_LINES_MAX + 50);
  assert.equal(a.lines[0]?.id, 2, 'the first ones');
  assert.equal(v.unlinked.count, UNLINKED_MAX + 101);
  assert.equal(v.unlinked.lines.length, UNLINKED_MAX + 1, 'the newest, plus the old denial');
  const first = v.unlinked.lines[0];
  assert.ok(first);
  assert.equal(first.id, 1, 'the BLOCK was not pushed out by routine lines');
  assert.equal(first.line.action, 'BLOCK');
  assert.equal(v.unlinked.lines.at(-1)?.id, lines.length);
});

test('of many unlinked denials, the newest are kept', () => {
  const lines: AuditLine[] = [];
  for (let i = 0; i < UNLINKED_DENIED_MAX * 2; i++) lines.push(linked(fileOpen(i, 'run-1', 'BLOCK'), i));
  for (let i = 0; i < UNLINKED_MAX; i++) lines.push(linked(fileOpen(i, 'run-1'), 10_000 + i));
  const v = feed(lines).view('run-1');
  assert.ok(v);
  const denials = v.unlinked.lines.filter((l) => l.line.action === 'BLOCK');
  assert.equal(denials.length, UNLINKED_DENIED_MAX);
  assert.equal(denials[0]?.id, UNLINKED_DENIED_MAX + 1);
  assert.equal(v.unlinked.denied, UNLINKED_DENIED_MAX * 2);
  assert.equal(v.unlinked.lines.length, UNLINKED_MAX + UNLINKED_DENIED_MAX);
});

test('lines linked late (the agent logged the call after they were written) move under the call by its pids and window', () => {
  const t = feed([
    linked(exec('run-1', 1001, 100, ['cat', './notes.txt']), 1000), // 1: under the call, late
    linked(fileOpen(1, 'run-1', 'BLOCK'), 1010), // 2: a denial of the same process (1001), late
    linked(exec('run-1', 102, 100, ['/usr/bin/make']), 1020), // 3: another process: stays apart
    linked(exec('run-1', 1001, 100, ['cat', './x']), 9000), // 4: same pid, long after: stays apart
    toolCall('run-1', A, 990, 1200, 'cat ./notes.txt', false, { pids: [1001], count: 2 }), // 5
  ]);
  const v = t.view('run-1');
  assert.ok(v);
  const call = v.turns[0]?.calls[0];
  assert.ok(call);
  assert.deepEqual(
    call.lines.map((l) => [l.id, l.late]),
    [
      [1, true],
      [2, true],
    ],
  );
  assert.equal(call.denied, 1);
  assert.deepEqual(
    v.unlinked.lines.map((l) => l.id),
    [3, 4],
  );
  assert.equal(v.unlinked.denied, 0);
});
