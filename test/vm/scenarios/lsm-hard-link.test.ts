// Hard links under BPF-LSM (docs/kernel-matcher.md, "Denied inodes"): `vigil run` with the
// built-in generic profile and a temporary HOME; a hard link made in the workspace to
// ~/.ssh/id_rsa has a path no denied rule matches, and lsm/file_open refuses it inline (EPERM,
// the reader is not killed) by the file's inode, naming the ~/.ssh rule; a link to an allowed
// file opens. Skips with the doctor's reason where BPF-LSM cannot load (this CI host); runs in
// the VM layer on Debian's kernels. Its own file: each file has its own time limit under TCG.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { repoRoot } from '../../../src/system/paths.js';
import { requires } from '../../support/requires.js';
import { readAuditLog } from '../../support/audit-log.js';

test('vigil run --framework generic: a hard link elsewhere to ~/.ssh/id_rsa gets EPERM by its inode; a link to an allowed file opens', async (t) => {
  if (!(await requires(t, 'root', 'lsm_active', 'lsm_file_open'))) return;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-lsm-link-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const home = join(dir, 'home');
  mkdirSync(join(home, '.ssh'), { recursive: true });
  writeFileSync(join(home, '.ssh', 'id_rsa'), 'PRIVATE KEY\n');
  writeFileSync(join(home, 'notes.txt'), 'fine\n');
  // in the workspace (allowed by path), made before the session: only the inode tells
  linkSync(join(home, '.ssh', 'id_rsa'), join(dir, 'key-link'));
  linkSync(join(home, 'notes.txt'), join(dir, 'notes-link'));
  const log = join(dir, 'audit.jsonl');
  const r = spawnSync(
    process.execPath,
    [
      join(repoRoot(), 'dist/src/cli/main.js'),
      'run',
      '--framework',
      'generic',
      '--audit-log',
      log,
      '--',
      '/bin/sh',
      '-c',
      `cat ${dir}/key-link; echo "key $?"; cat ${dir}/notes-link; echo "notes $?"`,
    ],
    { encoding: 'utf8', timeout: 120_000, cwd: dir, env: { ...process.env, HOME: home } },
  );
  assert.equal(r.status, 0, `vigil run failed: ${r.stderr}`);
  assert.match(r.stderr + r.stdout, /Operation not permitted/);
  assert.match(r.stdout, /key 1\n/, 'cat got EPERM and was not killed');
  assert.match(r.stdout, /fine\nnotes 0/, 'the link to an allowed file opens');
  assert.doesNotMatch(r.stdout, /PRIVATE KEY/);
  const lines = readAuditLog(log);
  const key = lines.filter((l) => l.event === 'file_open' && l.path === `${dir}/key-link`);
  assert.equal(key.length, 1, JSON.stringify(key));
  const line = key[0];
  assert.ok(line?.event === 'file_open');
  assert.deepEqual(
    {
      action: line.action,
      enforcement: line.enforcement,
      backend: line.backend,
      matched_by: line.matched_by,
    },
    { action: 'BLOCK', enforcement: 'inline', backend: 'lsm:file_open', matched_by: 'inode' },
  );
  assert.match(line.reason, /'~\/\.ssh\/\*\*'/, 'the audit line names the ~/.ssh rule');
});
