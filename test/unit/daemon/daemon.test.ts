// The daemon's session logic against a kernel in memory (test/support/fake-kernel.ts): what it
// writes to the kernel's maps for a run session, the lines it makes from the kernel's events, and
// that a session ends, and lets go of its profile, with its last process.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { Daemon } from '../../../src/daemon/daemon.js';
import type { AuditLine } from '../../../src/sinks/audit-schema.js';
import {
  daemonOverFake as overFake,
  FAKE_PID,
  GENERIC_REF,
  type FakeKernel,
} from '../../support/fake-kernel.js';
import { execEvent, exitEvent, fileEvent, forkEvent } from '../sinks/fixture-events.js';

function daemonOverFake(): { daemon: Daemon; kernel: FakeKernel; lines: AuditLine[] } {
  const lines: AuditLine[] = [];
  return { ...overFake({ onLine: (l) => lines.push(l) }), lines };
}

const generic = GENERIC_REF;
const PID = FAKE_PID;

test('a run session: its profile and session reach the kernel, its root is watched, session_start is its first line', (t) => {
  const { daemon, kernel, lines } = daemonOverFake();
  t.after(() => daemon.stop());
  assert.equal(kernel.reading, true, 'the daemon reads the rings from the start');
  const s = daemon.createRunSession(generic, false, { auditOnly: false });
  const config = kernel.sessions.get(s.id);
  assert.ok(config, 'the session is in the kernel before its root runs');
  assert.equal(config.enforce, true);
  assert.equal(config.auditOnly, false);
  assert.equal(kernel.profiles.get(config.profile)?.name, 'generic');
  assert.equal(lines.length, 0, 'session_start waits for the root process');

  daemon.adoptRoot(s.id, PID);
  assert.deepEqual(kernel.watched.get(PID), { tgid: PID, session: s.id, root: true, startTicks: 0n });
  const [first] = lines;
  assert.equal(first?.event, 'session_start');
  assert.equal(first.session, s.name);
});

test('the kernel events of a session become its lines; it ends with its last process and lets go of its profile', (t) => {
  const { daemon, kernel, lines } = daemonOverFake();
  t.after(() => daemon.stop());
  const s = daemon.createRunSession(generic, false, { auditOnly: false });
  const handle = kernel.sessions.get(s.id)?.profile;
  daemon.adoptRoot(s.id, PID);
  const at = { session: s.id };
  kernel.deliver(
    { ...forkEvent(PID, PID + 1), ...at },
    { ...execEvent(PID + 1, '/usr/bin/cat', ['cat', '/w/a']), ...at },
    { ...fileEvent(PID + 1, '/w/a', 0, 3), ...at },
    { ...exitEvent(PID + 1, 0), ...at },
  );
  assert.equal(s.endedAt, null, 'the root still runs');
  assert.ok(lines.some((l) => l.event === 'exec' && l.pid === PID + 1));
  kernel.deliver({ ...exitEvent(PID, 0), ...at });
  const last = lines.at(-1);
  assert.equal(last?.event, 'session_end');
  assert.notEqual(s.endedAt, null);
  assert.equal(kernel.sessions.has(s.id), false, 'the session is gone from the kernel');
  assert.equal(handle !== undefined && kernel.profiles.has(handle), false, 'its profile is unloaded');
  assert.equal(s.events.get('session_end'), 1);
});

test('a root process that exited before it was watched is a coded error, not a session', (t) => {
  const { daemon, kernel } = daemonOverFake();
  t.after(() => daemon.stop());
  const s = daemon.createRunSession(generic, false, { auditOnly: true });
  assert.equal(kernel.sessions.get(s.id)?.auditOnly, true);
  kernel.gone.add(PID);
  assert.throws(
    () => {
      daemon.adoptRoot(s.id, PID);
    },
    { code: 'VIGIL_PROCESS_GONE' },
  );
});

test('events the ring buffer lost are reported as one loss line with the count', (t) => {
  const { daemon, kernel, lines } = daemonOverFake();
  t.after(() => daemon.stop());
  kernel.counterValues.ringbufFull = 7n;
  daemon.flush();
  const loss = lines.find((l) => l.event === 'loss');
  assert.ok(loss, JSON.stringify(lines));
  assert.match(JSON.stringify(loss), /7/);
  daemon.flush();
  assert.equal(lines.filter((l) => l.event === 'loss').length, 1, 'a loss is reported once');
});

test('a daemon without pinned state unloads the kernel side when it stops', () => {
  const { daemon, kernel } = daemonOverFake();
  daemon.createRunSession(generic, false, { auditOnly: false });
  assert.deepEqual(daemon.stop(), { kept: false });
  assert.deepEqual(kernel.closed, { unload: true });
  assert.equal(kernel.sessions.size, 0, 'no session stays in the kernel');
  assert.equal(kernel.profiles.size, 0, 'no profile stays in the kernel');
});

test('--file-events: a session takes the daemon default (first) unless it names a mode; what the kernel counted is reported before session_end', (t) => {
  const { daemon, kernel, lines } = daemonOverFake();
  t.after(() => daemon.stop());
  const s = daemon.createRunSession(generic, false, { auditOnly: false });
  const all = daemon.createRunSession(generic, false, { auditOnly: false, fileEvents: 'all' });
  assert.equal(kernel.sessions.get(s.id)?.fileEvents, 'first');
  assert.equal(kernel.sessions.get(all.id)?.fileEvents, 'all');
  daemon.adoptRoot(s.id, PID);
  kernel.openVolumes.set(s.id, { repeated: 7n, failedLookups: 3n, unrecorded: 0n });
  kernel.deliver({ ...exitEvent(PID, 0), session: s.id });
  const kinds = lines.map((l) => l.event);
  assert.deepEqual(kinds.slice(-2), ['file_activity', 'session_end']);
  const activity = lines.find((l) => l.event === 'file_activity');
  assert.ok(activity?.event === 'file_activity');
  assert.deepEqual(activity.counted, { repeated_opens: 7, failed_lookups: 3, unrecorded_opens: 0 });
  assert.equal(activity.session, s.name);
  assert.equal(kernel.openVolumes.has(s.id), false, 'the ended session is forgotten in the kernel');
});
