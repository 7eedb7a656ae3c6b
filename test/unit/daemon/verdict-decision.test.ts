// The audit line's decision for verdicts the kernel made while no daemon ran (fail-closed): the
// rule is named, and the reason says what the kernel did and why, never more.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { kernelDecision } from '../../../src/daemon/verdict-decision.js';
import { loadBuiltinProfile } from '../../../src/policy/builtin-profiles.js';
import { fileEvent, netEvent, verdict } from '../sinks/fixture-events.js';

const generic = loadBuiltinProfile('generic', { home: '/home/u', workspace: '/w' });

test('a connect refused while no daemon ran names the fail-closed rule', () => {
  const ev = {
    ...netEvent('net_connect', 7, '127.0.0.1', 8080),
    verdict: verdict({ action: 'BLOCK', ruleKind: 5, denied: true, failClosed: true }),
  };
  const d = kernelDecision(ev, generic);
  assert.ok(d);
  assert.equal(d.action, 'BLOCK');
  assert.equal(d.enforcement, 'inline');
  assert.equal(d.rule, 'fail_closed');
  assert.match(
    d.reason,
    /refused by the fail-closed rule \(no network while no daemon runs\); no vigil daemon was reading the session's events \(fail-closed: deny\)/,
  );
});

test('an open killed while no daemon ran says the process was killed, by which rule', () => {
  const ev = {
    ...fileEvent(7, '/var/tmp/x', 0, 3),
    verdict: verdict({ action: 'BLOCK', ruleKind: 5, killed: true, failClosed: true }),
  };
  const d = kernelDecision(ev, generic);
  assert.ok(d);
  assert.equal(d.action, 'KILL');
  assert.equal(d.enforcement, 'reactive');
  assert.match(
    d.reason,
    /denied by the fail-closed rule \(only what an allowed rule names while no daemon runs\): this backend cannot refuse the call/,
  );
});

test('freeze: an allowed open that stopped its process says so', () => {
  const freeze = { ...generic, failClosed: 'freeze' as const };
  const ev = {
    ...fileEvent(7, '/tmp/a', 0, 3),
    verdict: verdict({ ruleKind: 2, rule: 1, failClosed: true, stopped: true }),
  };
  const d = kernelDecision(ev, freeze);
  assert.ok(d);
  assert.equal(d.action, 'ALLOW');
  assert.match(
    d.reason,
    /allowed by allowed_paths\[1\] '\/tmp\/\*\*'; .*fail-closed: freeze\): the process was stopped \(SIGSTOP\)/,
  );
});

test('a decision with a daemon reading says nothing of fail-closed', () => {
  const ev = { ...fileEvent(7, '/tmp/a', 0, 3), verdict: verdict({ ruleKind: 2, rule: 1 }) };
  assert.doesNotMatch(kernelDecision(ev, generic)?.reason ?? 'no decision', /fail-closed/);
});
