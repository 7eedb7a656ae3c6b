import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProcessTable, readProcSnapshot, type ProcSnapshot } from '../../../src/enrich/process-table.js';
import { execEvent, exitEvent, fileEvent, forkEvent, sessionStartEvent } from '../sinks/fixture-events.js';

function table(options: { maxEntries?: number; proc?: Record<number, ProcSnapshot> } = {}) {
  const clock = { now: 0 };
  const procs = options.proc ?? {};
  const t = new ProcessTable({
    now: () => clock.now,
    graceMs: 10_000,
    proc: (tgid) => procs[tgid],
    ...(options.maxEntries === undefined ? {} : { maxEntries: options.maxEntries }),
  });
  return { t, clock };
}

/** root 100 (claude) -> 101 (sh) -> 102 (git) */
function tree(t: ProcessTable): void {
  t.observe(sessionStartEvent(100, '/usr/bin/node', ['claude'], { comm: 'claude', ppid: 50 }));
  t.observe(forkEvent(100, 101, { comm: 'claude' }));
  t.observe(execEvent(101, '/usr/bin/dash', ['sh', '-c', 'git status'], { comm: 'sh', ppid: 100 }));
  t.observe(forkEvent(101, 102, { comm: 'sh', ppid: 100 }));
  t.observe(execEvent(102, '/usr/bin/git', ['git', 'status'], { comm: 'git', ppid: 101 }));
}

describe('process table', () => {
  it('learns exe, argv and lineage from exec and fork', () => {
    const { t } = table();
    tree(t);
    assert.equal(t.exe(102), '/usr/bin/git');
    assert.deepEqual(t.get(101)?.argv, ['sh', '-c', 'git status']);
    assert.equal(t.get(102)?.ppid, 101);
    assert.equal(t.get(100)?.root, true);
    assert.deepEqual(
      t.ancestry(102).map((a) => [a.pid, a.comm, a.exe]),
      [
        [102, 'git', '/usr/bin/git'],
        [101, 'sh', '/usr/bin/dash'],
        [100, 'claude', '/usr/bin/node'],
      ],
    );
  });

  it('a forked child has its parent program until it execs', () => {
    const { t } = table();
    tree(t);
    t.observe(forkEvent(102, 103, { comm: 'git' }));
    assert.equal(t.exe(103), '/usr/bin/git');
    assert.equal(t.get(103)?.startTicks, 12345n);
  });

  it('keeps an exited process for the grace period, then drops it', () => {
    const { t, clock } = table();
    tree(t);
    t.observe(exitEvent(102, 0));
    t.observe(fileEvent(102, '/late', 0, 3)); // decoded after the exit
    assert.equal(t.exe(102), '/usr/bin/git');
    assert.equal(t.get(102)?.exited, true);
    clock.now = 10_001;
    t.sweep();
    assert.equal(t.get(102), undefined);
    assert.equal(t.exe(101), '/usr/bin/dash', 'live processes stay');
  });

  it('keeps an exited parent while a child names it (double fork), and drops both after', () => {
    const { t, clock } = table();
    tree(t);
    t.observe(exitEvent(101, 0)); // sh exits, git (daemonized) lives on
    clock.now = 60_000;
    t.sweep();
    assert.deepEqual(
      t.ancestry(102).map((a) => [a.pid, a.exited]),
      [
        [102, false],
        [101, true],
        [100, false],
      ],
    );
    t.observe(exitEvent(102, 0));
    clock.now = 80_000;
    t.sweep();
    t.sweep(); // the parent becomes free once the child is gone
    assert.equal(t.size, 1);
  });

  it('a reused PID is a new process, never the old one in an ancestry', () => {
    const { t, clock } = table();
    tree(t);
    t.observe(exitEvent(101, 0));
    // PID 101 is reused by an unrelated fork of the root.
    t.observe(forkEvent(100, 101, { comm: 'claude' }));
    clock.now = 1;
    assert.equal(t.exe(101), '/usr/bin/node');
    assert.deepEqual(
      t.ancestry(102).map((a) => a.pid),
      [102],
      'the old sh is gone: the chain stops',
    );
  });

  it('stops the ancestry at the session root', () => {
    const { t } = table();
    t.observe(execEvent(50, '/usr/bin/bash', ['bash'], { comm: 'bash', ppid: 1 }));
    tree(t);
    assert.equal(t.ancestry(102).at(-1)?.pid, 100);
  });

  it('learns processes that predate vigil from /proc', () => {
    const { t } = table({
      proc: {
        300: {
          ppid: 299,
          comm: 'python3',
          exe: '/usr/bin/python3.12',
          argv: ['python3'],
          uid: 1000,
          startTicks: 7n,
        },
      },
    });
    t.observe(fileEvent(300, '/x', 0, 3, { comm: 'python3', ppid: 299 }));
    assert.equal(t.exe(300), '/usr/bin/python3.12');
    const adopted = t.adopt(300, 5, { root: true });
    assert.equal(adopted?.root, true);
    assert.equal(t.adopt(301, 5), undefined, 'gone');
  });

  it('is bounded: evicts exited processes first, then the least recently used', () => {
    const { t } = table({ maxEntries: 3 });
    t.observe(execEvent(1, '/a', [], { comm: 'a' }));
    t.observe(execEvent(2, '/b', [], { comm: 'b' }));
    t.observe(execEvent(3, '/c', [], { comm: 'c' }));
    t.observe(exitEvent(2, 0));
    t.observe(execEvent(4, '/d', [], { comm: 'd' }));
    assert.equal(t.size, 3);
    assert.equal(t.get(2), undefined, 'the exited one went first');
    t.observe(fileEvent(1, '/f', 0, 3)); // 1 is now more recent than 3
    t.observe(execEvent(5, '/e', [], { comm: 'e' }));
    assert.equal(t.get(3), undefined, 'then the least recently used');
    assert.equal(t.exe(1), '/a');
    assert.equal(t.evicted, 1);
  });

  it('reads this process from the real /proc', () => {
    const snap = readProcSnapshot(process.pid);
    assert.ok(snap !== undefined);
    assert.equal(snap.exe, process.execPath);
    assert.equal(snap.ppid, process.ppid);
    assert.equal(snap.uid, process.getuid?.());
    assert.equal(readProcSnapshot(0x7ffffff0), undefined);
  });
});
