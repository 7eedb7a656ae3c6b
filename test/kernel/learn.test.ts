// `vigil learn` on a real workload (git, cc and python in a fresh workspace): the profile it
// writes loads and validates, the same workload then runs under it with no refusal at all, and
// every path the base profile denies is still denied: by the policy evaluator for each of the
// base's denied path rules, and by the kernel for the two secrets the learning run touched.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { evaluate } from '../../src/policy/evaluate.js';
import { loadBuiltinProfile } from '../../src/policy/builtin-profiles.js';
import { loadProfileFile } from '../../src/policy/load-profile.js';
import type { PathRule } from '../../src/policy/profile-types.js';
import { VIGIL } from '../support/daemon-env.js';
import { requires } from '../support/requires.js';
import { homeSandbox } from '../support/sandbox.js';

const WORKLOAD = `set -e
rm -rf repo && git init -q repo && cd repo
git config user.email dev@example.invalid && git config user.name dev
printf '#include <stdio.h>\\nint main(void) { puts("built"); return 0; }\\n' > hello.c
git add hello.c && git commit -qm 'first'
cc -O1 -o hello hello.c && ./hello
/usr/bin/python3 -c 'import hashlib, json, pathlib; print(json.dumps({"sha": hashlib.sha256(pathlib.Path("hello.c").read_bytes()).hexdigest()[:12]}))'
git log --oneline | wc -l
`;

interface Line {
  event: string;
  action: string;
  path?: string;
  rule?: string | null;
}

function lines(file: string): Line[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);
}

const refusals = (ls: Line[]): Line[] => ls.filter((l) => ['BLOCK', 'KILL', 'AUDIT'].includes(l.action));

/** A path a denied pattern names: each wildcard filled with a plain name. */
function sampleOf(rule: PathRule, vars: { home: string; workspace: string }): string {
  return rule.written
    .replace(/^~(?=\/|$)/, vars.home)
    .replace('${HOME}', vars.home)
    .replace('${WORKSPACE}', vars.workspace)
    .replace(/\/\*\*(?=\/|$)/g, '/sample')
    .replace(/\*/g, 'x');
}

test('vigil learn: the learned profile runs the workload with no refusal and denies all the base denies', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf', 'cgroup2'))) return;
  const { dir, home } = homeSandbox(t, 'vigil-learn-');
  const ws = join(dir, 'ws');
  mkdirSync(ws);
  writeFileSync(join(ws, '.env'), 'TOKEN=secret\n');
  const env = { ...process.env, HOME: home, PATH: '/usr/bin:/bin' };
  const run = (args: string[], script: string): ReturnType<typeof spawnSync> => {
    writeFileSync(join(dir, 'w.sh'), script);
    return spawnSync(process.execPath, [VIGIL, ...args, '--', '/bin/sh', join(dir, 'w.sh')], {
      cwd: ws,
      env,
      encoding: 'utf8',
      timeout: 180_000,
    });
  };
  const learned = join(dir, 'learned.yaml');
  const secrets = `cat ${home}/.ssh/id_rsa >/dev/null 2>&1 || true\ncat .env >/dev/null 2>&1 || true\n`;
  const l = run(['learn', '-o', learned, '--audit-log', join(dir, 'learn.jsonl')], secrets + WORKLOAD);
  assert.equal(l.status, 0, `${String(l.stdout)}${String(l.stderr)}`);
  assert.match(String(l.stdout), /built/);
  const diff = String(l.stderr);
  assert.match(diff, /~ default_policy: paths allow -> deny/);
  assert.match(diff, /\+ allowed_commands: \/usr\/bin\/git/);
  assert.match(
    diff,
    /refused by the base, not learned.*\n(.*\n)*! open .*\/\.ssh\/id_rsa: BLOCK by denied_paths\[\d+\] '~\/\.ssh\/\*\*'/,
  );
  assert.match(diff, /! open .*\/ws\/\.env: BLOCK by denied_paths\[\d+\] '\/\*\*\/\.env'/);

  const v = spawnSync(process.execPath, [VIGIL, 'profile', 'validate', learned], {
    cwd: ws,
    env,
    encoding: 'utf8',
  });
  assert.equal(v.status, 0, `${v.stdout}${v.stderr}`);

  // the same workload, enforced: not one refusal, in the kernel or by Landlock
  const again = run(['run', '--profile', learned, '--audit-log', join(dir, 'again.jsonl')], WORKLOAD);
  assert.equal(again.status, 0, `${String(again.stdout)}${String(again.stderr)}`);
  assert.match(String(again.stdout), /built/);
  assert.deepEqual(refusals(lines(join(dir, 'again.jsonl'))), []);

  // what the base denies stays denied: in the kernel ...
  const secret = run(['run', '--profile', learned, '--audit-log', join(dir, 'secret.jsonl')], secrets);
  const denied = refusals(lines(join(dir, 'secret.jsonl')));
  for (const p of [`${home}/.ssh/id_rsa`, `${ws}/.env`]) {
    assert.ok(
      denied.some((d) => d.path === p && (d.action === 'BLOCK' || d.action === 'KILL')),
      `${p} refused under the learned profile: ${JSON.stringify(denied)}\n${String(secret.stderr)}`,
    );
  }
  // ... and by the evaluator, for every denied path rule of the base, by the same rule
  const vars = { home, workspace: ws };
  const profile = loadProfileFile(learned, vars);
  const base = loadBuiltinProfile('generic', vars);
  for (const rule of base.paths.denied) {
    const path = sampleOf(rule, vars);
    const access = rule.ops & 1 ? 'read' : 'write';
    const d = evaluate(profile, { kind: 'open', path, access });
    assert.equal(d.rule, rule.id, `${path} (${rule.written}) is decided by ${d.rule}`);
    assert.notEqual(d.action, 'ALLOW', `${path} (${rule.written})`);
  }
});
