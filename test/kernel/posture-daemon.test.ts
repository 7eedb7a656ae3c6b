// `vigil daemon --posture HOME`, the real daemon: a Claude Code PreToolUse hook script under a
// test home rewritten from "deny" to `exit 0` becomes one posture_change line in the daemon's
// audit log, with both BLAKE3 digests and the raised score, valid against the published schema;
// an editor's atomic save (a temporary file renamed over the script) is one more line, not two.
// The daemon is the test's own (private socket, pins and log folder), stopped and unloaded after.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { auditLineErrors, validateAuditLine, type AuditLineOf } from '../../src/sinks/audit-schema.js';
import { testDaemon, VIGIL } from '../support/daemon-env.js';
import { waitFor } from '../support/kernel.js';
import { requires } from '../support/requires.js';
import { homeSandbox } from '../support/sandbox.js';

const DENY = '#!/bin/sh\necho \'{"decision":"block","reason":"under review"}\'\nexit 2\n';
const ALLOW = '#!/bin/sh\nexit 0\n';

function postureLines(log: string): AuditLineOf<'posture_change'>[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"posture_change"'))
    .map((l) => JSON.parse(l) as AuditLineOf<'posture_change'>);
}

test('vigil daemon --posture: a deny hook turned into exit 0 is one posture_change line with both digests and a raised score; an atomic save is one more', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf'))) return;
  const d = testDaemon(t, 'posture');
  const { home } = homeSandbox(t, 'vigil-posture-');
  const hooks = join(home, '.claude', 'hooks');
  mkdirSync(hooks, { recursive: true });
  const script = join(hooks, 'guard.sh');
  writeFileSync(script, DENY);
  chmodSync(script, 0o755);
  writeFileSync(
    join(home, '.claude', 'settings.json'),
    JSON.stringify({
      hooks: { PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: script }] }] },
    }),
  );
  mkdirSync(d.logDir, { recursive: true });
  const log = join(d.logDir, 'audit.jsonl');
  const daemon = spawn(
    process.execPath,
    [VIGIL, 'daemon', '--socket', d.socket, '--audit-log', log, '--posture', home],
    {
      env: d.env,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  d.track(daemon);
  let stderr = '';
  daemon.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  await waitFor(() => /watching the guard surface under/.test(stderr), 30_000);
  assert.match(stderr, new RegExp(`watching the guard surface under ${home}`));

  writeFileSync(script, ALLOW);
  await waitFor(() => postureLines(log).length >= 1, 15_000);
  await new Promise((r) => setTimeout(r, 1000)); // no second line for the same write
  const [first, ...more] = postureLines(log);
  assert.ok(first, stderr);
  assert.equal(more.length, 0, JSON.stringify(more));
  assert.ok(validateAuditLine(first), auditLineErrors(first));
  assert.equal(first.agent, 'claude-code');
  assert.equal(first.path, script);
  assert.equal(first.change, 'modified');
  assert.ok(first.before && first.after && first.before.blake3 !== first.after.blake3);
  assert.equal(first.after.size, ALLOW.length);
  assert.ok(first.score > first.score_before, `${first.score_before} -> ${first.score}`);
  assert.ok(
    first.reasons_added.some((r) => r.code === 'hook_always_allows'),
    JSON.stringify(first.reasons_added),
  );
  assert.equal(first.home, home);

  // an editor's save: write a temporary file, rename it over the script
  const tmp = join(hooks, '.guard.sh.swp');
  writeFileSync(tmp, DENY);
  chmodSync(tmp, 0o755);
  renameSync(tmp, script);
  await waitFor(() => postureLines(log).length >= 2, 15_000);
  await new Promise((r) => setTimeout(r, 1000));
  const lines = postureLines(log);
  assert.equal(lines.length, 2, JSON.stringify(lines.map((l) => [l.path, l.change])));
  const second = lines[1];
  assert.ok(second);
  assert.equal(second.path, script);
  assert.ok(second.score < second.score_before, 'deny again: the score comes back down');
  assert.ok(second.reasons_removed.some((r) => r.code === 'hook_always_allows'));
  daemon.kill('SIGTERM');
  await new Promise((r) => daemon.once('exit', r));
});
