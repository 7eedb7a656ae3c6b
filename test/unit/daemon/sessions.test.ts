// The session registry: ids vigil gives never collide with the kernel's and are never reused
// across daemons; names and summaries say what the session is; ended sessions are pruned oldest
// first, live ones never.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { SessionRegistry } from '../../../src/daemon/sessions.js';
import { SESSION_KERNEL_BIT as KERNEL_SESSION_BIT } from '../../../src/wire/wire-layout.js';
import { GENERIC_REF } from '../../support/fake-kernel.js';

const ref = GENERIC_REF;

test('sessions vigil starts count up from 1; kernel-started ones keep the kernel id and are named without its bit', () => {
  const r = new SessionRegistry();
  const a = r.create('run', ref);
  const b = r.create('attach', ref);
  assert.deepEqual([a.id, b.id, a.name, b.name], [1, 2, 'run-1', 'attach-2']);
  const k = r.adoptKernelSession(KERNEL_SESSION_BIT | 5, ref);
  assert.equal(k.kind, 'watch');
  assert.equal(k.name, 'watch-5');
  assert.equal(r.create('run', ref).id, 3, 'a kernel session does not move the counter');
});

test('a restored session moves the counter past its id, so ids are never reused', () => {
  const r = new SessionRegistry();
  r.restore(41, 'run', ref, new Date(0));
  r.restore(KERNEL_SESSION_BIT | 900, 'watch', ref, new Date(0));
  assert.equal(r.create('run', ref).id, 42);
  r.nextId = 10;
  assert.equal(r.nextId, 43, 'the counter never goes back');
});

test('counts and the summary say what happened in a session', () => {
  const r = new SessionRegistry();
  const s = r.create('run', ref);
  s.rootPid = 100;
  s.live.add(101).add(100);
  s.count('file_open', 'BLOCK');
  s.count('file_open', 'ALLOW');
  s.count('exec', 'ALLOW');
  const sum = s.summary();
  assert.equal(sum.profile, 'generic');
  assert.equal(sum.profileSource, 'builtin:generic');
  assert.deepEqual(sum.processes, [100, 101]);
  assert.deepEqual(sum.events, { file_open: 2, exec: 1 });
  assert.deepEqual(sum.actions, { BLOCK: 1, ALLOW: 2 });
  assert.equal(sum.enforced, false, 'no kernel handle yet');
  assert.equal(sum.endedAt, null);
});

test('Landlock: grants exist only while the ruleset is in force, and the start line says which', () => {
  const r = new SessionRegistry();
  const s = r.create('run', ref);
  assert.equal(s.landlockText(), undefined);
  r.setLandlock(s.id, {
    mode: 'auto',
    inForce: false,
    abi: null,
    rules: 0,
    skipped: 0,
    note: 'no Landlock in this kernel',
    left: 0,
    grants: [],
    creds: null,
  });
  assert.equal(s.landlockGrants(), undefined);
  assert.match(s.landlockText() ?? '', /^Landlock not in force \(auto\): no Landlock in this kernel/);
});

test('prune forgets the oldest ended sessions beyond the bound and keeps every live one', () => {
  const r = new SessionRegistry();
  const live = r.create('run', ref);
  const ended = [1, 2, 3].map((n) => {
    const s = r.create('run', ref);
    s.endedAt = new Date(n * 1000);
    return s;
  });
  r.prune(2);
  const ids = r.list().map((s) => s.id);
  assert.ok(ids.includes(live.id));
  assert.ok(!ids.includes(ended[0]?.id ?? -1), 'the oldest ended session is forgotten');
  assert.equal(ids.length, 3);
});
