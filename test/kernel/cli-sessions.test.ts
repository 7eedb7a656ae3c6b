// The CLI verbs end to end, as a user runs them: `vigil run` (exit status, signals, audit lines
// that validate against the published schema, the cgroup gone afterwards), `vigil watch` (a
// shebang script named like entry_comm), `vigil attach` (an existing tree), `vigil status`.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import { validateAuditLine, auditLineErrors, type AuditLine } from '../../src/sinks/audit-schema.js';
import { cgroup2Root } from '../../src/system/cgroup.js';
import { until } from '../support/daemon-env.js';
import { waitFor } from '../support/kernel.js';
import { requires } from '../support/requires.js';
import { repoRoot } from '../support/paths.js';
import { readAuditLog, parseAuditLines } from '../support/audit-log.js';

const VIGIL = join(repoRoot, 'dist/src/cli/main.js');

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
  chmodSync(dir, 0o755);
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

function assertValid(lines: AuditLine[]): void {
  for (const l of lines)
    assert.ok(validateAuditLine(l), `schema: ${auditLineErrors(l)}\n${JSON.stringify(l)}`);
}

function vigil(args: string[], env: NodeJS.ProcessEnv = {}): ReturnType<typeof spawnSync> {
  return spawnSync(process.execPath, [VIGIL, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
}

function startVigil(t: TestContext, args: string[]): ChildProcess {
  const child = spawn(process.execPath, [VIGIL, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return child;
}

/**
 * The path of vigil's cgroup folder: an empty one left by an earlier run is removed, so
 * the test can see the daemon tidy it; undefined when live leaves (another session) are in it.
 */
function freshVigilFolder(): string | undefined {
  const root = cgroup2Root();
  assert.ok(root);
  const folder = join(root, 'vigil');
  if (!existsSync(folder)) return folder;
  if (readdirSync(folder, { withFileTypes: true }).some((e) => e.isDirectory())) return undefined;
  rmdirSync(folder);
  return folder;
}

test('vigil run: the command’s status is vigil’s, every line validates, the whole tree is the session', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf', 'cgroup2'))) return;
  const vigilFolder = freshVigilFolder();
  const dir = tempDir(t);
  const log = join(dir, 'audit.jsonl');
  const marker = join(dir, 'daemon-ran');
  writeFileSync(
    join(dir, 'agent.py'),
    [
      'import os, socket, subprocess, threading, time',
      // threads that exec a child each
      "ts = [threading.Thread(target=lambda: subprocess.run(['/bin/echo', 'thread'], stdout=subprocess.DEVNULL)) for _ in range(2)]",
      '[t.start() for t in ts]',
      '[t.join() for t in ts]',
      "subprocess.run(['git', '--version'], stdout=subprocess.DEVNULL)",
      // a daemon: double fork + setsid, reparented to init, outliving its parent briefly
      'if os.fork() == 0:',
      '    os.setsid()',
      '    if os.fork() == 0:',
      `        time.sleep(0.2); open('${marker}', 'w').write('x'); os._exit(0)`,
      '    os._exit(0)',
      's = socket.socket()',
      'try:',
      "    s.connect(('127.0.0.1', 9))",
      'except OSError:',
      '    pass',
      'time.sleep(0.4)',
    ].join('\n'),
  );
  // A process with the same name outside the tree, at the same time.
  const outsider = spawn('/usr/bin/python3', ['-c', 'import time; time.sleep(1)'], { stdio: 'ignore' });
  t.after(() => outsider.kill('SIGKILL'));
  const r = vigil([
    'run',
    '--audit-log',
    log,
    '--',
    '/bin/sh',
    '-c',
    `cat /etc/hostname > /dev/null; (sh -c 'sleep 0.1' &); /usr/bin/python3 ${dir}/agent.py; exit 7`,
  ]);
  assert.equal(r.status, 7, `exit status passed through (stderr: ${String(r.stderr)})`);
  const lines = readAuditLog(log);
  assertValid(lines);
  const session = lines[0]?.session;
  assert.equal(lines[0]?.event, 'session_start');
  assert.ok(session?.startsWith('run-'));
  assert.ok(
    lines.every((l) => l.event === 'loss' || l.session === session),
    'one session',
  );
  const events = new Set<string>(lines.map((l) => l.event));
  for (const e of ['exec', 'fork', 'exit', 'file_open', 'net_connect', 'socket_create']) {
    assert.ok(events.has(e), `a ${e} line`);
  }
  const execs = lines.filter((l) => l.event === 'exec').map((l) => l.comm);
  for (const c of ['sh', 'cat', 'sleep', 'python3', 'git', 'echo'])
    assert.ok(execs.includes(c), `exec of ${c}`);
  assert.equal(execs.filter((c) => c === 'echo').length, 2, 'both threads’ children');
  assert.ok(lines.some((l) => l.event === 'file_open' && l.path === '/etc/hostname'));
  assert.ok(
    lines.some((l) => l.event === 'file_open' && l.path === marker),
    'the daemonized grandchild',
  );
  assert.ok(lines.some((l) => l.event === 'net_connect' && l.dest_ip === '127.0.0.1' && l.dest_port === 9));
  assert.ok(
    !lines.some((l) => 'pid' in l && l.pid === outsider.pid),
    'the same-named process outside the tree is not seen',
  );
  for (const l of lines) {
    if (['fork', 'exit', 'session_start', 'session_end', 'loss'].includes(l.event)) {
      assert.equal(l.action, 'OBSERVE', `${l.event} lines are observations, not decisions`);
    } else if (l.action !== 'OBSERVE') {
      assert.notEqual(l.enforcement, 'none', 'a decision says how it was enforced');
      assert.ok(l.rule !== null, 'a decision names its rule');
    }
  }
  assert.ok(
    lines.some((l) => l.action === 'ALLOW' && l.event === 'net_connect' && l.enforcement === 'inline'),
  );
  assert.equal(lines.at(-1)?.event, 'session_end');
  const root = cgroup2Root();
  assert.ok(root);
  assert.ok(!existsSync(join(root, 'vigil', session ?? '')), 'the session’s cgroup is removed');
  // the daemon that made the session's leaf removes the vigil/ folder when it stops
  assert.equal(vigil(['daemon', 'stop']).status, 0);
  if (vigilFolder !== undefined)
    await until(
      () => !existsSync(vigilFolder),
      10_000,
      'the stopped daemon to remove the vigil/ cgroup folder',
    );
});

test('vigil run: the command starts watched, as the sudo user, and a signal ends it with 128+N', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf', 'cgroup2'))) return;
  const dir = tempDir(t);
  const log = join(dir, 'audit.jsonl');
  const r = vigil(['run', '--audit-log', log, '--', '/bin/sh', '-c', 'id -u > /dev/null; kill -TERM $$'], {
    SUDO_UID: '65534',
    SUDO_USER: 'nobody',
  });
  assert.equal(r.status, 128 + 15);
  const lines = readAuditLog(log);
  const exec = lines.find((l) => l.event === 'exec' && l.comm === 'sh');
  assert.ok(
    exec?.event === 'exec',
    'the command’s own exec was seen: it ran watched from its first instruction',
  );
  assert.equal(exec.uid, 65534, 'ran as the sudo user');
});

test('vigil run: bad input is a clear error with the right exit code', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf', 'cgroup2'))) return;
  const dir = tempDir(t);
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'name: x\ndefault_policy: maybe\n');
  // no daemon at this socket: the client loads the profile, and starts no daemon for a broken one
  const none = join(dir, 'none', 'vigil.sock');
  const r1 = vigil(['run', '--profile', bad, '--', '/bin/true'], { VIGIL_SOCKET: none });
  assert.equal(r1.status, 4);
  assert.match(String(r1.stderr), /bad\.yaml:2:\d+/);
  assert.equal(existsSync(none), false, 'no daemon was started');
  const r2 = vigil(['run', '--bogus', '--', '/bin/true']);
  assert.equal(r2.status, 2);
  assert.match(String(r2.stderr), /--bogus/);
  const r3 = vigil(['run']);
  assert.equal(r3.status, 2);
  assert.match(String(r3.stderr), /give the command after --/);
  const r4 = vigil(['run', '--', '/nonexistent/program']);
  assert.equal(r4.status, 127, 'exec failure is 127, like a shell');
  // a daemon runs now (r4 started one, or found it): the daemon loads the profile for its
  // client, and a broken one is reported just as the client reports it with no daemon
  assert.equal(vigil(['status']).status, 0, 'a daemon answers');
  const r5 = vigil(['run', '--profile', bad, '--', '/bin/true']);
  assert.equal(r5.status, 4, String(r5.stderr));
  assert.equal(String(r5.stderr), String(r1.stderr));
});

test('vigil watch: a shebang script named like entry_comm becomes a session; vigil status lists it', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf', 'cgroup2'))) return;
  const dir = tempDir(t);
  const name = `vigilagent${process.pid}`;
  const profile = join(dir, 'p.yaml');
  writeFileSync(profile, `name: test-agent\nentry_comm: ${name}\ndefault_policy: allow\n`);
  const script = join(dir, name);
  writeFileSync(
    script,
    `#!/usr/bin/python3\nimport subprocess, time\nsubprocess.run(['/bin/true'])\ntime.sleep(1)\n`,
  );
  chmodSync(script, 0o755);
  const watch = startVigil(t, ['watch', '--profile', profile]);
  let out = '';
  let err = '';
  watch.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  watch.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  assert.ok(await waitFor(() => err.includes('watching for'), 15_000), `watch started: ${err}`);
  const agent = spawn(script, [], { stdio: 'ignore' });
  t.after(() => agent.kill('SIGKILL'));
  assert.ok(
    await waitFor(() => out.includes('"/usr/bin/true"'), 10_000),
    'the agent’s child exec was printed',
  );
  const status = vigil(['status', '--json']);
  assert.equal(status.status, 0, String(status.stderr));
  const st = JSON.parse(String(status.stdout)) as {
    sessions: { kind: string; profile: string; rootPid: number }[];
  };
  assert.ok(
    st.sessions.some((s) => s.kind === 'watch' && s.profile === 'test-agent' && s.rootPid === agent.pid),
  );
  watch.kill('SIGINT');
  await new Promise((r) => watch.once('exit', r));
  const lines = parseAuditLines(out);
  assertValid(lines);
  const start = lines.find((l) => l.event === 'session_start');
  assert.ok(start && start.pid === agent.pid);
});

test('vigil attach: an existing tree and its children join a session', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf', 'cgroup2'))) return;
  // A tree with a child that exists before the attach; it goes on once it reads a line.
  const tree = spawn('/bin/sh', ['-c', 'sleep 30 & read go; cat /etc/hostname > /dev/null; kill $!; wait'], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  t.after(() => tree.kill('SIGKILL'));
  assert.ok(tree.pid);
  const attach = startVigil(t, ['attach', '--pid', String(tree.pid)]);
  let out = '';
  let err = '';
  attach.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  attach.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  assert.ok(await waitFor(() => err.includes('attached to'), 15_000), `attached: ${err}`);
  assert.match(err, /with 2 process\(es\)/, 'the root and its existing child');
  tree.stdin.end('go\n');
  const code = await new Promise<number | null>((r) => attach.once('exit', r));
  assert.equal(code, 0, 'attach returns when the tree has exited');
  const lines = parseAuditLines(out);
  assertValid(lines);
  assert.equal(lines[0]?.event, 'session_start');
  assert.ok(lines.some((l) => l.event === 'file_open' && l.path === '/etc/hostname' && l.comm === 'cat'));
  assert.ok(
    lines.some((l) => l.event === 'exit' && l.comm === 'sleep'),
    'the pre-existing child is in the session',
  );
  assert.equal(lines.at(-1)?.event, 'session_end');
});
