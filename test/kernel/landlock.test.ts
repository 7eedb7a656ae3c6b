// The Landlock layer of `vigil run`, through the real CLI: a refused open fails with EACCES and
// the process lives on (no SIGKILL), the audit line says BLOCK by `landlock`, inline, with the
// profile's rule; the allowed counterpart opens. `--landlock strict` carves the built-in
// profile's secrets out of '/', with its documented cost (a file created later directly in a
// carved folder is refused too); `--landlock off` falls back to the reactive kill. An exec
// Landlock refuses fails with EACCES and has its one line too; a kill rule behind a Landlock
// refusal kills nothing (the line says so). The rule on a Landlock line is vigil's attribution
// (`attribution: "inferred"`). Files live in a temporary folder (and HOME) made for each test.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import type { StatusResult } from '../../src/daemon/control-protocol.js';
import { validateAuditLine, auditLineErrors, type AuditLine } from '../../src/sinks/audit-schema.js';
import { homeSandbox } from '../support/sandbox.js';
import { waitFor } from '../support/kernel.js';
import { repoRoot } from '../support/paths.js';
import { requires } from '../support/requires.js';
import { readAuditLog } from '../support/audit-log.js';

const VIGIL = join(repoRoot, 'dist/src/cli/main.js');

interface Ran {
  status: number | null;
  out: string;
  lines: AuditLine[];
}

function sandbox(t: TestContext, base = tmpdir()): { dir: string; home: string } {
  const { dir, home } = homeSandbox(t, 'vigil-ll-', base);
  mkdirSync(join(dir, 'allowed'));
  mkdirSync(join(dir, 'outside'));
  writeFileSync(join(dir, 'allowed', 'a.txt'), 'allowed\n');
  writeFileSync(join(dir, 'outside', 'b.txt'), 'outside\n', { mode: 0o644 });
  writeFileSync(join(dir, 'outside', 'root-only.txt'), 'root\n', { mode: 0o600 });
  return { dir, home };
}

function vrun(dir: string, home: string, args: string[], script: string): Ran {
  const log = join(dir, `audit-${Math.random().toString(36).slice(2)}.jsonl`);
  const r = spawnSync(
    process.execPath,
    [VIGIL, 'run', ...args, '--audit-log', log, '--', '/bin/sh', '-c', script],
    { encoding: 'utf8', cwd: dir, env: { ...process.env, HOME: home }, timeout: 60_000 },
  );
  const lines = readAuditLog(log);
  for (const l of lines)
    assert.ok(validateAuditLine(l), `schema: ${auditLineErrors(l)}\n${JSON.stringify(l)}`);
  return { status: r.status, out: r.stdout + r.stderr, lines };
}

/** A user profile: nothing but the system (read-only), /dev/null and one allowed folder. */
function confinedProfile(dir: string): string {
  const file = join(dir, 'confined.yaml');
  writeFileSync(
    file,
    [
      'name: confined',
      'default_policy:',
      '  paths: deny',
      '  networks: deny',
      '  commands: allow',
      'allowed_paths:',
      '  - pattern: /usr/**',
      '    access: read',
      '  - pattern: /etc/**',
      '    access: read',
      '  - /dev/null',
      `  - ${dir}/allowed/**`,
      '',
    ].join('\n'),
  );
  chmodSync(file, 0o644);
  return file;
}

function openLine(r: Ran, path: string): AuditLine | undefined {
  return r.lines.find((l) => l.event === 'file_open' && l.path === path);
}

function assertLandlockBlock(r: Ran, path: string, rule: (rule: string | null) => boolean): AuditLine {
  const l = r.lines.find((x) => x.event === 'file_open' && x.path === path && x.action === 'BLOCK');
  assert.ok(
    l,
    `a BLOCK line for ${path}:\n${r.out}\n${JSON.stringify(r.lines.filter((x) => x.event === 'file_open' && x.path === path))}`,
  );
  assert.equal(l.backend, 'landlock');
  assert.equal(l.enforcement, 'inline');
  assert.ok(l.event === 'file_open' && l.result === 'EACCES', JSON.stringify(l));
  assert.equal(l.attribution, 'inferred', 'the rule is vigil’s attribution, not the kernel’s');
  assert.ok(rule(l.rule), `rule ${String(l.rule)}`);
  return l;
}

function sessionStart(r: Ran): AuditLine {
  const l = r.lines.find((x) => x.event === 'session_start');
  assert.ok(l, r.out);
  return l;
}

test('default-deny profile (--landlock auto): outside the allowed tree is EACCES, not a kill; inside opens', async (t) => {
  if (!(await requires(t, 'root', 'landlock', 'tp_btf', 'tracepoint'))) return;
  const { dir, home } = sandbox(t);
  const profile = confinedProfile(dir);
  const r = vrun(
    dir,
    home,
    ['--profile', profile],
    `cat ${dir}/allowed/a.txt; echo "allowed $?"; cat ${dir}/outside/b.txt; echo "outside $?"`,
  );
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /^allowed$/m);
  assert.match(r.out, /allowed 0/);
  assert.match(r.out, /outside\/b\.txt: Permission denied/);
  assert.match(r.out, /outside 1\b/, 'the reader got EACCES and went on (137 would be the reactive kill)');
  assert.match(sessionStart(r).reason, /Landlock in force \(auto, ABI \d+\): \d+ rule\(s\)/);
  const l = assertLandlockBlock(r, `${dir}/outside/b.txt`, (rule) => rule === 'default');
  assert.match(l.reason, /refused by Landlock \(EACCES\).*default for paths is deny/);
  assert.equal(openLine(r, `${dir}/allowed/a.txt`)?.action, 'ALLOW');
  assert.ok(!r.lines.some((x) => x.action === 'KILL'), 'nothing was killed');
});

test('an EACCES from the file’s own permissions is not claimed for Landlock', async (t) => {
  if (!(await requires(t, 'root', 'landlock', 'tp_btf', 'tracepoint'))) return;
  // /tmp may be closed to other users (0700 here); /var/tmp is open to all (1777)
  const { dir, home } = sandbox(t, '/var/tmp');
  const profile = confinedProfile(dir);
  // As nobody, both files are outside the grants; only one is readable by the user at all.
  const asNobody = (file: string) =>
    spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'cat', file]).status;
  assert.equal(asNobody(`${dir}/outside/b.txt`), 0, 'without vigil, nobody reads b.txt');
  assert.notEqual(asNobody(`${dir}/outside/root-only.txt`), 0, 'and not root-only.txt');
  const r = vrun(
    dir,
    home,
    ['--profile', profile, '--user', 'nobody'],
    `cat ${dir}/outside/root-only.txt; echo "root-only $?"; cat ${dir}/outside/b.txt; echo "outside $?"`,
  );
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /root-only 1\b/);
  assert.match(r.out, /outside 1\b/);
  const rootOnly = openLine(r, `${dir}/outside/root-only.txt`);
  assert.equal(rootOnly?.action, 'OBSERVE', 'the permissions refuse it anyway: an observed failure');
  assertLandlockBlock(r, `${dir}/outside/b.txt`, (rule) => rule === 'default');
});

test('--landlock strict with generic: ~/.ssh/id_rsa and /etc/shadow are EACCES without a kill; the documented cost', async (t) => {
  if (!(await requires(t, 'root', 'landlock', 'tp_btf', 'tracepoint'))) return;
  const { dir, home } = sandbox(t);
  const r = vrun(
    dir,
    home,
    ['--framework', 'generic', '--landlock', 'strict'],
    [
      `cat ${home}/.ssh/id_rsa > /dev/null; echo "ssh $?"`,
      `cat ${home}/notes.txt > /dev/null; echo "notes $?"`,
      'cat /etc/shadow > /dev/null; echo "shadow $?"',
      `echo hi > ${dir}/allowed/new.txt; echo "sibling-new $?"`,
      // the cost: HOME is a carved folder, so a file created directly in it is refused
      `echo hi > ${home}/new.txt; echo "home-new $?"`,
    ].join('; '),
  );
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /ssh 1\b/, 'EACCES, not 137');
  assert.match(r.out, /notes 0/);
  assert.match(r.out, /shadow 1\b/);
  assert.match(r.out, /sibling-new 0/, 'inside a sibling of the carved path, new files are fine');
  assert.match(r.out, /home-new 2\b/, 'the shell could not create it');
  assert.ok(!existsSync(join(home, 'new.txt')), 'and nothing was created');
  assert.match(
    sessionStart(r).reason,
    /Landlock in force \(strict, ABI \d+\): \d+ rule\(s\); \d+ folder\(s\) carved/,
  );
  assertLandlockBlock(r, `${home}/.ssh/id_rsa`, (rule) => rule === 'denied_paths[0]');
  assertLandlockBlock(r, '/etc/shadow', (rule) => rule?.startsWith('denied_paths[') === true);
  // the profile allows the new file: Landlock refused it, and the line says so, naming no rule
  const cost = assertLandlockBlock(r, `${home}/new.txt`, (rule) => rule === null);
  assert.match(cost.reason, /though the profile allows it/);
  assert.ok(!r.lines.some((x) => x.action === 'KILL'), 'nothing was killed');
});

test('an exec outside the read grants fails with EACCES: one BLOCK line by landlock, attributed; a kill rule kills nothing', async (t) => {
  if (!(await requires(t, 'root', 'landlock', 'tp_btf', 'tracepoint'))) return;
  const { dir, home } = sandbox(t);
  for (const where of ['outside', 'allowed']) {
    copyFileSync('/bin/true', join(dir, where, 'prog'));
    chmodSync(join(dir, where, 'prog'), 0o755);
  }
  writeFileSync(join(dir, 'outside', 'kill.txt'), 'kill\n', { mode: 0o644 });
  const profile = confinedProfile(dir);
  // the same profile with a kill rule on a file Landlock refuses anyway
  writeFileSync(
    profile,
    `${readFileSync(profile, 'utf8')}denied_paths:\n  - pattern: ${dir}/outside/kill.txt\n    action: kill\n`,
  );
  const outside = `${dir}/outside/prog`;
  const r = vrun(
    dir,
    home,
    ['--profile', profile],
    [
      `${outside}; echo "outside $?"`,
      `${dir}/allowed/prog; echo "allowed $?"`,
      `cat ${dir}/outside/kill.txt; echo "kill-rule $?"`,
    ].join('; '),
  );
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /outside 126\b/, 'the shell got EACCES from execve (137 would be a kill)');
  assert.match(r.out, /allowed 0/);
  assert.match(r.out, /kill-rule 1\b/, 'cat got EACCES and lived');
  const refused = r.lines.filter((x) => x.event === 'exec' && x.path === outside);
  assert.equal(refused.length, 1, JSON.stringify(refused));
  const l = refused[0];
  assert.ok(l?.event === 'exec');
  assert.equal(l.action, 'BLOCK');
  assert.equal(l.enforcement, 'inline');
  assert.equal(l.backend, 'landlock');
  assert.equal(l.result, 'EACCES');
  assert.equal(l.attribution, 'inferred');
  assert.equal(l.rule, 'default');
  assert.deepEqual(l.argv, [outside]);
  assert.notEqual(l.exe, outside, 'the process still runs its old program');
  assert.match(l.reason, /^exec of .* refused by Landlock \(EACCES\).*attributed by vigil to default/);
  const ran = r.lines.find((x) => x.event === 'exec' && x.path === `${dir}/allowed/prog`);
  assert.ok(ran?.event === 'exec' && ran.result === undefined, JSON.stringify(ran));
  const k = assertLandlockBlock(r, `${dir}/outside/kill.txt`, (rule) => rule === 'denied_paths[0]');
  assert.ok(k.event === 'file_open' && k.attribution === 'inferred');
  assert.match(k.reason, /action is kill, but the process was not killed: the kernel refused the call/);
  assert.ok(!r.lines.some((x) => x.action === 'KILL'), 'nothing was killed');
  assert.ok(!r.lines.some((x) => x.event === 'exit' && x.signal === 'SIGKILL'), 'no process died of SIGKILL');
});

test('--landlock off: the same read falls back to the reactive kill', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf', 'tracepoint', 'send_signal'))) return;
  const { dir, home } = sandbox(t);
  const r = vrun(
    dir,
    home,
    ['--framework', 'generic', '--landlock', 'off'],
    `cat ${home}/.ssh/id_rsa > /dev/null; echo "ssh $?"`,
  );
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /ssh 137\b/);
  assert.match(sessionStart(r).reason, /Landlock not in force \(off\)/);
  const l = r.lines.find((x) => x.event === 'file_open' && x.path === `${home}/.ssh/id_rsa`);
  assert.equal(l?.action, 'KILL');
  assert.equal(l.enforcement, 'reactive');
  assert.notEqual(l.backend, 'landlock');
});

test('--landlock strict with --audit-only is refused: strict never quietly becomes less', async (t) => {
  if (!(await requires(t, 'root'))) return;
  const { dir, home } = sandbox(t);
  const r = vrun(dir, home, ['--framework', 'generic', '--landlock', 'strict', '--audit-only'], 'true');
  assert.equal(r.status, 2, r.out);
  assert.match(r.out, /--landlock strict refuses opens in the kernel/);
});

test('vigil status says whether Landlock is in force for a session, and with how many rules', async (t) => {
  if (!(await requires(t, 'root', 'landlock', 'tp_btf', 'tracepoint'))) return;
  const { dir, home } = sandbox(t);
  const profile = confinedProfile(dir);
  const run = spawn(
    process.execPath,
    [VIGIL, 'run', '--profile', profile, '--audit-log', join(dir, 'a.jsonl'), '--', '/bin/sleep', '30'],
    { cwd: dir, env: { ...process.env, HOME: home }, stdio: 'ignore' },
  );
  t.after(() => {
    if (run.exitCode === null && run.signalCode === null) run.kill('SIGTERM');
  });
  const status = (): StatusResult | undefined => {
    const r = spawnSync(process.execPath, [VIGIL, 'status', '--json'], { encoding: 'utf8' });
    return r.status === 0 ? (JSON.parse(r.stdout) as StatusResult) : undefined;
  };
  const mine = () =>
    status()?.sessions.find((s) => s.endedAt === null && s.profile === 'confined' && s.landlock !== null);
  assert.ok(await waitFor(() => mine() !== undefined, 20_000), 'the session shows in vigil status');
  const s = mine();
  assert.equal(s?.landlock?.inForce, true, JSON.stringify(s));
  assert.equal(s.landlock.mode, 'auto');
  assert.ok(s.landlock.rules >= 4, `rules: ${s.landlock.rules}`);
  const text = spawnSync(process.execPath, [VIGIL, 'status'], { encoding: 'utf8' }).stdout;
  assert.match(text, /landlock: in force \(auto, ABI \d+\), \d+ rule\(s\)/);
  run.kill('SIGTERM');
});
