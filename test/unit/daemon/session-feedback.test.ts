// The session feedback file and its records: one violation per BLOCK, KILL or AUDIT line of the
// session, made from the audit line (rule as written and where, the explain line), in a file of
// its own readable by the agent's user only, ending with `end`; every record valid against the
// published schema, which is what the generator prints.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Ajv } from 'ajv';

import { FEEDBACK_SCHEMA_FILE, renderFeedbackSchema } from '../../../scripts/gen-audit-schema.js';
import {
  validateFeedbackMessage,
  type FeedbackMessage,
} from '../../../src/daemon/session-feedback-schema.js';
import { FAKE_PID as PID, GENERIC_REF } from '../../support/fake-kernel.js';
import { exitEvent, fileEvent, netEvent, verdict } from '../sinks/fixture-events.js';
import { feedbackDaemon, refusedOpen, SSH_RULE } from './feedback-support.js';

const validate = new Ajv({ allErrors: true, strict: true }).compile(
  JSON.parse(readFileSync(FEEDBACK_SCHEMA_FILE, 'utf8')) as object,
);

function readMessages(path: string): FeedbackMessage[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as FeedbackMessage);
}

test('the committed schemas/feedback.schema.json is what the generator prints', async () => {
  assert.equal(readFileSync(FEEDBACK_SCHEMA_FILE, 'utf8'), await renderFeedbackSchema());
});

test("a refused open is a violation in the session's file: the audit line's facts, the rule as written, what to do instead", (t) => {
  const { daemon, kernel, dir, lines } = feedbackDaemon();
  t.after(() => daemon.stop());
  const s = daemon.createRunSession(GENERIC_REF, false, { auditOnly: false });
  daemon.adoptRoot(s.id, PID);
  assert.equal(daemon.feedbackStream.fileOf(s), null, 'no file before the first violation');
  kernel.deliver(
    { ...fileEvent(PID, '/w/allowed.txt', 0, 3), session: s.id }, // observed: no violation
    refusedOpen(s.id, PID),
    {
      ...netEvent('net_connect', PID, '203.0.113.9', 4444),
      session: s.id,
      verdict: verdict({ action: 'KILL', denied: true, killed: true, lsm: true }),
    },
    {
      ...fileEvent(PID, '/home/u/.ssh/config', 0, 3),
      session: s.id,
      verdict: verdict({ action: 'AUDIT', ruleKind: 1, rule: SSH_RULE, lsm: true }),
    },
  );
  const path = daemon.feedbackStream.fileOf(s);
  assert.ok(path !== null);
  assert.equal(path, join(dir, 'log', 'feedback', readdirSync(join(dir, 'log', 'feedback'))[0] ?? ''));
  assert.match(path, new RegExp(`/${s.name}-\\d{8}T\\d{6}Z\\.jsonl$`));
  assert.equal(statSync(path).mode & 0o777, 0o400, 'readable by its owner only');
  assert.equal(statSync(join(dir, 'log', 'feedback')).mode & 0o777, 0o711, 'the folder is not listable');
  assert.equal(statSync(join(dir, 'log')).mode & 0o011, 0o011, 'the log folder is traversable');

  const [open, connect, audited, ...rest] = readMessages(path);
  assert.deepEqual(rest, []);
  const rule = GENERIC_REF.profile.paths.denied[SSH_RULE];
  assert.ok(rule !== undefined);
  assert.deepEqual(open, {
    type: 'violation',
    schema_version: 1,
    ts: open?.type === 'violation' ? open.ts : '',
    session: s.name,
    profile: 'generic',
    seq: 1,
    kind: 'file_open',
    action: 'BLOCK',
    refused: true,
    enforcement: 'inline',
    backend: open?.type === 'violation' ? open.backend : '',
    target: '/home/u/.ssh/id_rsa',
    process: { pid: PID, comm: 'node', exe: null },
    rule: {
      id: `denied_paths[${SSH_RULE}]`,
      pattern: rule.written,
      origin: `${rule.origin.file}:${rule.origin.line ?? ''}`,
    },
    reason: open?.type === 'violation' ? open.reason : '',
    suggestion: {
      text: open?.type === 'violation' ? open.suggestion.text : '',
      explain: 'vigil profile explain generic --path /home/u/.ssh/id_rsa',
    },
  });
  assert.ok(open.type === 'violation');
  const line = lines.find((l) => l.event === 'file_open' && l.action === 'BLOCK');
  assert.ok(line !== undefined);
  assert.deepEqual(
    [open.ts, open.backend, open.reason],
    [line.ts, line.backend, line.reason],
    "the audit line's own facts",
  );
  assert.match(open.reason, new RegExp(`denied_paths\\[${SSH_RULE}\\]`));
  assert.match(open.suggestion.text, /do not retry/);
  assert.match(open.suggestion.text, /ask them to change their vigil profile/);

  assert.ok(connect?.type === 'violation');
  assert.equal(connect.seq, 2);
  assert.equal(connect.action, 'KILL');
  assert.equal(connect.target, '203.0.113.9:4444');
  assert.deepEqual(connect.rule, { id: 'default', pattern: null, origin: null });
  assert.match(connect.suggestion.text, /the process that tried was killed/);
  assert.equal(connect.suggestion.explain, 'vigil profile explain generic --connect 203.0.113.9:4444');

  assert.ok(audited?.type === 'violation');
  assert.equal(audited.action, 'AUDIT');
  assert.equal(audited.refused, false);
  assert.match(audited.suggestion.text, /^Not refused/);

  kernel.deliver({ ...exitEvent(PID, 0), session: s.id });
  const all = readMessages(path);
  assert.deepEqual(all.at(-1), {
    type: 'end',
    schema_version: 1,
    ts: s.endedAt?.toISOString(),
    session: s.name,
    violations: 3,
  });
  for (const m of all) {
    assert.ok(validate(m), JSON.stringify(validate.errors));
    assert.ok(validateFeedbackMessage(m));
  }
});

test('a session with no violation has no file; a daemon taking a session over goes on from the last seq', (t) => {
  const { daemon, kernel } = feedbackDaemon();
  t.after(() => daemon.stop());
  const quiet = daemon.createRunSession(GENERIC_REF, false, { auditOnly: false });
  daemon.adoptRoot(quiet.id, PID + 1);
  kernel.deliver({ ...exitEvent(PID + 1, 0), session: quiet.id });
  assert.equal(daemon.feedbackStream.fileOf(quiet), null);

  const s = daemon.createRunSession(GENERIC_REF, false, { auditOnly: false });
  daemon.adoptRoot(s.id, PID);
  kernel.deliver(refusedOpen(s.id, PID), refusedOpen(s.id, PID));
  const path = daemon.feedbackStream.fileOf(s);
  assert.ok(path !== null);
  // a new stream over the same file (what a daemon that re-adopted the session makes)
  daemon.feedbackStream.close();
  kernel.deliver(refusedOpen(s.id, PID));
  assert.deepEqual(
    readMessages(path).map((m) => (m.type === 'violation' ? m.seq : m.type)),
    [1, 2, 3],
  );
});
