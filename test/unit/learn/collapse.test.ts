import assert from 'node:assert/strict';
import { test } from 'node:test';

import { accessOf, collapsePaths, COLLAPSE_AT, type Learned } from '../../../src/learn/collapse.js';

const seen = (pattern: string, ops = 1, listed = false): Learned => ({
  pattern,
  ops,
  count: 1,
  paths: 1,
  example: pattern,
  listed,
});

test('a folder with COLLAPSE_AT entries becomes its tree, with the union of their access', () => {
  const files = Array.from({ length: COLLAPSE_AT }, (_, i) =>
    seen(`/usr/lib/python3.*/json/m${i}.py`, i === 0 ? 2 : 1),
  );
  const out = collapsePaths([...files, seen('/usr/lib/python3.*/os.py')]);
  assert.deepEqual(
    out.map((l) => [l.pattern, l.ops, l.count]),
    [
      ['/usr/lib/python3.*/json/**', 3, COLLAPSE_AT],
      ['/usr/lib/python3.*/os.py', 1, 1],
    ],
  );
});

test('merging climbs while each parent fills up, and stops at top folders', () => {
  const dirs = ['a', 'b', 'c', 'd'].flatMap((d) =>
    Array.from({ length: COLLAPSE_AT }, (_, i) => seen(`/usr/lib/python3.*/${d}/f${i}.py`)),
  );
  assert.deepEqual(
    collapsePaths(dirs).map((l) => l.pattern),
    ['/usr/lib/python3.*/**'],
  );
  const top = Array.from({ length: 10 }, (_, i) => seen(`/etc/f${i}`));
  assert.equal(collapsePaths(top).length, 10, '/etc is never one rule');
  const libs = Array.from({ length: 10 }, (_, i) => seen(`/usr/lib/lib${i}.so`));
  assert.equal(collapsePaths(libs).length, 10, '/usr/lib is never one rule');
  const home = Array.from({ length: 10 }, (_, i) => seen(`~/.f${i}`));
  assert.equal(collapsePaths(home).length, 10, '~ is never one rule');
});

test('a listed folder with something opened in it becomes its tree', () => {
  const out = collapsePaths([
    seen('~/.pyenv/pyenv.d/exec', 1, true),
    seen('~/.pyenv/pyenv.d/exec/rehash.bash'),
  ]);
  assert.deepEqual(
    out.map((l) => [l.pattern, l.count, l.listed]),
    [['~/.pyenv/pyenv.d/exec/**', 2, true]],
  );
  const alone = collapsePaths([seen('~/.pyenv/plugins', 1, true)]);
  assert.deepEqual(
    alone.map((l) => l.pattern),
    ['~/.pyenv/plugins'],
    'a listing alone stays one path',
  );
});

test('entries a tree already covers are folded into it', () => {
  const out = collapsePaths([seen('/tmp/**', 2), seen('/tmp/x/y', 4)]);
  assert.deepEqual(
    out.map((l) => [l.pattern, l.ops]),
    [['/tmp/**', 6]],
  );
});

test('access: each right seen; all four is no access key', () => {
  assert.deepEqual(accessOf(1), ['read']);
  assert.deepEqual(accessOf(1 | 4), ['read', 'unlink']);
  assert.equal(accessOf(15), null);
});
