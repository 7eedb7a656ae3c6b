// `vigil run`'s end-of-session summary: denials listed with the kernel's reason, counts of the
// rest, every line marked as vigil's own.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { SessionSummary } from '../../../src/cli/session-summary.js';
import type { AuditLine } from '../../../src/sinks/audit-schema.js';

function line(action: string, reason: string): AuditLine {
  return { event: 'file_open', action, reason } as unknown as AuditLine;
}

test('denials are listed with their reason, home shown as ~; the rest counted; every line starts with vigil:', () => {
  const s = new SessionSummary();
  s.add(line('KILL', 'open of /home/u/.ssh/id_rsa denied by denied_paths[0]: killed'));
  s.add(line('AUDIT', 'audited'));
  for (let i = 0; i < 3; i++) s.add(line('ALLOW', 'allowed'));
  s.add(line('OBSERVE', 'observed'));
  const out = s.text('run-4', '/var/log/vigil/sessions/x.jsonl', '/home/u');
  assert.equal(out.length, 2);
  assert.match(
    out[0] ?? '',
    /^vigil: run-4 ended: 1 denied, 1 audited, 3 allowed lines \(audit log: \/var\/log/,
  );
  assert.match(out[1] ?? '', /KILL +file_open +open of ~\/\.ssh\/id_rsa/);
  assert.ok(out.every((l) => l.startsWith('vigil: ')));
});

test('past 20 denials the rest is a count', () => {
  const s = new SessionSummary();
  for (let i = 0; i < 25; i++) s.add(line('BLOCK', `denial ${i}`));
  const out = s.text('run-1', '/l', undefined);
  assert.match(out[0] ?? '', /25 denied/);
  assert.equal(out.length, 22);
  assert.match(out.at(-1) ?? '', /and 5 more denials/);
});
