// The event kinds NeuronTrace and Lilith enforce, end to end on the running kernel: a denied
// unlink, rmdir and rename (source and target), a ptrace and a signal of a process outside the
// session, and memory made writable and executable. Where BPF-LSM loads (the VM layer) each is
// refused inline with EPERM and nothing happens; on this CI host the entry tracepoints kill the
// caller at the call, which still happens, and the line says so. Either way the hook's event
// names the rule, and the allowed counterparts go through without a line. Only processes the
// test started are watched, signalled or traced.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import { AgentKernel } from '../../../src/loader/agent-kernel.js';
import { kernelDecision } from '../../../src/daemon/verdict-decision.js';
import { loadProfileText } from '../../../src/policy/load-profile.js';
import type { Profile } from '../../../src/policy/profile-types.js';
import type { ProtectionId } from '../../../src/protections.js';
import { buildAuditLine, reportingBackend } from '../../../src/sinks/audit-line.js';
import { validateAuditLine, type AuditLine } from '../../../src/sinks/audit-schema.js';
import type { AgentEvent } from '../../../src/wire/events.js';
import { waitFor } from '../../support/kernel.js';
import { requires } from '../../support/requires.js';

const PY = '/usr/bin/python3';

interface Fixture {
  kernel: AgentKernel;
  events: AgentEvent[];
  dir: string;
  profile: Profile;
  session: number;
}

let nextSession = 0x4700_0000; // 'G': not a kernel-started session

function setUp(t: TestContext): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-changes-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  mkdirSync(join(dir, 'keep', 'sub'), { recursive: true });
  mkdirSync(join(dir, 'free'));
  for (const f of ['keep/a', 'keep/b', 'keep/c', 'keep/sub/d', 'free/x', 'free/y', 'free/z'])
    writeFileSync(join(dir, f), `${f}\n`);
  const profile = loadProfileText(
    [
      'name: changes-guards-test',
      'default_policy: allow',
      'denied_paths:',
      `  - {pattern: "${dir}/keep/**", access: [unlink, rename]}`,
      'ptrace: block',
      'signals: block',
      'exec_memory: block',
      '',
    ].join('\n'),
    'changes-guards-test.yaml',
  );
  const events: AgentEvent[] = [];
  const kernel = AgentKernel.open({ onEvents: (evs) => events.push(...evs) });
  t.after(() => {
    kernel.close();
  });
  const handle = 0x4700 + (nextSession & 0xff);
  kernel.loadProfile(handle, profile);
  const session = nextSession++;
  kernel.setSession(session, { profile: handle, enforce: true, auditOnly: false, rawSockets: false });
  return { kernel, events, dir, profile, session };
}

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `script` in a shell that is watched for the fixture's session before it does anything. */
async function runWatched(t: TestContext, f: Fixture, script: string, cwd = f.dir): Promise<Outcome> {
  const child = spawn('/bin/sh', ['-c', `read go; ${script}`], { stdio: 'pipe', cwd });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  assert.ok(child.pid !== undefined);
  assert.ok(f.kernel.watchProcess(child.pid, f.session, { root: true }), 'the child is watched');
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
    child.on('exit', (c, s) => {
      resolve([c, s]);
    });
    child.stdin.end('go\n');
  });
  f.kernel.flush();
  return { code, signal, stdout, stderr };
}

/** A process of the test's own, outside every session: the target of ptrace and signals. */
function outsider(t: TestContext): ChildProcess {
  const child = spawn('/bin/sleep', ['60'], { stdio: 'ignore' });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return child;
}

/** The decided events of the session matching `match`, once delivered. */
async function decided(f: Fixture, match: (ev: AgentEvent) => boolean): Promise<AgentEvent[]> {
  await waitFor(() =>
    f.events.some((ev) => ev.session === f.session && ev.verdict !== undefined && match(ev)),
  );
  return f.events.filter((ev) => ev.session === f.session && ev.verdict !== undefined && match(ev));
}

/** The audit line the daemon would write for a decided event; it validates against the schema. */
function lineOf(f: Fixture, ev: AgentEvent): AuditLine {
  const d = kernelDecision(ev, f.profile);
  assert.ok(d, 'the kernel decided');
  const line = buildAuditLine(
    ev,
    { session: { id: 's1', profile: f.profile.name }, clock: { format: () => '2026-12-05T00:00:00.000Z' } },
    d,
  );
  assert.ok(validateAuditLine(line), JSON.stringify(line));
  return line;
}

/** Whether BPF-LSM decides the protection here (inline) or the entry tracepoint (reactive). */
function inline(f: Fixture, id: ProtectionId): boolean {
  return f.kernel.backends().protections[id].enforcement === 'inline';
}

/** What the caller saw: EPERM inline, SIGKILL from the tracepoint fallback. */
function sawDenial(out: Outcome, isInline: boolean, what: string): void {
  if (isInline) {
    assert.equal(out.signal, null, `${what}: not killed`);
    assert.notEqual(out.code, 0, `${what}: failed\n${out.stderr}`);
    assert.match(out.stderr, /Operation not permitted|PermissionError|EPERM/, what);
  } else {
    assert.ok(out.signal === 'SIGKILL' || out.code === 137, `${what}: killed (${out.code} ${out.signal})`);
  }
}

test('unlink and rmdir: a path a rule covers is refused (LSM) or its remover killed at the call', async (t) => {
  if (!(await requires(t, 'root'))) return;
  const f = setUp(t);
  const isInline = inline(f, 'unlink');
  const out = await runWatched(t, f, `rm ${f.dir}/keep/a`);
  sawDenial(out, isInline, 'rm keep/a');
  const evs = await decided(f, (ev) => ev.kind === 'unlink' && ev.path === `${f.dir}/keep/a`);
  assert.equal(evs.length, 1, 'one event for the one unlink');
  const line = lineOf(f, evs[0] as AgentEvent);
  assert.equal(line.rule, 'denied_paths[0]');
  assert.equal(
    line.backend,
    isInline ? 'lsm:path_unlink+path_rmdir' : reportingBackend(evs[0] as AgentEvent),
  );
  if (isInline) {
    assert.deepEqual([line.action, line.enforcement], ['BLOCK', 'inline']);
    assert.ok(existsSync(join(f.dir, 'keep/a')), 'nothing was removed');
  } else {
    // the tracepoint cannot refuse: the file is gone, and the line says the call still ran
    assert.deepEqual([line.action, line.enforcement], ['KILL', 'reactive']);
    assert.equal((line as { result: string }).result, 'unknown');
    assert.match(line.reason, /killed at it, and the unlink still went ahead/);
  }

  // a relative path from the working folder, `./` and `//` in it: the same file is named
  const rel = await runWatched(t, f, 'rm .//./b', join(f.dir, 'keep'));
  sawDenial(rel, isInline, 'rm .//./b in keep/');
  assert.equal(
    (await decided(f, (ev) => ev.kind === 'unlink' && ev.path === `${f.dir}/keep/b`)).length,
    1,
    JSON.stringify(f.events.flatMap((ev) => (ev.kind === 'unlink' ? [ev.path] : []))),
  );

  // rmdir of an (empty) folder the rule covers
  rmSync(join(f.dir, 'keep/sub/d'));
  const rd = await runWatched(t, f, `rmdir ${f.dir}/keep/sub`);
  sawDenial(rd, isInline, 'rmdir keep/sub');
  const rdEv = await decided(f, (ev) => ev.kind === 'unlink' && ev.path === `${f.dir}/keep/sub`);
  assert.equal(rdEv[0]?.kind === 'unlink' && rdEv[0].op, 'rmdir');

  // outside the rule: removed, and no line
  const ok = await runWatched(
    t,
    f,
    `rm ${f.dir}/free/x && rmdir ${f.dir}/free/../free/nonexistent 2>/dev/null; true`,
  );
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(existsSync(join(f.dir, 'free/x')), false);
  assert.equal(
    f.events.some((ev) => ev.kind === 'unlink' && ev.path === `${f.dir}/free/x`),
    false,
    'an allowed unlink makes no line',
  );
});

test('rename: a rule on the source or on the target decides', async (t) => {
  if (!(await requires(t, 'root'))) return;
  const f = setUp(t);
  const isInline = inline(f, 'rename');
  const out = await runWatched(t, f, `mv ${f.dir}/keep/c ${f.dir}/free/c`);
  sawDenial(out, isInline, 'mv keep/c out');
  const src = await decided(f, (ev) => ev.kind === 'rename' && ev.path === `${f.dir}/keep/c`);
  assert.equal(src.length, 1);
  const line = lineOf(f, src[0] as AgentEvent);
  assert.equal((line as { target: string }).target, `${f.dir}/free/c`);
  assert.equal(line.rule, 'denied_paths[0]');
  assert.equal(existsSync(join(f.dir, 'keep/c')), isInline, isInline ? 'not moved' : 'moved before the kill');

  const into = await runWatched(t, f, `mv ${f.dir}/free/y ${f.dir}/keep/y`);
  sawDenial(into, isInline, 'mv free/y into keep/');
  const tgt = await decided(f, (ev) => ev.kind === 'rename' && ev.path === `${f.dir}/free/y`);
  assert.equal(tgt.length, 1, 'the target decided');

  const ok = await runWatched(t, f, `mv ${f.dir}/free/z ${f.dir}/free/z2`);
  assert.equal(ok.code, 0, ok.stderr);
  assert.ok(existsSync(join(f.dir, 'free/z2')));
});

test('ptrace of a process outside the session: refused (LSM) or the tracer killed', async (t) => {
  if (!(await requires(t, 'root'))) return;
  const f = setUp(t);
  const isInline = inline(f, 'ptrace');
  const target = outsider(t);
  const code = `import ctypes,sys; libc=ctypes.CDLL(None,use_errno=True); r=libc.ptrace(16,${target.pid},0,0); sys.exit(0 if r==0 else (print("ptrace: Operation not permitted",file=sys.stderr) or 1))`;
  const out = await runWatched(t, f, `exec ${PY} -c '${code}'`);
  sawDenial(out, isInline, 'PTRACE_ATTACH');
  const evs = await decided(f, (ev) => ev.kind === 'ptrace' && ev.target === target.pid);
  assert.ok(evs.length >= 1, 'a ptrace event names the target');
  const line = lineOf(f, evs[0] as AgentEvent);
  assert.equal(line.rule, 'ptrace');
  assert.equal((line as { target_in_session: boolean }).target_in_session, false);
  assert.equal(target.exitCode, null, 'the target lives on');
});

test('signals to a process outside the session: refused (LSM) or the sender killed; inside: allowed', async (t) => {
  if (!(await requires(t, 'root'))) return;
  const f = setUp(t);
  const isInline = inline(f, 'signals');
  const target = outsider(t);
  const out = await runWatched(t, f, `kill -CONT ${target.pid}`);
  sawDenial(out, isInline, 'kill -CONT outsider');
  const evs = await decided(f, (ev) => ev.kind === 'signal' && ev.target === target.pid);
  assert.equal(evs.length, 1);
  const line = lineOf(f, evs[0] as AgentEvent);
  assert.deepEqual([line.rule, (line as { signal: string }).signal], ['signals', 'SIGCONT']);
  if (!isInline) assert.match(line.reason, /killed at it, and the signal still went ahead/);

  // its own child is inside the session: the signal goes through, no line
  const inside = await runWatched(t, f, 'sleep 30 & kill -TERM $!; wait $!; echo "status $?"');
  assert.equal(inside.code, 0, inside.stderr);
  assert.match(inside.stdout, /status 143/);
});

test('exec_memory: a writable and executable mapping is refused (LSM) or its maker killed', async (t) => {
  if (!(await requires(t, 'root'))) return;
  const f = setUp(t);
  const isInline = inline(f, 'exec_memory');
  const code =
    'import mmap; m=mmap.mmap(-1,4096,prot=mmap.PROT_READ|mmap.PROT_WRITE|mmap.PROT_EXEC); print("mapped")';
  const out = await runWatched(t, f, `exec ${PY} -c '${code}'`);
  sawDenial(out, isInline, 'mmap RWX');
  assert.doesNotMatch(out.stdout, /mapped/, 'the program did not go on with its mapping');
  const evs = await decided(f, (ev) => ev.kind === 'exec_memory');
  assert.ok(evs.length >= 1);
  const line = lineOf(f, evs[0] as AgentEvent);
  assert.equal(line.rule, 'exec_memory');
  assert.deepEqual((line as { prot: string[] }).prot, ['PROT_READ', 'PROT_WRITE', 'PROT_EXEC']);

  // an ordinary program (its loader maps code read+exec, never writable) runs
  const ok = await runWatched(t, f, `${PY} -c 'print(1)'`);
  assert.equal(ok.code, 0, ok.stderr);
});
