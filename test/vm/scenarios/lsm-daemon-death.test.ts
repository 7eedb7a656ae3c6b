// The daemon SIGKILLed under BPF-LSM (docs/backends.md#when-the-daemon-dies): the pinned
// lsm/file_open keeps refusing a denied open inline (EPERM, the reader is not killed) while no
// daemon runs, and the next daemon, started by the resumed `vigil run`, writes that BLOCK line
// into the session's log. Skips with the doctor's reason where BPF-LSM cannot load (this CI
// host); runs in the VM layer on Debian's kernels.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { readAuditLog } from '../../support/audit-log.js';
import { testDaemon, until, vigilRun } from '../../support/daemon-env.js';
import { requires } from '../../support/requires.js';

test('SIGKILL of the daemon under BPF-LSM: a denied open still gets EPERM, and its line is recovered', async (t) => {
  if (!(await requires(t, 'root', 'lsm_active', 'lsm_file_open'))) return;
  const d = testDaemon(t, 'lsm-kill9');
  const dir = mkdtempSync(join(tmpdir(), 'vigil-lsm-death-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  mkdirSync(join(dir, 'proj'));
  const env = join(dir, 'proj', '.env');
  writeFileSync(env, 'SECRET\n');
  const profile = join(dir, 'p.yaml');
  writeFileSync(profile, 'name: fc-continue\nextends: generic\nfail_closed: continue\n');
  const log = join(dir, 'audit.jsonl');
  const [ready, go, result] = ['ready', 'go', 'result'].map((f) => join(dir, f)) as [string, string, string];
  const run = vigilRun(d, [
    '--profile',
    profile,
    '--audit-log',
    log,
    '--',
    '/bin/sh',
    '-c',
    `: > ${ready}; while [ ! -e ${go} ]; do sleep 0.1; done; cat ${env}; echo "rc=$?" > ${result}; sleep 0.3`,
  ]);
  const child = run.child;
  await until(() => existsSync(ready), 120_000, 'the agent to start');
  const daemon = d.pid();
  assert.ok(daemon !== undefined);
  child.kill('SIGSTOP');
  process.kill(daemon, 'SIGKILL');
  await until(async () => !(await d.answers()), 20_000, 'the daemon to die');
  writeFileSync(go, '');
  // the shell creates the file before echo writes it: wait for the whole line
  await until(
    () => existsSync(result) && readFileSync(result, 'utf8').endsWith('\n'),
    60_000,
    'the agent to try the denied file',
  );
  assert.equal(readFileSync(result, 'utf8').trim(), 'rc=1', 'EPERM inline from the pinned hook, not killed');
  child.kill('SIGCONT');
  assert.equal(await run.exited, 75, run.stderr());
  assert.doesNotMatch(run.stdout() + run.stderr(), /SECRET/);
  const block = readAuditLog(log).filter((l) => l.event === 'file_open' && l.path === env);
  assert.equal(
    block.length,
    1,
    `${JSON.stringify(block)}\n${run.stderr()}\n${d.daemonLog()}\n${readAuditLog(log)
      .slice(-5)
      .map((l) => `${l.event} ${l.action} ${l.reason}`)
      .join('\n')}`,
  );
  const [line] = block;
  assert.ok(line);
  assert.equal(line.action, 'BLOCK');
  assert.equal(line.backend, 'lsm:file_open');
});
