// Egress by name, the kernel's part (kernel/lib/hosts.h): an address the DNS proxy learned for a
// session's allowed host is allowed to that session, on the name's ports, until its TTL runs
// out; a destination no rule names stays with the profile's default; an address rule still wins
// over a learned address. Loopback only: listeners on 127.0.0.x and ::1 this test opens.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { homedir } from 'node:os';
import { createInterface } from 'node:readline';
import { test, type TestContext } from 'node:test';

import type { AgentEvent } from '../../src/wire/events.js';
import { AgentKernel } from '../../src/loader/agent-kernel.js';
import { loadProfileText } from '../../src/policy/load-profile.js';
import { requires } from '../support/requires.js';

const PY = '/usr/bin/python3';
const SESSION = 0x7ff0_0201;
const HANDLE = 7;

/** A watched Python that connects to `host port` for each line it reads and answers ok/EPERM/… */
const PROBE = [
  'import socket, sys',
  'for line in sys.stdin:',
  '    host, port = line.split()',
  '    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)',
  '    try:',
  '        s.connect((host, int(port))); r = "ok"',
  '    except PermissionError:',
  '        r = "EPERM"',
  '    except OSError as e:',
  '        r = e.__class__.__name__',
  '    s.close()',
  '    print(r, flush=True)',
].join('\n');

async function listen(t: TestContext, host: string): Promise<number> {
  const server: Server = createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, host, r));
  t.after(() => {
    server.close();
  });
  return (server.address() as { port: number }).port;
}

function probe(t: TestContext): {
  child: ChildProcess;
  ask: (host: string, port: number) => Promise<string>;
} {
  const child = spawn(PY, ['-c', PROBE], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const answers: string[] = [];
  const waiting: ((a: string) => void)[] = [];
  createInterface({ input: child.stdout }).on('line', (l) => {
    const w = waiting.shift();
    if (w !== undefined) w(l);
    else answers.push(l);
  });
  return {
    child,
    ask: (host, port) =>
      new Promise((resolve) => {
        waiting.push(resolve);
        child.stdin.write(`${host} ${port}\n`);
      }),
  };
}

test('an address learned for an allowed host is allowed to its session, on its ports, until it expires', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf', 'cgroup2'))) return;
  const events: AgentEvent[] = [];
  const kernel = AgentKernel.open({ onEvents: (evs) => events.push(...evs) });
  t.after(() => {
    kernel.deleteSession(SESSION);
    kernel.forgetHostAddresses(SESSION);
    kernel.close();
  });
  const profile = loadProfileText(
    'name: hosts-test\ndefault_policy:\n  paths: allow\n  commands: allow\n  networks: deny\ndenied_networks:\n  - 127.0.0.3/32\n',
    'hosts-test.yaml',
    { home: homedir(), workspace: process.cwd() },
  );
  kernel.loadProfile(HANDLE, profile);
  kernel.setSession(SESSION, {
    profile: HANDLE,
    enforce: true,
    auditOnly: false,
    rawSockets: false,
    hosts: true,
  });
  const good = await listen(t, '127.0.0.2');
  const other = await listen(t, '127.0.0.2');
  const denied = await listen(t, '127.0.0.3');
  const v6 = await listen(t, '::1');
  const p = probe(t);
  assert.ok(p.child.pid);
  kernel.watchProcess(p.child.pid, SESSION, { root: true });

  assert.equal(await p.ask('127.0.0.2', good), 'EPERM', 'never learned: the default (deny) decides');
  kernel.learnHostAddress({ session: SESSION, address: '127.0.0.2', rule: 4, ports: [good] }, 60_000);
  assert.equal(await p.ask('127.0.0.2', good), 'ok', 'learned, on its port');
  assert.equal(await p.ask('127.0.0.2', other), 'EPERM', 'learned, but not on this port');
  // another name on the same address, any port: the address now allows every port
  kernel.learnHostAddress({ session: SESSION, address: '127.0.0.2', rule: 5, ports: [] }, 60_000);
  assert.equal(await p.ask('127.0.0.2', other), 'ok');
  kernel.learnHostAddress({ session: SESSION, address: '127.0.0.3', rule: 4, ports: [] }, 60_000);
  assert.equal(await p.ask('127.0.0.3', denied), 'EPERM', 'an address rule wins over a learned address');
  kernel.learnHostAddress({ session: SESSION + 1, address: '::1', rule: 4, ports: [] }, 60_000);
  assert.equal(await p.ask('::1', v6), 'EPERM', "another session's address is not this one's");
  kernel.learnHostAddress({ session: SESSION, address: '::1', rule: 6, ports: [v6] }, 300);
  assert.equal(await p.ask('::1', v6), 'ok', 'IPv6, learned');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await p.ask('::1', v6), 'EPERM', 'its TTL ran out');

  const learned = kernel.hostAddresses(SESSION).map((e) => `${e.address} ${e.rule} ${e.ports.join(',')}`);
  assert.deepEqual(learned.sort(), [`127.0.0.2 5 `, '127.0.0.3 4 ', `::1 6 ${v6}`].sort());
  kernel.forgetHostAddresses(SESSION);
  assert.deepEqual(kernel.hostAddresses(SESSION), []);
  assert.equal(await p.ask('127.0.0.2', good), 'EPERM', 'forgotten with its session');
  kernel.forgetHostAddresses(SESSION + 1);

  // the kernel's words: the allowed connects name the allowed_hosts rule
  kernel.flush();
  const connects = events.filter((e) => e.kind === 'net_connect');
  assert.ok(connects.length >= 9, `${connects.length} connect events`);
  assert.ok(
    connects.some((e) => e.verdict?.ruleKind === 8 && e.verdict.rule === 4 && e.verdict.action === 'ALLOW'),
    'an allowed connect says VIGIL_RULE_HOST and the rule',
  );
});
