// Landlock refusals as the daemon attributes them: the kernel's verdict (BLOCK, inline, backend
// `landlock`) with the rule vigil believes caused it, marked `attribution: "inferred"`; never a
// KILL (a kill rule kills nothing: the kernel refused the call); no claim where Landlock cannot
// be shown to have refused (inside the grants, a right it does not handle, a file the user could
// not use anyway). Files live in a folder made for each test; the process is this one.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import type { AgentEvent } from '../../../src/wire/events.js';
import { landlockDecision } from '../../../src/daemon/landlock-verdict.js';
import { Session } from '../../../src/daemon/sessions.js';
import { loadProfileText } from '../../../src/policy/load-profile.js';
import { FS, HANDLED_RIGHTS, READ_RIGHTS, WRITE_RIGHTS } from '../../../src/policy/landlock-rights.js';
import { execEvent, fileEvent } from '../sinks/fixture-events.js';

const EACCES = -13;
const O_WRONLY = 1;
const O_PATH = 0o10000000;

interface Fixture {
  dir: string;
  session: (inForce?: boolean) => Session;
}

function fixture(t: TestContext): Fixture {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'vigil-llv-')));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  mkdirSync(join(dir, 'allowed'));
  mkdirSync(join(dir, 'outside'));
  writeFileSync(join(dir, 'allowed', 'a.txt'), 'a\n');
  writeFileSync(join(dir, 'allowed', 'prog'), '#!/bin/sh\n', { mode: 0o755 });
  writeFileSync(join(dir, 'outside', 'b.txt'), 'b\n', { mode: 0o644 });
  writeFileSync(join(dir, 'outside', 'kill.txt'), 'k\n', { mode: 0o644 });
  writeFileSync(join(dir, 'outside', 'prog'), '#!/bin/sh\n', { mode: 0o755 });
  writeFileSync(join(dir, 'outside', 'plain'), 'not a program\n', { mode: 0o644 });
  chmodSync(join(dir, 'outside', 'plain'), 0o644);
  const profile = loadProfileText(
    [
      'name: confined',
      'default_policy:',
      '  paths: deny',
      '  networks: deny',
      '  commands: allow',
      'allowed_paths:',
      `  - ${dir}/allowed/**`,
      'denied_paths:',
      `  - pattern: ${dir}/outside/kill.txt`,
      '    action: kill',
      '',
    ].join('\n'),
    'confined.yaml',
  );
  const session = (inForce = true): Session => {
    const s = new Session(1, 'run', {
      name: 'confined',
      source: 'confined.yaml',
      vars: { home: '/nonexistent', workspace: dir },
      profile,
    });
    s.landlock = {
      mode: 'auto',
      inForce,
      abi: 4,
      rules: 1,
      skipped: 0,
      note: '',
      left: 0,
      grants: [{ path: join(dir, 'allowed'), rights: READ_RIGHTS | WRITE_RIGHTS }],
      handled: HANDLED_RIGHTS,
      creds: { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, groups: [] },
    };
    return s;
  };
  return { dir, session };
}

const open = (path: string, flags = 0, ret = EACCES): AgentEvent => fileEvent(process.pid, path, flags, ret);
const failedExec = (path: string): AgentEvent => ({ ...execEvent(process.pid, path, [path]), ret: EACCES });

test('an open outside the grants: BLOCK by landlock, inline, the rule attributed and marked so', (t) => {
  const { dir, session } = fixture(t);
  const d = landlockDecision(open(`${dir}/outside/b.txt`), session());
  assert.ok(d);
  assert.equal(d.action, 'BLOCK');
  assert.equal(d.enforcement, 'inline');
  assert.equal(d.backend, 'landlock');
  assert.equal(d.attribution, 'inferred');
  assert.equal(d.rule, 'default');
  assert.match(
    d.reason,
    /^open of .*b\.txt refused by Landlock \(EACCES\); attributed by vigil to default: /,
  );
});

test('a kill rule is attributed, not acted on: BLOCK, and the reason says the process was not killed', (t) => {
  const { dir, session } = fixture(t);
  const d = landlockDecision(open(`${dir}/outside/kill.txt`, O_WRONLY), session());
  assert.ok(d);
  assert.equal(d.action, 'BLOCK');
  assert.equal(d.rule, 'denied_paths[0]');
  assert.equal(d.attribution, 'inferred');
  assert.match(d.reason, /action is kill, but the process was not killed: the kernel refused the call/);
});

test('no claim where Landlock cannot be shown to have refused', (t) => {
  const { dir, session } = fixture(t);
  const s = session();
  assert.equal(landlockDecision(open(`${dir}/allowed/a.txt`), s), undefined, 'inside the grants');
  assert.equal(landlockDecision(open(`${dir}/outside/b.txt`, O_PATH), s), undefined, 'O_PATH is not checked');
  assert.equal(landlockDecision(open(`${dir}/outside/b.txt`, 0, -2), s), undefined, 'ENOENT');
  assert.equal(landlockDecision(open(`${dir}/outside/b.txt`, 0, 3), s), undefined, 'it opened');
  assert.equal(landlockDecision(open(`${dir}/outside/b.txt`), session(false)), undefined, 'not in force');
  const decided: AgentEvent = {
    ...open(`${dir}/outside/b.txt`),
    verdict: {
      action: 'BLOCK',
      ruleKind: 0,
      rule: 0,
      denied: true,
      killed: false,
      lsm: true,
      inode: false,
      failClosed: false,
      stopped: false,
      truncated: false,
      reactiveAudit: false,
    },
  };
  assert.equal(landlockDecision(decided, s), undefined, 'a hook decided: its own line');
  // a ruleset that handles no read right cannot have refused a read
  const narrow = session();
  assert.ok(narrow.landlock);
  narrow.landlock.handled = FS.TRUNCATE;
  assert.equal(landlockDecision(open(`${dir}/outside/b.txt`), narrow), undefined, 'right not handled');
});

test('an exec outside the grants: its open for reading was refused, attributed like an open', (t) => {
  const { dir, session } = fixture(t);
  const d = landlockDecision(failedExec(`${dir}/outside/prog`), session());
  assert.ok(d, 'tmpdir must allow exec (not mounted noexec)');
  assert.equal(d.action, 'BLOCK');
  assert.equal(d.enforcement, 'inline');
  assert.equal(d.backend, 'landlock');
  assert.equal(d.attribution, 'inferred');
  assert.equal(d.rule, 'default');
  assert.match(
    d.reason,
    /^exec of .*outside\/prog refused by Landlock \(EACCES\): executing opens the file to read it, and the ruleset grants no read there; attributed by vigil to default/,
  );
});

test('an exec Landlock did not refuse stays unclaimed', (t) => {
  const { dir, session } = fixture(t);
  const s = session();
  assert.equal(landlockDecision(failedExec(`${dir}/allowed/prog`), s), undefined, 'inside the grants');
  assert.equal(landlockDecision(failedExec(`${dir}/outside/plain`), s), undefined, 'no x bit: EACCES anyway');
  assert.equal(landlockDecision(failedExec(`${dir}/outside`), s), undefined, 'a folder: EACCES anyway');
  const ran: AgentEvent = execEvent(process.pid, `${dir}/outside/prog`, ['prog']);
  assert.equal(landlockDecision(ran, s), undefined, 'an exec that ran');
});
