// Egress by name on the kernel, with the pieces the daemon will wire: a watched agent's DNS to
// its resolver goes to the session's DNS proxy (the cgroup hooks rewrite the destination, recvmsg
// shows the resolver as the sender), the proxy refuses names the profile does not allow and
// learns the addresses of the others, and only those addresses can then be connected to.
// Everything on loopback: Debian's dnsmasq on 127.0.66.53:53, listeners on 127.0.0.2 and .9.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { test } from 'node:test';

import { AgentKernel } from '../../src/loader/agent-kernel.js';
import { DnsSessionProxy, type DnsQueryRecord } from '../../src/egress/dns-proxy.js';
import { parseHostSpec } from '../../src/policy/host-spec.js';
import { loadProfileText } from '../../src/policy/load-profile.js';
import { requires } from '../support/requires.js';
import { egressWorld, pythonDnsClient } from '../support/loopback-net.js';

const PY = '/usr/bin/python3';
const RESOLVER = '127.0.66.53';
const SESSION = 0x7ff0_0301;
const HANDLE = 9;

/** The agent: raw DNS queries (no libc resolver: it reads the host's resolv.conf), then connects. */
function agentScript(port: number): string {
  return (
    pythonDnsClient(RESOLVER) +
    String.raw`
def show(tag, resp, frm=None):
    rc = resp[3] & 0xf
    addr = socket.inet_ntoa(resp[-4:]) if rc == 0 and len(resp) > 30 else '-'
    print(tag, 'rcode', rc, 'addr', addr, 'from', '%s:%s' % frm[:2] if frm else '-', flush=True)
def connect(tag, host):
    s = socket.socket()
    try:
        s.connect((host, ${port})); r = 'ok'
    except PermissionError:
        r = 'EPERM'
    except OSError as e:
        r = e.__class__.__name__
    s.close()
    print(tag, r, flush=True)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(5)
u.sendto(q('good.test'), (R, 53)); resp, frm = u.recvfrom(4096); show('udp-good', resp, frm)
connect('connect-good', '127.0.0.2')
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); c.settimeout(5); c.connect((R, 53))
c.send(q('evil.test')); show('udp-evil', c.recv(4096))
c.send(q('evil.test', 16)); show('txt-evil', c.recv(4096))
connect('connect-evil', '127.0.0.9')
t = socket.create_connection((R, 53), timeout=5)
m = q('good.test'); t.sendall(struct.pack('>H', len(m)) + m); ln = struct.unpack('>H', t.recv(2))[0]
show('tcp-good', t.recv(ln)); t.close()
o = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    o.sendto(q('good.test'), ('127.0.77.53', 53)); print('other-resolver sent', flush=True)
except PermissionError:
    print('other-resolver EPERM', flush=True)
v6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); v6.settimeout(5)
v6.sendto(q('good.test'), ('::ffff:' + R, 53)); resp, frm = v6.recvfrom(4096); show('udp6-good', resp, frm)
`
  );
}

test('a session that allows hosts by name: DNS through the proxy, connects only to what allowed names resolved to', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf', 'cgroup2'))) return;
  const port = await egressWorld(t, RESOLVER);
  if (port === undefined) return;

  const kernel = AgentKernel.open({ onEvents: () => undefined });
  t.after(() => {
    kernel.deleteSession(SESSION);
    kernel.forgetHostAddresses(SESSION);
    kernel.clearDnsRedirects(SESSION);
    kernel.close();
  });
  const profile = loadProfileText(
    'name: dns-test\ndefault_policy:\n  paths: allow\n  commands: allow\n  networks: deny\n',
    'dns-test.yaml',
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
  const records: DnsQueryRecord[] = [];
  const good = { id: 'allowed_hosts[0]', index: 0, pattern: parseHostSpec('good.test') };
  const proxy = await DnsSessionProxy.start({
    session: SESSION,
    policy: { denied: [], allowed: [good] },
    upstreams: [{ address: RESOLVER, port: 53 }],
    minTtlS: 30,
    learn: (a, ttlS, rule) => {
      kernel.learnHostAddress(
        { session: SESSION, address: a.address, rule: rule.index, ports: rule.pattern.ports },
        ttlS * 1000,
      );
    },
    record: (q) => records.push(q),
  });
  t.after(() => proxy.close());
  const p = proxy.ports[0];
  assert.ok(p);
  kernel.redirectDns(SESSION, RESOLVER, p.port, p.ipv6);

  const agent = spawn(PY, ['-c', `import sys; sys.stdin.read(1)\n${agentScript(port)}`], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  t.after(() => {
    if (agent.exitCode === null) agent.kill('SIGKILL');
  });
  assert.ok(agent.pid);
  kernel.watchProcess(agent.pid, SESSION, { root: true });
  let out = '';
  agent.stdout.on('data', (d: Buffer) => (out += d.toString()));
  agent.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => {
    agent.once('exit', r);
    agent.stdin.end('x');
  });
  assert.equal(code, 0, out);
  const line = (tag: string) =>
    out.split('\n').find((l) => l.startsWith(`${tag} `)) ?? `${tag}: missing\n${out}`;
  assert.equal(
    line('udp-good'),
    `udp-good rcode 0 addr 127.0.0.2 from ${RESOLVER}:53`,
    'answered, as if by the resolver',
  );
  assert.equal(line('connect-good'), 'connect-good ok');
  assert.equal(line('udp-evil'), 'udp-evil rcode 5 addr - from -', 'REFUSED by the proxy');
  assert.equal(line('txt-evil'), 'txt-evil rcode 5 addr - from -', 'no TXT channel to exfiltrate through');
  assert.equal(line('connect-evil'), 'connect-evil EPERM', 'an address no allowed name resolved to');
  assert.equal(line('tcp-good'), 'tcp-good rcode 0 addr 127.0.0.2 from -');
  assert.equal(line('other-resolver'), 'other-resolver EPERM', 'DNS to a resolver the session may not use');
  assert.equal(line('udp6-good'), `udp6-good rcode 0 addr 127.0.0.2 from ::ffff:${RESOLVER}:53`);
  assert.deepEqual(
    records.map((r) => `${r.transport} ${r.name} ${r.qtype} ${r.verdict}`),
    [
      'udp good.test A ALLOW',
      'udp evil.test A BLOCK',
      'udp evil.test TXT BLOCK',
      'tcp good.test A ALLOW',
      'udp good.test A ALLOW',
    ],
  );
});
