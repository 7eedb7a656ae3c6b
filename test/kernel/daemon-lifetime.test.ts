// Enforcement that outlives its daemon (docs/backends.md#when-the-daemon-dies): a session keeps
// its enforcement when the command that started the daemon exits, when the daemon is SIGKILLed
// (and the lines of the gap are recovered by the next daemon), fails closed (`deny`, `freeze`)
// when no daemon comes back, and loses no decision across 20 restarts. Each test has a daemon of
// its own (test/support/daemon-env.ts), unloaded afterwards.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import type { AuditLine } from '../../src/sinks/audit-schema.js';
import { readStat } from '../../src/system/proc-fs.js';
import { readAuditLog } from '../support/audit-log.js';
import { connectProbe } from '../../src/bench/fail-closed.js';
import { kernelLinkIds, testDaemon, until, VIGIL, vigilRun } from '../support/daemon-env.js';
import { requires } from '../support/requires.js';

const SECRET = 'SECRET-do-not-read';
const execFileAsync = promisify(execFile);

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-life-'));
  chmodSync(dir, 0o755);
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** A profile extending generic with this fail-closed action and the extra lines given. */
function profile(dir: string, failClosed: string, extra: string[] = []): string {
  const path = join(dir, `fc-${failClosed}.yaml`);
  writeFileSync(
    path,
    [`name: fc-${failClosed}`, 'extends: generic', `fail_closed: ${failClosed}`, ...extra].join('\n'),
  );
  return path;
}

function secretDir(dir: string): string {
  const p = join(dir, 'proj');
  mkdirSync(p, { recursive: true });
  writeFileSync(join(p, '.env'), SECRET);
  return join(p, '.env');
}

function killLines(lines: AuditLine[], path: string): AuditLine[] {
  return lines.filter(
    (l) => l.event === 'file_open' && l.action === 'KILL' && 'path' in l && l.path === path,
  );
}

test('a session keeps its enforcement when the vigil run that started the daemon exits', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf', 'cgroup2'))) return;
  const d = testDaemon(t, 'repro');
  const dir = tempDir(t);
  const env = secretDir(dir);
  // a folder of an incompatible build's state, nothing watched through it: replaced
  mkdirSync(join(d.pinRoot, 'v1-0000000000000000', 'maps'), { recursive: true });
  const log = join(dir, 'second.jsonl');
  const first = vigilRun(d, ['--framework', 'generic', '--', 'sleep', '1']);
  await until(() => d.pid() !== undefined, 20_000, 'the first vigil run to start a daemon');
  const daemon = d.pid();
  const second = vigilRun(d, [
    '--framework',
    'generic',
    '--audit-log',
    log,
    '--',
    'bash',
    '-c',
    `sleep 2.5; cat ${env}; echo rc=$?`,
  ]);
  assert.equal(await first.exited, 0, first.stderr());
  const code = await second.exited;
  assert.equal(second.stdout().includes(SECRET), false, 'the denied file was not read');
  assert.match(second.stdout(), /rc=137/, 'cat was killed');
  assert.equal(code, 0, second.stderr());
  const lines = readAuditLog(log);
  assert.equal(killLines(lines, env).length, 1, 'the KILL line is in the second session’s log');
  assert.equal(lines.at(-1)?.event, 'session_end');
  assert.equal(d.pid(), daemon, 'one daemon served both sessions');
  assert.match(
    d.daemonLog(),
    /removed the pinned state of an incompatible vigil build: .*v1-0000000000000000/,
  );
  // what is pinned, as vigil status says; unload removes it
  const st = spawnSync(process.execPath, [VIGIL, 'status', '--json'], { env: d.env, encoding: 'utf8' });
  const pinned = (JSON.parse(st.stdout) as { backends: { pinned: string } }).backends.pinned;
  assert.ok(pinned.startsWith(`${d.pinRoot}/v1-`), pinned);
  assert.ok(d.pinnedLinks().includes('vigil_exec'));
  const un = spawnSync(process.execPath, [VIGIL, 'unload'], { env: d.env, encoding: 'utf8' });
  assert.equal(un.status, 0, un.stderr);
  assert.equal(existsSync(pinned), false, 'unload removed the pinned state');
  await until(async () => !(await d.answers()), 10_000, 'the daemon to stop');
});

test('SIGKILL of the daemon: the hooks keep deciding, and the next daemon writes the lines of the gap', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf', 'cgroup2'))) return;
  const d = testDaemon(t, 'kill9');
  const dir = tempDir(t);
  const env = secretDir(dir);
  const log = join(dir, 'audit.jsonl');
  const go = join(dir, 'go');
  const result = join(dir, 'result');
  const run = vigilRun(d, [
    '--profile',
    profile(dir, 'continue'),
    '--audit-log',
    log,
    '--',
    'bash',
    '-c',
    `: > ${dir}/ready; while [ ! -e ${go} ]; do sleep 0.05; done; cat ${env}; echo rc=$? > ${result}; sleep 0.3`,
  ]);
  // the agent runs (its launcher got the go after session_start)
  await until(() => existsSync(join(dir, 'ready')), 20_000, 'the agent to start');
  const daemon = d.pid();
  assert.ok(daemon !== undefined);
  // the client is held, so nothing starts another daemon: the kernel is on its own
  run.child.kill('SIGSTOP');
  process.kill(daemon, 'SIGKILL');
  await until(async () => !(await d.answers()), 5_000, 'the daemon to die');
  const killedAt = Date.now();
  writeFileSync(go, '');
  // the shell creates the file before echo writes it: wait for the whole line
  await until(
    () => existsSync(result) && readFileSync(result, 'utf8').endsWith('\n'),
    10_000,
    'the agent to try the denied file',
  );
  assert.equal(readFileSync(result, 'utf8').trim(), 'rc=137', 'killed by the pinned hook with no daemon');
  assert.equal(await d.answers(), false, 'no daemon ran meanwhile');
  run.child.kill('SIGCONT');
  const code = await run.exited;
  assert.equal(code, 75, `the agent exited 0, but the daemon was lost: ${run.stderr()}`);
  assert.match(run.stderr(), /connection to the vigil daemon dropped/);
  assert.match(run.stderr(), /took run-\d+ over after \d+ ms/);
  const lines = readAuditLog(log);
  const kill = killLines(lines, env);
  assert.equal(kill.length, 1, 'the KILL line made while no daemon ran was recovered');
  assert.ok(Date.parse(kill[0]?.ts ?? '') >= killedAt - 50, 'and it is the one from the gap');
  const tail = lines
    .slice(-4)
    .map((l) => `${l.ts} ${l.event} ${l.reason}`)
    .join('\n');
  assert.equal(lines.at(-1)?.event, 'session_end', `the session ended in its log:\n${tail}\n${run.stderr()}`);
  assert.match(d.daemonLog(), /re-adopted the pinned state .* 1 session\(s\)/);
});

test('fail-closed deny: with no daemon, an allowed connect is refused within the deadline', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf', 'cgroup2'))) return;
  const d = testDaemon(t, 'deny');
  const dir = tempDir(t);
  const server = createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as { port: number }).port;
  const out = join(dir, 'probe.log');
  // a file no allowed rule of generic names (it allows /tmp, /etc, /usr for reading)
  const unlisted = `/var/tmp/vigil-fc-${process.pid}`;
  writeFileSync(unlisted, 'x');
  t.after(() => {
    rmSync(unlisted, { force: true });
  });
  // opens its log once, then connects every 10 ms and writes what happened, with the time
  const agent = join(dir, 'probe.py');
  writeFileSync(
    agent,
    connectProbe(out, port, 0.01, [
      // an open that no allowed rule names, under deny: refused (here: killed at the syscall's return)
      `open('${unlisted}').read()`,
      "log.write('read the unlisted file\\n')",
    ]),
  );
  const log = join(dir, 'audit.jsonl');
  const run = vigilRun(d, [
    '--profile',
    profile(dir, 'deny', ['allowed_networks:', '  - 127.0.0.0/8']),
    '--audit-log',
    log,
    '--',
    '/usr/bin/python3',
    agent,
  ]);
  await until(
    () => existsSync(out) && readFileSync(out, 'utf8').includes(' ok'),
    20_000,
    'the first allowed connect',
  );
  const daemon = d.pid();
  assert.ok(daemon !== undefined);
  run.child.kill('SIGSTOP');
  process.kill(daemon, 'SIGKILL');
  const killedAt = Date.now() / 1000;
  await until(() => readFileSync(out, 'utf8').includes('EPERM'), 10_000, 'the connect to be refused');
  const refusedAt = Number(/^([\d.]+) EPERM$/m.exec(readFileSync(out, 'utf8'))?.[1]);
  const ms = Math.round((refusedAt - killedAt) * 1000);
  t.diagnostic(`SIGKILL of the daemon to the first refused connect: ${ms} ms (deadline 1000 ms)`);
  assert.ok(ms >= 800 && ms <= 2000, `refused ${ms} ms after the daemon died`);
  // the python process was killed at its first open no allowed rule names
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(
    readFileSync(out, 'utf8').includes('read the unlisted'),
    false,
    'the open was not let through',
  );
  run.child.kill('SIGCONT');
  assert.equal(await run.exited, 137, 'the agent was killed at the unlisted open');
  // the next daemon wrote what the kernel decided meanwhile, naming the fail-closed rule
  const lines = readAuditLog(log);
  const refused = lines.find((l) => l.event === 'net_connect' && l.action === 'BLOCK');
  assert.equal(refused?.rule, 'fail_closed', JSON.stringify(refused));
  assert.match(refused.reason, /fail-closed: deny/);
  const killed = lines.find((l) => l.event === 'file_open' && l.action === 'KILL' && l.path === unlisted);
  assert.equal(killed?.rule, 'fail_closed', JSON.stringify(killed));
});

test('fail-closed freeze: with no daemon the session stops, and runs again once a daemon re-adopts it', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf', 'cgroup2'))) return;
  const d = testDaemon(t, 'freeze');
  const dir = tempDir(t);
  const ticks = join(dir, 'ticks');
  const stop = join(dir, 'stop');
  const pidFile = join(dir, 'pid');
  const agent = join(dir, 'tick.py');
  writeFileSync(
    agent,
    [
      'import os, time',
      // its PID as the host numbers it: the agent's own namespace calls it 2; /proc is the host's
      `open('${pidFile}', 'w').write(os.readlink('/proc/self'))`,
      `log = open('${ticks}', 'w', buffering=1)`,
      'n = 0',
      `while not os.path.exists('${stop}'):`,
      `    open('${dir}/probe.py').close()`, // a watched call each turn: where freeze stops it
      '    n += 1',
      "    log.write(f'{n}\\n')",
      '    time.sleep(0.02)',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'probe.py'), '');
  const run = vigilRun(d, ['--profile', profile(dir, 'freeze'), '--', '/usr/bin/python3', agent]);
  await until(() => existsSync(ticks) && readFileSync(ticks, 'utf8').length > 4, 20_000, 'the agent to tick');
  const pid = Number(readFileSync(pidFile, 'utf8'));
  const daemon = d.pid();
  assert.ok(daemon !== undefined);
  run.child.kill('SIGSTOP');
  process.kill(daemon, 'SIGKILL');
  const killedAt = Date.now();
  await until(() => readStat(pid)?.state === 'T', 5_000, 'the agent to be stopped');
  t.diagnostic(`SIGKILL of the daemon to the agent stopped: ${Date.now() - killedAt} ms`);
  const frozen = readFileSync(ticks, 'utf8').length;
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(
    readFileSync(ticks, 'utf8').length,
    frozen,
    `nothing ran while frozen (state ${readStat(pid)?.state})`,
  );
  run.child.kill('SIGCONT'); // the client starts a daemon, which re-adopts and resumes the agent
  await until(() => readFileSync(ticks, 'utf8').length > frozen, 20_000, 'the agent to run again');
  assert.match(d.daemonLog(), /1 stopped process\(es\) resumed/);
  writeFileSync(stop, '');
  assert.equal(await run.exited, 75, `${run.stderr()}\n${d.daemonLog()}`);
});

test('20 daemon restarts under a busy session lose no KILL line and add no program', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf', 'cgroup2'))) return;
  const d = testDaemon(t, 'restarts');
  const dir = tempDir(t);
  const env = secretDir(dir);
  const log = join(dir, 'audit.jsonl');
  const rcs = join(dir, 'rcs');
  const stop = join(dir, 'stop');
  const run = vigilRun(d, [
    '--profile',
    profile(dir, 'continue'),
    '--file-events',
    'none',
    '--audit-log',
    log,
    '--',
    'bash',
    '-c',
    `exec 2>/dev/null; while [ ! -e ${stop} ]; do cat ${env} > /dev/null; echo $? >> ${rcs}; done`,
  ]);
  await until(() => existsSync(rcs), 20_000, 'the agent to start');
  const links = new Set(kernelLinkIds());
  const pinned = d.pinnedLinks().length;
  for (let i = 0; i < 20; i++) {
    const before = d.pid();
    const r = await execFileAsync(process.execPath, [VIGIL, 'daemon', 'stop'], { env: d.env });
    assert.match(r.stderr, /stopped/);
    await until(() => d.pid() !== undefined && d.pid() !== before, 20_000, `restart ${i + 1}`);
    await until(() => d.answers(), 20_000, `daemon ${i + 1} to answer`);
  }
  assert.deepEqual(new Set(kernelLinkIds()), links, 'the same links before and after 20 restarts');
  assert.equal(d.pinnedLinks().length, pinned);
  writeFileSync(stop, '');
  assert.equal(await run.exited, 75, run.stderr());
  const killed = readFileSync(rcs, 'utf8')
    .split('\n')
    .filter((l) => l === '137').length;
  const lines = readAuditLog(log);
  t.diagnostic(`${killed} cat processes killed by the kernel across 20 restarts`);
  assert.ok(killed > 20, `the agent kept working (${killed} kills)`);
  assert.equal(killLines(lines, env).length, killed, 'one KILL line per kernel decision');
  assert.match(run.stderr(), /dropped 20 time\(s\)/);
});

test('a session whose last process is killed writes its KILL line before session_end, every time', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf', 'cgroup2'))) return;
  const d = testDaemon(t, 'lastkill');
  const dir = tempDir(t);
  // the KILL decision travels on the alerts ring, the exit on the events ring (docs/audit.md)
  for (let i = 0; i < 10; i++) {
    const log = join(dir, `run-${i}.jsonl`);
    const r = spawnSync(
      process.execPath,
      [
        VIGIL,
        'run',
        '--framework',
        'claude-code',
        '--audit-log',
        log,
        '--',
        'bash',
        '-c',
        'head -c 10 /etc/shadow',
      ],
      { env: d.env, encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(r.status, 137, `run ${i}: ${r.stderr}`);
    const lines = readAuditLog(log);
    const kill = lines.findIndex((l) => l.event === 'file_open' && l.action === 'KILL');
    const end = lines.findIndex((l) => l.event === 'session_end');
    assert.ok(kill >= 0, `run ${i}: the KILL line is written`);
    assert.ok(end > kill, `run ${i}: before session_end`);
  }
});
