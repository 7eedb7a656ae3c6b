// The Posture view's history: posture_change lines kept with their stream ids, newest first,
// bounded; nothing else is kept. The fixtures are checked against the audit schema first.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { auditLineErrors, validateAuditLine } from '../../../src/sinks/audit-schema.js';
import { PostureHistory } from '../../../src/ui/posture-history.js';
import { alert, fileOpen, postureChange } from './synthetic.js';

test('the synthetic posture_change lines are valid audit lines', () => {
  for (const l of [postureChange(1), postureChange(2, false), postureChange(3, true, 'coalesced')]) {
    assert.ok(validateAuditLine(l), `${l.event}: ${auditLineErrors(l)}`);
  }
});

test('posture_change lines are kept with their ids, newest first; nothing else is', () => {
  const history = new PostureHistory();
  const lines = [fileOpen(1), postureChange(2), alert('run-1', 3), postureChange(4, false, 'coalesced')];
  lines.forEach((l, i) => {
    history.observe(l, i + 10);
  });
  const view = history.list();
  assert.deepEqual(
    view.changes.map((c) => [c.id, c.line.score_before, c.line.score, c.line.evidence]),
    [
      [13, 75, 35, 'coalesced'],
      [11, 35, 75, 'definitive'],
    ],
  );
  assert.equal(view.dropped, 0);
  assert.deepEqual(
    view.changes[1]?.line.reasons_added.map((r) => r.code),
    ['bypass_permissions'],
  );
  assert.deepEqual(
    view.changes[0]?.line.reasons_removed.map((r) => r.code),
    ['bypass_permissions'],
  );
  assert.deepEqual(new PostureHistory().list(), { changes: [], dropped: 0 });
});

test('the history is bounded: the newest are kept, the older counted', () => {
  const history = new PostureHistory(10);
  for (let i = 1; i <= 25; i++) history.observe(postureChange(i, i % 2 === 1), i);
  const view = history.list();
  assert.equal(view.changes.length, 10);
  assert.equal(view.changes[0]?.id, 25);
  assert.equal(view.changes.at(-1)?.id, 16);
  assert.equal(view.dropped, 15);
  assert.equal(view.changes.length + view.dropped, 25, 'every line is kept or counted');
});
