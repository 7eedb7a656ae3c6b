import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { test } from 'node:test';

import { loadBuiltinProfile } from '../../../src/policy/builtin-profiles.js';
import { denyInodeWrites } from '../../../src/policy/deny-inodes.js';
import { planReadonly } from '../../../src/policy/readonly-plan.js';

test('kernel settings stay read-only for a vigil run agent, though the inode table skips them', () => {
  const profile = loadBuiltinProfile('generic', { home: homedir(), workspace: process.cwd() });
  const plan = planReadonly(profile);
  // /proc/sys/** and /sys/** (access: write): a root agent must not write core_pattern or modprobe
  for (const p of ['/proc/sys', '/sys'])
    assert.ok(plan.paths.includes(p), `${p} in ${plan.paths.join(', ')}`);
  const ids = profile.paths.denied
    .filter((r) => ['/proc/sys/**', '/sys/**'].includes(r.written))
    .map((r) => r.id);
  assert.equal(ids.length, 2);
  // the denied-inode table decides them by path instead of walking them at each load
  for (const id of ids) assert.ok(denyInodeWrites(profile, 0).figures.notEnumerable.includes(id), id);
  assert.deepEqual(planReadonly(profile, true).paths, [], '--audit-only refuses nothing');
});
