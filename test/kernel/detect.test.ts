// The detect stage on real sessions: Debian's npm and pip, run under `vigil run`, write install
// lines parsed from the argv the kernel reported (a typosquat flagged, a popular package not);
// under `installs: block` the flagged installer is killed right after its exec and the line
// says so (reactive, with how long it ran). Credentials in an exec's argv, in the environment the
// session's processes run with, and in a file the session writes in its working tree each give
// one alert line, masked: the raw secret appears nowhere in the audit log or in vigil's output.
//
// Each test has a daemon of its own (test/support/daemon-env.ts), unloaded after it.
//
// The installers never reach a registry: their index is 127.0.0.1 port 9 (nothing listens), so
// they fail on their own where vigil lets them run.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import {
  validateAuditLine,
  auditLineErrors,
  type AuditLine,
  type AuditLineOf,
} from '../../src/sinks/audit-schema.js';
import { readAuditLog } from '../support/audit-log.js';
import { testDaemon, VIGIL, type TestDaemon } from '../support/daemon-env.js';
import { requires } from '../support/requires.js';
import { homeSandbox } from '../support/sandbox.js';

const NOWHERE = 'http://127.0.0.1:9/';
const NPM = `npm_config_registry=${NOWHERE} npm_config_fetch_retries=0 npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false`;
const PIP = `/usr/bin/python3 -m pip install --index-url ${NOWHERE}simple --retries 0 --timeout 1 --no-cache-dir --break-system-packages --disable-pip-version-check`;

// Made for this test in each provider's token shape; none is a real credential.
const GITHUB_TOKEN = 'ghp_' + 'vIgIlTeStToKeN0123456789abcdefABCDEF'.slice(0, 36);
const AWS_KEY_ID = 'AKIA' + 'VIGILTEST2345672';
// OpenAI's project keys: 74 characters, the marker T3BlbkFJ, 74 more
const OPENAI_KEY = `sk-proj-${'vigilTestKey0123456789'.repeat(4).slice(0, 74)}T3BlbkFJ${'ABCDEFvigil9876543210'.repeat(4).slice(0, 74)}`;

interface Ran {
  status: number | null;
  out: string;
  lines: AuditLine[];
  log: string;
}

function profile(dir: string, installs: string): string {
  const file = join(dir, `detect-${installs}.yaml`);
  writeFileSync(
    file,
    [
      `name: detect-${installs}`,
      'extends: generic',
      `installs: ${installs}`,
      'allowed_networks:',
      '  - 127.0.0.1/32',
      '',
    ].join('\n'),
  );
  return file;
}

function vrun(d: TestDaemon, dir: string, home: string, args: string[], script: string, env = {}): Ran {
  const log = join(dir, `audit-${Math.random().toString(36).slice(2)}.jsonl`);
  const ws = join(dir, 'ws');
  mkdirSync(ws, { recursive: true });
  const r = spawnSync(
    process.execPath,
    [VIGIL, 'run', ...args, '--audit-log', log, '--', '/bin/sh', '-c', script],
    {
      encoding: 'utf8',
      cwd: ws,
      env: { ...d.env, HOME: home, ...env },
      timeout: 120_000,
    },
  );
  const out = r.stdout + r.stderr;
  assert.ok(existsSync(log), `vigil run wrote no audit log (status ${r.status}):\n${out}`);
  const lines = readAuditLog(log);
  for (const l of lines)
    assert.ok(validateAuditLine(l), `schema: ${auditLineErrors(l)}\n${JSON.stringify(l)}`);
  return { status: r.status, out, lines, log: readFileSync(log, 'utf8') };
}

const installs = (r: Ran): AuditLineOf<'install'>[] =>
  r.lines.filter((l): l is AuditLineOf<'install'> => l.event === 'install');
const alerts = (r: Ran): AuditLineOf<'alert'>[] =>
  r.lines.filter((l): l is AuditLineOf<'alert'> => l.event === 'alert');

test('installs: audit — a typosquat is flagged AUDIT with its target, a popular package is not; both ran', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf', 'cgroup2'))) return;
  const { dir, home } = homeSandbox(t, 'vigil-detect-');
  // a daemon of the test's own (`vigil run` starts it), unloaded after the test
  const d = testDaemon(t, 'detect');
  const r = vrun(
    d,
    dir,
    home,
    ['--profile', profile(dir, 'audit')],
    [
      `${NPM} npm install crossenv; echo "npm-squat $?"`,
      `${NPM} npm install --save-dev lodash@^4.17.21; echo "npm-popular $?"`,
      `${PIP} reqeusts; echo "pip-squat $?"`,
    ].join('; '),
  );
  assert.equal(r.status, 0, r.out);
  const ins = installs(r);
  const squat = ins.find((l) => l.tool === 'npm' && l.packages.some((p) => p.name === 'crossenv'));
  assert.ok(squat, `an install line for npm install crossenv:\n${JSON.stringify(ins, null, 1)}\n${r.out}`);
  assert.equal(squat.action, 'AUDIT');
  assert.equal(squat.enforcement, 'audit');
  assert.equal(squat.rule, 'installs');
  assert.equal(squat.packages[0]?.similar_to, 'cross-env');
  assert.ok(
    squat.packages[0].reasons.some((x) => x.code === 'typosquat' || x.code === 'separator_confusion'),
  );
  assert.match(r.out, /npm-squat [1-9]/, 'npm ran and failed on its own (no registry): not killed');
  assert.doesNotMatch(r.out, /npm-squat 137/);

  const popular = ins.find((l) => l.packages.some((p) => p.name === 'lodash'));
  assert.ok(popular, JSON.stringify(ins));
  assert.equal(popular.action, 'ALLOW');
  assert.equal(popular.severity, 'info');
  assert.equal(popular.packages[0]?.spec, '^4.17.21');

  const pip = ins.find((l) => l.ecosystem === 'pypi' && l.packages.some((p) => p.name === 'reqeusts'));
  assert.ok(pip, JSON.stringify(ins));
  assert.equal(pip.action, 'AUDIT');
  assert.equal(pip.packages[0]?.similar_to, 'requests');
  // one line per install command, though `npm` reaches node through env (two execs of one pid)
  assert.equal(ins.filter((l) => l.packages.some((p) => p.name === 'crossenv')).length, 1);
  // each install line follows the exec line of its process
  const execAt = r.lines.findIndex((l) => l.event === 'exec' && l.pid === squat.pid);
  assert.ok(execAt >= 0 && execAt < r.lines.indexOf(squat));
});

test('installs: block — the flagged installer is killed after its exec, and the line says it ran', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf', 'cgroup2'))) return;
  const { dir, home } = homeSandbox(t, 'vigil-detect-');
  // a daemon of the test's own (`vigil run` starts it), unloaded after the test
  const d = testDaemon(t, 'detect');
  const r = vrun(
    d,
    dir,
    home,
    ['--profile', profile(dir, 'block')],
    [
      `${NPM} npm install crossenv; echo "npm-squat $?"`,
      `${NPM} npm install lodash; echo "npm-popular $?"`,
    ].join('; '),
  );
  assert.equal(r.status, 0, r.out);
  const squat = installs(r).find((l) => l.packages.some((p) => p.name === 'crossenv'));
  assert.ok(squat, r.out);
  assert.equal(squat.action, 'KILL');
  assert.equal(squat.enforcement, 'reactive', 'vigil killed it after the exec: never claimed inline');
  assert.equal(typeof squat.elapsed_ms, 'number');
  assert.match(squat.reason, /killed by vigil \d+ ms after its exec/);
  assert.match(r.out, /npm-squat 137/, 'SIGKILL ended the installer');
  const exit = r.lines.find((l) => l.event === 'exit' && l.pid === squat.pid);
  assert.equal(exit?.event === 'exit' ? exit.signal : undefined, 'SIGKILL');
  assert.doesNotMatch(r.out, /npm-popular 137/, 'an unflagged install runs');
  assert.equal(installs(r).find((l) => l.packages.some((p) => p.name === 'lodash'))?.action, 'ALLOW');
});

test('credentials in argv, in the environment and in a written file: one masked alert each, the secret nowhere', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf', 'cgroup2'))) return;
  const { dir, home } = homeSandbox(t, 'vigil-detect-');
  // a daemon of the test's own (`vigil run` starts it), unloaded after the test
  const d = testDaemon(t, 'detect');
  const r = vrun(
    d,
    dir,
    home,
    ['--profile', profile(dir, 'audit')],
    [
      `/bin/true --aws-key ${AWS_KEY_ID}`,
      // many processes inherit the token: one alert for it
      '/bin/true; /bin/true; /bin/true',
      `printf 'OPENAI_API_KEY=%s\\n' '${OPENAI_KEY}' > config.env`,
      'sleep 1.5',
    ].join('; '),
    { GITHUB_TOKEN },
  );
  assert.equal(r.status, 0, r.out);
  const a = alerts(r);
  const argv = a.filter((l) => l.source === 'argv' && /aws/.test(l.kind));
  assert.equal(
    argv.length,
    1,
    `once per session, though sh and true both carried it:\n${JSON.stringify(a, null, 1)}`,
  );
  // the first argv that carried it: the shell's, whose -c script holds the command line
  assert.equal(argv[0]?.comm, 'sh');
  const env = a.filter((l) => l.source === 'environ' && l.where === 'GITHUB_TOKEN');
  assert.equal(env.length, 1, `one alert for the inherited token:\n${JSON.stringify(a, null, 1)}`);
  const file = a.filter((l) => l.source === 'file' && (l.where ?? '').endsWith('/ws/config.env'));
  assert.equal(file.length, 1, JSON.stringify(a, null, 1));
  for (const l of a) {
    assert.equal(l.action, 'OBSERVE');
    assert.equal(l.enforcement, 'none');
    assert.match(l.masked, /^.{4}….{4}$|^\[\d+ chars\]$/);
  }
  for (const secret of [GITHUB_TOKEN, AWS_KEY_ID, OPENAI_KEY]) {
    // the argv secret is in the exec line's argv by design (what the kernel saw); not elsewhere
    const elsewhere = r.lines.filter((l) => l.event !== 'exec' && JSON.stringify(l).includes(secret));
    assert.deepEqual(elsewhere, [], `${secret.slice(0, 4)}… appears in a line that is not the exec's argv`);
  }
  assert.ok(!r.out.includes(GITHUB_TOKEN) && !r.out.includes(OPENAI_KEY), 'nor in vigil run output');
});
