// End-to-end enforcement under `vigil run` with built-in profiles, as a user would meet it: each
// denial asserts what the process saw (EPERM, or SIGKILL where this kernel's backend is the
// reactive kill) AND the matching audit line; each allowed counterpart succeeds. Secrets live
// in a temporary HOME made for the test; network targets are loopback only.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import type { AuditLine } from '../../src/sinks/audit-schema.js';
import { requires } from '../support/requires.js';
import { repoRoot } from '../support/paths.js';
import { readAuditLog } from '../support/audit-log.js';
import { homeSandbox } from '../support/sandbox.js';

const VIGIL = join(repoRoot, 'dist/src/cli/main.js');
const PY = '/usr/bin/python3';

interface Ran {
  status: number | null;
  out: string;
  lines: AuditLine[];
}

function sandbox(t: TestContext): { dir: string; home: string } {
  const { dir, home } = homeSandbox(t, 'vigil-enf-');
  mkdirSync(join(home, '.aws'), { recursive: true });
  writeFileSync(join(home, '.aws', 'credentials'), '[default]\naws_secret_access_key=x\n');
  return { dir, home };
}

/** `vigil run` with the given profile flags; sh -c script (or an argv); HOME as given. */
function vrun(dir: string, home: string, profileArgs: string[], script: string | string[]): Ran {
  const log = join(dir, `audit-${Math.random().toString(36).slice(2)}.jsonl`);
  const command = typeof script === 'string' ? ['/bin/sh', '-c', script] : script;
  const r = spawnSync(
    process.execPath,
    [VIGIL, 'run', ...profileArgs, '--audit-log', log, '--', ...command],
    { encoding: 'utf8', cwd: dir, env: { ...process.env, HOME: home }, timeout: 60_000 },
  );
  const lines = readAuditLog(log);
  return { status: r.status, out: r.stdout + r.stderr, lines };
}

/** The denial of an open of `path`: KILL (reactive) or BLOCK (inline), naming a rule. */
function deniedOpen(r: Ran, path: string): AuditLine {
  const l = r.lines.find(
    (x) => x.event === 'file_open' && x.path === path && (x.action === 'KILL' || x.action === 'BLOCK'),
  );
  assert.ok(l, `an audit line denies the open of ${path}:\n${r.out}`);
  assert.ok(l.rule?.startsWith('denied_paths['), `the rule is named (${String(l.rule)})`);
  assert.equal(l.enforcement, l.action === 'KILL' ? 'reactive' : 'inline');
  return l;
}

/** What the reader saw: 137 (killed) under the reactive backend, 1 (EPERM) inline. */
function sawDenial(r: Ran, tag: string, line: AuditLine): void {
  assert.match(r.out, new RegExp(`${tag} ${line.action === 'KILL' ? 137 : 1}\\b`), r.out);
}

test('secrets: /etc/shadow, ~/.ssh/id_rsa, ~/.aws/credentials are denied; ~/notes.txt is not', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf', 'tracepoint'))) return;
  const { dir, home } = sandbox(t);
  const script = [
    'cat /etc/shadow > /dev/null; echo "shadow $?"',
    `cat ${home}/.ssh/id_rsa > /dev/null; echo "ssh $?"`,
    `cat ${home}/.aws/credentials > /dev/null; echo "aws $?"`,
    `cat ${home}/notes.txt > /dev/null; echo "notes $?"`,
  ].join('; ');
  for (const framework of ['generic', 'claude-code']) {
    const r = vrun(dir, home, ['--framework', framework], script);
    assert.equal(r.status, 0, r.out);
    sawDenial(r, 'shadow', deniedOpen(r, '/etc/shadow'));
    sawDenial(r, 'ssh', deniedOpen(r, `${home}/.ssh/id_rsa`));
    sawDenial(r, 'aws', deniedOpen(r, `${home}/.aws/credentials`));
    assert.match(r.out, /notes 0/, `${framework}: an allowed file opens`);
  }
});

test('indirection: symlink, relative path after chdir, /proc/self/root, an interpreter, a grandchild', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf', 'tracepoint'))) return;
  const { dir, home } = sandbox(t);
  symlinkSync(`${home}/.ssh/id_rsa`, join(dir, 'innocent-link'));
  const script = [
    `cat ${dir}/innocent-link > /dev/null; echo "link $?"`,
    `(cd ${home}/.ssh && cat ./id_rsa > /dev/null); echo "relative $?"`,
    `cat /proc/self/root${home}/.aws/credentials > /dev/null; echo "procroot $?"`,
    `${PY} -c "open('${home}/.ssh/id_rsa').read()"; echo "python $?"`,
    `sh -c 'sh -c "cat /etc/shadow > /dev/null"'; echo "grandchild $?"`,
  ].join('; ');
  const r = vrun(dir, home, ['--framework', 'generic'], script);
  assert.equal(r.status, 0, r.out);
  // Every route resolves to the real file, so the same rule decides.
  const ssh = r.lines.filter(
    (l) => l.event === 'file_open' && l.path === `${home}/.ssh/id_rsa` && l.action !== 'ALLOW',
  );
  assert.ok(ssh.length >= 3, `symlink, relative and python opens all resolve to id_rsa (${ssh.length})`);
  sawDenial(r, 'link', ssh[0] as AuditLine);
  sawDenial(r, 'relative', ssh[0] as AuditLine);
  sawDenial(r, 'python', ssh[0] as AuditLine);
  sawDenial(r, 'procroot', deniedOpen(r, `${home}/.aws/credentials`));
  assert.match(r.out, /grandchild (137|1|2)\b/);
  assert.ok(r.lines.some((l) => l.event === 'file_open' && l.path === '/etc/shadow' && l.action !== 'ALLOW'));
});

test('hard links: a link elsewhere to ~/.ssh/id_rsa is denied by its inode; links to allowed files open', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf', 'tracepoint'))) return;
  const { dir, home } = sandbox(t);
  writeFileSync(join(home, '.bashrc'), '# rc\n');
  // Made before the session, in the workspace (allowed by path): only the inode says what they are.
  linkSync(join(home, '.ssh', 'id_rsa'), join(dir, 'key-link'));
  linkSync(join(home, 'notes.txt'), join(dir, 'notes-link'));
  linkSync(join(home, '.bashrc'), join(dir, 'rc-link'));
  const script = [
    `cat ${dir}/key-link > /dev/null; echo "keylink $?"`,
    `cat ${dir}/notes-link > /dev/null; echo "noteslink $?"`,
    // ~/.bashrc is denied for writing only: reading through a link is fine, appending is not
    `cat ${dir}/rc-link > /dev/null; echo "rcread $?"`,
    `(echo pwned >> ${dir}/rc-link); echo "rcwrite $?"`,
  ].join('; ');
  const r = vrun(dir, home, ['--framework', 'generic'], script);
  assert.equal(r.status, 0, r.out);
  const key = deniedOpen(r, `${dir}/key-link`);
  sawDenial(r, 'keylink', key);
  assert.ok(key.event === 'file_open' && key.matched_by === 'inode', JSON.stringify(key));
  assert.match(key.reason, /'~\/\.ssh\/\*\*'/, 'the audit line names the ~/.ssh rule');
  assert.match(r.out, /noteslink 0/, 'a link to an allowed file opens');
  assert.match(r.out, /rcread 0/, 'a write-only rule does not stop reads through a link');
  const rc = deniedOpen(r, `${dir}/rc-link`);
  sawDenial(r, 'rcwrite', rc);
  assert.match(rc.reason, /'~\/\.bashrc'/);
  assert.equal(readFileSync(join(home, '.bashrc'), 'utf8'), '# rc\n', 'nothing was written through the link');
  const notes = r.lines.find((l) => l.event === 'file_open' && l.path === `${dir}/notes-link`);
  assert.equal(notes?.action, 'ALLOW');
  assert.ok(notes.event === 'file_open' && notes.matched_by === undefined, 'allowed by its path alone');
});

test('exec: a denied program is killed before its first instruction, also under another name', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf', 'send_signal'))) return;
  const { dir, home } = sandbox(t);
  // A static program whose very first instruction creates a file: if it ran at all, it exists.
  writeFileSync(
    join(dir, 'first.c'),
    `void _start(void) {
  long r;
  __asm__ volatile("syscall" : "=a"(r) : "a"(85), "D"("ran-marker"), "S"(0644) : "rcx", "r11", "memory"); /* creat */
  __asm__ volatile("syscall" : : "a"(60), "D"(0)); /* exit */
  for (;;) {}
}
`,
  );
  const cc = spawnSync(
    'cc',
    ['-O2', '-static', '-nostdlib', '-o', join(dir, 'first'), join(dir, 'first.c')],
    { encoding: 'utf8' },
  );
  assert.equal(cc.status, 0, cc.stderr);
  spawnSync('cp', [join(dir, 'first'), join(dir, 'renamed')]);
  const profile = join(dir, 'cmds.yaml');
  writeFileSync(
    profile,
    [
      'name: only-shell-tools',
      'extends: generic',
      'default_policy:',
      '  commands: deny',
      'allowed_commands:',
      '  - /usr/bin/dash',
      '  - /usr/bin/cat',
      '  - /usr/bin/rm',
      '  - /usr/bin/ls',
      '',
    ].join('\n'),
  );
  const r = vrun(
    dir,
    home,
    ['--profile', profile],
    `./first; echo "first $?"; ./renamed; echo "renamed $?"; ls ran-marker; echo "marker $?"`,
  );
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /first 137/);
  assert.match(r.out, /renamed 137/, 'a copy under another name is not on the allowlist either');
  assert.match(r.out, /marker 2/, 'the program never ran an instruction: no marker file');
  assert.ok(!existsSync(join(dir, 'ran-marker')));
  const kills = r.lines.filter((l) => l.event === 'exec' && l.action === 'KILL');
  assert.equal(kills.length, 2);
  for (const k of kills) {
    assert.equal(k.enforcement, 'reactive');
    assert.equal(k.rule, 'default', 'decided by the commands default (deny), not by a listed rule');
  }
  assert.ok(
    r.lines.some((l) => l.event === 'exec' && l.comm === 'ls' && l.action === 'ALLOW'),
    'listed programs run',
  );
});

test('a shell is killed under a profile that forbids it; other programs run', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf', 'send_signal'))) return;
  const { dir, home } = sandbox(t);
  const profile = join(dir, 'noshell.yaml');
  writeFileSync(profile, 'name: no-shell\nextends: generic\ndenied_commands:\n  - bash\n  - dash\n  - sh\n');
  const r = vrun(
    dir,
    home,
    ['--profile', profile],
    [
      PY,
      '-c',
      "import subprocess; print('shell', subprocess.run(['/bin/bash', '-c', 'true']).returncode); print('cat', subprocess.run(['/usr/bin/cat', '/dev/null']).returncode)",
    ],
  );
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /shell -9/, 'bash was killed before it ran');
  assert.match(r.out, /cat 0/, 'cat runs');
  const k = r.lines.find((l) => l.event === 'exec' && l.action === 'KILL');
  assert.ok(
    k?.event === 'exec' && k.rule?.startsWith('denied_commands['),
    `the rule is named: ${String(k?.rule)}`,
  );
  assert.equal(k.comm, 'bash');
});

test('network: denied IPv4/IPv6 connects and UDP sends get EPERM; allowed ones work; raw ICMP sockets are refused', async (t) => {
  if (
    !(await requires(
      t,
      'root',
      'cgroup_connect4',
      'cgroup_connect6',
      'cgroup_sendmsg4',
      'cgroup_sock_create',
    ))
  )
    return;
  const { dir, home } = sandbox(t);
  const server = createServer((s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  const profile = join(dir, 'net.yaml');
  writeFileSync(
    profile,
    [
      'name: net-test',
      'extends: generic',
      'denied_networks:',
      "  - '127.0.0.1/32:9'",
      "  - '[::1]:9'",
      "  - '127.0.0.1/32:53/udp'",
      '',
    ].join('\n'),
  );
  const py = [
    'import errno, socket',
    'def tcp(fam, host, port):',
    '    s = socket.socket(fam, socket.SOCK_STREAM)',
    '    try:',
    '        s.connect((host, port)); return "ok"',
    '    except OSError as e:',
    '        return errno.errorcode.get(e.errno, str(e.errno))',
    'def udp(host, port):',
    '    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)',
    '    try:',
    '        s.sendto(b"x", (host, port)); return "ok"',
    '    except OSError as e:',
    '        return errno.errorcode.get(e.errno, str(e.errno))',
    'def raw():',
    '    try:',
    '        socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP); return "ok"',
    '    except OSError as e:',
    '        return errno.errorcode.get(e.errno, str(e.errno))',
    'print("v4denied", tcp(socket.AF_INET, "127.0.0.1", 9))',
    'print("v6denied", tcp(socket.AF_INET6, "::1", 9))',
    `print("v4allowed", tcp(socket.AF_INET, "127.0.0.1", ${port}))`,
    'print("udpdenied", udp("127.0.0.1", 53))',
    'print("udpallowed", udp("127.0.0.1", 5353))',
    'print("raw", raw())',
  ].join('\n');
  writeFileSync(join(dir, 'net.py'), py);
  const r = vrun(dir, home, ['--profile', profile], `${PY} ${dir}/net.py`);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /v4denied EPERM/);
  assert.match(r.out, /v6denied EPERM/);
  assert.match(r.out, /v4allowed ok/);
  assert.match(r.out, /udpdenied EPERM/);
  assert.match(r.out, /udpallowed ok/);
  assert.match(r.out, /raw EPERM/);
  const blocks = r.lines.filter((l) => l.action === 'BLOCK');
  const has = (event: string, ip: string, p: number) =>
    blocks.some(
      (l) =>
        l.event === event &&
        'dest_ip' in l &&
        l.dest_ip === ip &&
        l.dest_port === p &&
        l.enforcement === 'inline',
    );
  assert.ok(has('net_connect', '127.0.0.1', 9), 'IPv4 connect BLOCK line');
  assert.ok(has('net_connect', '::1', 9), 'IPv6 connect BLOCK line');
  assert.ok(has('udp_send', '127.0.0.1', 53), 'UDP BLOCK line');
  assert.ok(
    blocks.some((l) => l.event === 'socket_create' && l.rule === 'raw_sockets'),
    'raw socket BLOCK line',
  );
});

test('--audit-only: the same denials are logged as AUDIT and nothing is refused', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf', 'tracepoint'))) return;
  const { dir, home } = sandbox(t);
  const r = vrun(
    dir,
    home,
    ['--framework', 'generic', '--audit-only'],
    `cat ${home}/.ssh/id_rsa > /dev/null; echo "ssh $?"`,
  );
  assert.match(r.out, /ssh 0/);
  const l = r.lines.find((x) => x.event === 'file_open' && x.path === `${home}/.ssh/id_rsa`);
  assert.equal(l?.action, 'AUDIT');
  assert.equal(l.enforcement, 'audit');
});

test('vigil demo: every attack of the simulated agent is denied, with its rule, and its honest work goes through', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf', 'tracepoint', 'cgroup_connect4', 'cgroup_sock_create'))) return;
  const r = spawnSync(process.execPath, [VIGIL, 'demo'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const attacks: [string, string][] = [
    ['~/.ssh/id_rsa', 'denied_paths'],
    ['~/.aws/credentials', 'denied_paths'],
    ['/etc/shadow', 'denied_paths'],
    ['/usr/bin/bash', 'denied_commands'],
    ['127.0.0.1:4444', 'denied_networks'],
    ['SOCK_RAW', 'raw_sockets'],
  ];
  for (const [what, rule] of attacks) {
    assert.match(
      r.stdout,
      new RegExp(`(KILL|BLOCK) .*${what.replace(/[.*]/g, '\\$&')}.*${rule}`),
      `${what} denied`,
    );
  }
  assert.match(r.stdout, /reads the project README \(allowed\)\n\s+-> exit 0/);
});
