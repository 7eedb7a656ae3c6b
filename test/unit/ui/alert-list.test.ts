// The Alerts view's list: alert lines and flagged installs, newest first, filtered by session and
// least severity, bounded. The fixtures are checked against the audit schema first.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { auditLineErrors, validateAuditLine } from '../../../src/sinks/audit-schema.js';
import { AlertList, isAlertLine, SEVERITIES } from '../../../src/ui/alert-list.js';
import { alert, exec, fileOpen, install, toolCall } from './synthetic.js';

test('the synthetic alert, install and tool_call lines are valid audit lines', () => {
  const ref = { id: 'toolu_01', name: 'Bash', turn: 0 };
  for (const l of [
    alert('run-1', 1),
    alert('run-1', 1, 'critical', ref),
    install('run-1', 2),
    install('run-1', 2, 'info'),
    install('run-1', 2, 'critical', 'KILL'),
    toolCall('run-1', ref, 0, 40, 'npm install lodahs'),
    toolCall('run-1', ref, 0, null, 'sleep 100', null),
  ]) {
    assert.ok(validateAuditLine(l), `${l.event}: ${auditLineErrors(l)}`);
  }
});

test('severities come from the schema, least serious first', () => {
  assert.deepEqual(SEVERITIES, ['info', 'low', 'medium', 'high', 'critical']);
});

test('alerts and flagged installs are kept, newest first; nothing else is', () => {
  const list = new AlertList();
  const lines = [
    exec('run-1', 10, 1, ['/bin/sh', '-c', 'true']),
    alert('run-1', 1, 'high'),
    install('run-1', 2, 'info'),
    install('run-1', 3, 'medium'),
    fileOpen(4, 'run-1', 'BLOCK'),
    alert('run-2', 5, 'low'),
    install('run-2', 6, 'critical', 'KILL'),
  ];
  lines.forEach((l, i) => {
    list.observe(l, i + 1);
  });
  assert.deepEqual(
    lines.map((l) => isAlertLine(l)),
    [false, true, false, true, false, true, true],
  );
  const all = list.list();
  assert.deepEqual(
    all.alerts.map((a) => a.id),
    [7, 6, 4, 2],
    'stream ids, newest first',
  );
  assert.equal(all.kept, 4);
  assert.equal(all.dropped, 0);
  assert.deepEqual(all.sessions, {
    'run-1': { high: 1, medium: 1 },
    'run-2': { low: 1, critical: 1 },
  });
  const masked = all.alerts.find((a) => a.id === 2)?.line;
  assert.equal(masked?.event === 'alert' ? masked.masked : undefined, 'AKIA…WXYZ');

  assert.deepEqual(
    list.list({ session: 'run-1' }).alerts.map((a) => a.id),
    [4, 2],
    'by session',
  );
  assert.deepEqual(
    list.list({ severity: 'high' }).alerts.map((a) => a.id),
    [7, 2],
    'high and above',
  );
  assert.deepEqual(
    list.list({ session: 'run-2', severity: 'medium' }).alerts.map((a) => a.id),
    [7],
    'both filters',
  );
  assert.deepEqual(list.list({ severity: 'critical' }).sessions, all.sessions, 'counts before the filter');
});

test('bounded: the newest are kept, the older ones counted', () => {
  const list = new AlertList(10);
  for (let i = 1; i <= 25; i++) list.observe(alert('run-1', i), i);
  const v = list.list();
  assert.equal(v.kept, 10);
  assert.equal(v.dropped, 15);
  assert.deepEqual(
    v.alerts.map((a) => a.id),
    [25, 24, 23, 22, 21, 20, 19, 18, 17, 16],
  );
});
