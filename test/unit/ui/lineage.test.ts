// Process trees and counters rebuilt from lines, as the Sessions view and the detail panel use them.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ProcessForest } from '../../../src/ui/lineage.js';
import { RateSeries, SERIES_SECONDS, SessionStats } from '../../../src/ui/session-stats.js';
import { exec, fileOpen, fork, sessionStart } from './synthetic.js';

test('ancestry walks fork lines up to the session root, per session', () => {
  const f = new ProcessForest();
  f.observe(sessionStart('run-1', 100));
  f.observe(fork('run-1', 100, 101));
  f.observe(exec('run-1', 101, 100, ['/usr/bin/node', 'agent.js']));
  f.observe(fork('run-1', 101, 102));
  f.observe(exec('run-1', 102, 101, ['/usr/bin/git', 'push']));
  // the same pid in another session is another process
  f.observe(sessionStart('run-2', 102));
  assert.deepEqual(
    f.ancestry('run-1', 102).map((n) => `${n.pid}:${n.comm}`),
    ['102:git', '101:node', '100:sh'],
  );
  assert.deepEqual(
    f.ancestry('run-2', 102).map((n) => n.pid),
    [102],
  );
  assert.equal(f.ancestry('run-1', 102)[0]?.argv?.join(' '), '/usr/bin/git push');
  const tree = f.tree('run-1');
  assert.equal(tree?.root, 100);
  assert.equal(tree.nodes.length, 3);
});

test('session counters: actions, blocks by rule, per-second rates', () => {
  let now = 1_000_000;
  const s = new SessionStats(() => now);
  s.observe(fileOpen(1, 'run-1', 'BLOCK'));
  s.observe(fileOpen(2, 'run-1'));
  now += 1000;
  s.observe(fileOpen(3, 'run-1', 'BLOCK'));
  const c = s.get('run-1');
  assert.deepEqual(c?.actions, { BLOCK: 2, OBSERVE: 1 });
  assert.deepEqual(c.blocksByRule, { '~/.ssh/**': 2 });
  const series = s.series('run-1');
  assert.equal(series?.events.length, SERIES_SECONDS);
  assert.deepEqual(series.events.slice(-2), [2, 1]);
  assert.deepEqual(series.blocks.slice(-2), [1, 1]);
});

test('rate series forget seconds older than the window', () => {
  const r = new RateSeries();
  r.add(10, true);
  r.add(10 + SERIES_SECONDS + 5, false);
  const snap = r.snapshot(10 + SERIES_SECONDS + 5);
  assert.equal(
    snap.events.reduce((a, b) => a + b, 0),
    1,
  );
  assert.equal(
    snap.blocks.reduce((a, b) => a + b, 0),
    0,
  );
});
