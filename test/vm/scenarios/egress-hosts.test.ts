// Egress by host name under `vigil run`, as a user meets it: a profile allowing good.test, a real
// resolver (Debian's dnsmasq on 127.0.66.53:53) and listeners on loopback addresses the test
// names. The agent's DNS goes through the session's DNS proxy; it reaches good.test, is refused
// evil.test at DNS, a literal address and another resolver in the kernel; each with its line.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { auditLineErrors, validateAuditLine, type AuditLine } from '../../../src/sinks/audit-schema.js';
import { readAuditLog } from '../../support/audit-log.js';
import { repoRoot } from '../../support/paths.js';
import { requires } from '../../support/requires.js';
import { egressWorld, pythonDnsClient } from '../../support/loopback-net.js';
import { homeSandbox } from '../../support/sandbox.js';

const VIGIL = join(repoRoot, 'dist/src/cli/main.js');
const RESOLVER = '127.0.66.53';

/** Raw DNS (glibc's resolver would ask the host's nameserver), then connects to what came back. */
function agent(port: number): string {
  return (
    pythonDnsClient(RESOLVER) +
    String.raw`
def ask(name, qtype=1):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(5)
    u.sendto(q(name, qtype), (R, 53)); resp, frm = u.recvfrom(4096); u.close()
    rc = resp[3] & 0xf
    return rc, (socket.inet_ntoa(resp[-4:]) if rc == 0 else None)
def connect(host):
    s = socket.socket()
    try:
        s.connect((host, ${port})); return 'ok'
    except PermissionError:
        return 'EPERM'
    finally:
        s.close()
rc, addr = ask('good.test'); print('dns good', rc, addr, flush=True)
print('connect good', connect(addr), flush=True)
rc, addr = ask('evil.test'); print('dns evil', rc, flush=True)
rc, addr = ask('evil.test', 16); print('txt evil', rc, flush=True)
print('connect literal', connect('127.0.0.9'), flush=True)
o = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    o.sendto(q('good.test'), ('127.0.77.53', 53)); print('other resolver sent', flush=True)
except PermissionError:
    print('other resolver EPERM', flush=True)
`
  );
}

test('vigil run with allowed_hosts: DNS through the proxy, connects only to what good.test resolved to', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf', 'cgroup2'))) return;
  const port = await egressWorld(t, RESOLVER);
  if (port === undefined) return;
  const { dir, home } = homeSandbox(t, 'vigil-egress-');
  const profile = join(dir, 'egress.yaml');
  writeFileSync(
    profile,
    [
      'name: egress-test',
      'default_policy: {paths: allow, commands: allow, networks: deny}',
      'allowed_hosts:',
      '  - good.test',
      'denied_hosts:',
      '  - "*.evil.test"',
      'dns:',
      `  resolvers: [${RESOLVER}]`,
      '',
    ].join('\n'),
  );
  const script = join(dir, 'agent.py');
  writeFileSync(script, agent(port));
  const log = join(dir, 'audit.jsonl');
  const r = spawnSync(
    process.execPath,
    [VIGIL, 'run', '--profile', profile, '--audit-log', log, '--', '/usr/bin/python3', script],
    { encoding: 'utf8', cwd: dir, env: { ...process.env, HOME: home }, timeout: 60_000 },
  );
  const out = `${r.stdout}${r.stderr}`;
  assert.equal(r.status, 0, out);
  assert.match(out, /^dns good 0 127\.0\.0\.2$/m);
  assert.match(out, /^connect good ok$/m);
  assert.match(out, /^dns evil 5$/m, 'REFUSED');
  assert.match(out, /^txt evil 5$/m, 'no TXT channel either');
  assert.match(out, /^connect literal EPERM$/m);
  assert.match(out, /^other resolver EPERM$/m);

  const lines = readAuditLog(log);
  for (const l of lines)
    assert.ok(validateAuditLine(l), `schema: ${auditLineErrors(l)}\n${JSON.stringify(l)}`);
  const dns = lines.filter((l): l is Extract<AuditLine, { event: 'dns_query' }> => l.event === 'dns_query');
  assert.deepEqual(
    dns.map((l) => `${l.action} ${l.qtype} ${l.name} ${l.rcode} ${l.answers.join(',')} ${l.rule}`),
    [
      'ALLOW A good.test NOERROR 127.0.0.2 allowed_hosts[0]',
      'BLOCK A evil.test REFUSED  null',
      'BLOCK TXT evil.test REFUSED  null',
    ],
    out,
  );
  const connects = lines.filter((l) => l.event === 'net_connect');
  const good = connects.find((l) => l.dest_ip === '127.0.0.2' && l.dest_port === port);
  assert.equal(good?.action, 'ALLOW', JSON.stringify(connects));
  assert.equal(good.rule, 'allowed_hosts[0]');
  assert.equal(good.dest_host, 'good.test');
  assert.match(good.reason, /allowed by allowed_hosts\[0\] 'good\.test'/);
  const viaProxy = lines.find((l) => l.event === 'udp_send' && l.dest_ip === RESOLVER);
  assert.equal(viaProxy?.rule, 'dns_proxy', 'DNS to the resolver went through the proxy');
  assert.equal(viaProxy.action, 'ALLOW');
  const literal = connects.find((l) => l.dest_ip === '127.0.0.9');
  assert.equal(literal?.action, 'BLOCK');
  assert.equal(literal.dest_host, undefined);
  const other = lines.find((l) => l.event === 'udp_send' && l.dest_ip === '127.0.77.53');
  assert.equal(other?.action, 'BLOCK');
});
