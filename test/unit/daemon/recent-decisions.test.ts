// The window of refusals a hook reports for one tool call: from its PreToolUse mark (else the
// last report, else two minutes back) to now, without the agent's own process, each told once;
// bounded per session and in sessions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { RecentDecisions } from '../../../src/daemon/recent-decisions.js';
import type { AuditLine } from '../../../src/sinks/audit-schema.js';

const T0 = Date.parse('2026-12-06T10:00:00.000Z');

function line(atMs: number, pid: number, action = 'BLOCK'): AuditLine {
  return {
    ts: new Date(atMs).toISOString(),
    event: 'file_open',
    action,
    pid,
    reason: `r${atMs}`,
  } as unknown as AuditLine;
}

describe('recent refusals', () => {
  it('keeps refusals only, and gives a tool call those since its mark, not the agent root', () => {
    const r = new RecentDecisions();
    r.add(1, line(T0, 50));
    r.add(1, line(T0 + 10, 51, 'ALLOW'));
    r.mark(1, 'toolu_1', T0 + 100);
    r.add(1, line(T0 + 200, 51, 'KILL'));
    r.add(1, line(T0 + 300, 10)); // the agent's own process
    r.add(2, line(T0 + 250, 51));
    const got = r.forToolCall(1, 'toolu_1', 10, T0 + 1000);
    assert.deepEqual(
      got.map((l) => l.reason),
      [`r${T0 + 200}`],
    );
    // no mark: from the last report on, so nothing is told twice
    r.add(1, line(T0 + 1500, 52));
    assert.deepEqual(
      r.forToolCall(1, 'toolu_x', 10, T0 + 2000).map((l) => l.reason),
      [`r${T0 + 1500}`],
    );
    assert.deepEqual(r.forToolCall(1, undefined, 10, T0 + 3000), []);
    assert.equal(r.latest(1, 10).length, 4);
  });

  it('without any report yet, looks two minutes back', () => {
    const r = new RecentDecisions();
    r.add(3, line(T0, 60));
    r.add(3, line(T0 + 200_000, 61));
    assert.deepEqual(
      r.forToolCall(3, undefined, null, T0 + 300_000).map((l) => l.reason),
      [`r${T0 + 200_000}`],
    );
  });

  it('is bounded: 256 lines per session, 128 sessions', () => {
    const r = new RecentDecisions();
    for (let i = 0; i < 300; i++) r.add(1, line(T0 + i, 70));
    assert.equal(r.latest(1, 1000).length, 256);
    assert.equal(r.latest(1, 1)[0]?.reason, `r${T0 + 299}`);
    for (let s = 2; s < 200; s++) r.add(s, line(T0, 70));
    assert.equal(r.latest(1, 1000).length, 0, 'the oldest session went first');
    assert.equal(r.latest(199, 10).length, 1);
  });
});
