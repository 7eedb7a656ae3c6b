// verify_sni under `vigil run`, as a user meets it: a profile allowing good.test and alias.test
// (both resolve to 127.0.0.2, which also serves evil.test: one address, many names), Debian's
// dnsmasq as the resolver and Debian's nginx serving HTTPS with a test CA. curl reaches the
// allowed names; evil.test is refused at DNS, and on the shared address (curl --resolve) by the
// SNI proxy; a literal address is refused in the kernel; a plain HTTP request naming evil.test
// is refused by its Host header. Then real clients (Python, Node's fetch, git, npm) reach an
// allowed name through the proxy. The agent's glibc resolver is pointed at the test's resolver
// by a private mount namespace around `vigil run` (resolv.conf bind-mounted there only).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import { dnsmasqMissing, startLoopbackDns } from '../../../src/bench/loopback-dns.js';
import { nginxMissing, startLoopbackHttps } from '../../../src/bench/loopback-https.js';
import { auditLineErrors, validateAuditLine, type AuditLine } from '../../../src/sinks/audit-schema.js';
import { readAuditLog } from '../../support/audit-log.js';
import { repoRoot } from '../../support/paths.js';
import { requires } from '../../support/requires.js';
import { homeSandbox } from '../../support/sandbox.js';

const VIGIL = join(repoRoot, 'dist/src/cli/main.js');
const RESOLVER = '127.0.67.53';
const GOOD = '127.0.0.2';
const EVIL = '127.0.0.9';

type SniLine = Extract<AuditLine, { event: 'sni_check' }>;

interface World {
  dir: string;
  home: string;
  ca: string;
  root: string;
  resolvConf: string;
  profile: string;
}

async function world(t: TestContext): Promise<World | undefined> {
  if (!(await requires(t, 'root', 'tp_btf', 'cgroup2'))) return undefined;
  const missing =
    dnsmasqMissing() ??
    nginxMissing() ??
    (spawnSync('unshare', ['--version']).status === 0 ? undefined : 'unshare (util-linux) is missing');
  if (missing !== undefined) {
    t.skip(missing);
    return undefined;
  }
  const { dir, home } = homeSandbox(t, 'vigil-sni-');
  const dns = await startLoopbackDns({
    address: RESOLVER,
    port: 53,
    records: [`good.test,${GOOD}`, `alias.test,${GOOD}`, `evil.test,${EVIL}`],
  });
  t.after(() => {
    dns.stop();
  });
  const https = await startLoopbackHttps({
    dir: join(dir, 'nginx'),
    names: ['good.test', 'alias.test', 'evil.test'],
    tls: [`${GOOD}:443`, `${EVIL}:443`],
    http: [`${GOOD}:80`],
  });
  t.after(() => {
    https.stop();
  });
  const resolvConf = join(dir, 'resolv.conf');
  writeFileSync(resolvConf, `nameserver ${RESOLVER}\n`);
  const profile = join(dir, 'sni.yaml');
  writeFileSync(
    profile,
    [
      'name: sni-test',
      'default_policy: {paths: allow, commands: allow, networks: deny}',
      'allowed_hosts: [good.test, alias.test]',
      'verify_sni: true',
      `dns: {resolvers: [${RESOLVER}]}`,
      '',
    ].join('\n'),
  );
  return { dir, home, ca: https.ca, root: https.root, resolvConf, profile };
}

/** `vigil run` of `script` (sh) in a mount namespace whose /etc/resolv.conf names the test's resolver. */
function runAgent(w: World, script: string, env: Record<string, string> = {}) {
  const log = join(w.dir, `audit-${Date.now()}.jsonl`);
  const file = join(w.dir, `agent-${Date.now()}.sh`);
  writeFileSync(file, script);
  const r = spawnSync(
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      'mount --bind "$0" /etc/resolv.conf && exec "$@"',
      w.resolvConf,
      process.execPath,
      VIGIL,
      'run',
      '--profile',
      w.profile,
      '--audit-log',
      log,
      '--',
      '/bin/sh',
      file,
    ],
    {
      encoding: 'utf8',
      cwd: w.dir,
      env: { ...process.env, HOME: w.home, ...env },
      timeout: 300_000,
    },
  );
  const lines = readAuditLog(log);
  for (const l of lines)
    assert.ok(validateAuditLine(l), `schema: ${auditLineErrors(l)}\n${JSON.stringify(l)}`);
  return { out: `${r.stdout}${r.stderr}`, status: r.status, lines };
}

/** The output between `== name` and the next marker. */
function section(out: string, name: string): string {
  const at = out.indexOf(`== ${name}\n`);
  assert.ok(at >= 0, `no section ${name} in:\n${out}`);
  const rest = out.slice(at + name.length + 4);
  const end = rest.indexOf('\n== ');
  return end < 0 ? rest : rest.slice(0, end);
}

test('verify_sni: allowed names reach their server, another name on the same address is reset by the SNI proxy', async (t) => {
  const w = await world(t);
  if (w === undefined) return;
  const curl = `c() { curl -sS -m 10 --cacert ${w.ca} "$@" 2>&1; echo "rc=$?"; }`;
  const { out, lines } = runAgent(
    w,
    [
      curl,
      'echo "== good"; c https://good.test/',
      'echo "== alias"; c https://alias.test/',
      'echo "== evil"; c https://evil.test/',
      `echo "== fronted"; c --resolve evil.test:443:${GOOD} https://evil.test/`,
      `echo "== literal"; c -k https://${EVIL}/`,
      'echo "== http"; c http://good.test/',
      'echo "== http-host"; c -H "Host: evil.test" http://good.test/',
      '',
    ].join('\n'),
  );
  assert.match(section(out, 'good'), /hello good\.test\nrc=0/, out);
  assert.match(section(out, 'alias'), /hello alias\.test\nrc=0/, out);
  assert.match(section(out, 'evil'), /rc=6\b/, 'refused at DNS: curl could not resolve it');
  assert.match(section(out, 'fronted'), /reset by peer[\s\S]*rc=(35|56)\b/, out);
  assert.match(section(out, 'literal'), /rc=7\b/, 'refused in the kernel: no connection');
  assert.match(section(out, 'http'), /hello good\.test\nrc=0/, out);
  assert.match(section(out, 'http-host'), /rc=(52|56)\b/, out);
  assert.doesNotMatch(out, /hello evil\.test/);

  const sni = lines.filter((l): l is SniLine => l.event === 'sni_check');
  assert.deepEqual(
    sni.map((l) => `${l.action} ${l.protocol} ${l.server_name} ${l.dest_ip}:${l.dest_port} ${l.rule}`),
    [
      `ALLOW tls good.test ${GOOD}:443 allowed_hosts[0]`,
      `ALLOW tls alias.test ${GOOD}:443 allowed_hosts[1]`,
      `BLOCK tls evil.test ${GOOD}:443 null`,
      `ALLOW http good.test ${GOOD}:80 allowed_hosts[0]`,
      `BLOCK http evil.test ${GOOD}:80 null`,
    ],
    JSON.stringify(sni, null, 1),
  );
  const fronted = sni[2];
  assert.ok(fronted);
  assert.deepEqual([...fronted.learned_for].sort(), ['alias.test', 'good.test']);
  assert.match(fronted.reason, /evil\.test is not an allowed host: vigil's SNI proxy reset the connection/);
  assert.equal(fronted.backend, 'vigil:sni-proxy');
  assert.equal(fronted.enforcement, 'inline');
  // the kernel's own line for each proxied connect names the destination and the rule
  const connects = lines.filter((l) => l.event === 'net_connect');
  const good = connects.filter((l) => l.dest_ip === GOOD && l.dest_port === 443);
  assert.ok(good.length >= 3, JSON.stringify(connects));
  assert.ok(good.every((l) => l.action === 'ALLOW' && l.rule?.startsWith('allowed_hosts[')));
  const literal = connects.find((l) => l.dest_ip === EVIL);
  assert.equal(literal?.action, 'BLOCK', JSON.stringify(connects));
  const dns = lines.filter((l) => l.event === 'dns_query' && l.name === 'evil.test');
  assert.ok(dns.length > 0 && dns.every((l) => l.action === 'BLOCK'));
});

/** A one-package registry under nginx's /files/: its packument and tarball, as npm fetches them. */
function registryStub(w: World): string {
  const pkg = join(w.dir, 'pkg', 'package');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'vigil-probe', version: '1.0.0' }));
  const tgz = join(w.root, 'vigil-probe-1.0.0.tgz');
  const tar = spawnSync('tar', ['-czf', tgz, '-C', join(w.dir, 'pkg'), 'package']);
  assert.equal(tar.status, 0, tar.stderr.toString());
  const bytes = spawnSync('cat', [tgz]).stdout;
  const integrity = `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
  const shasum = createHash('sha1').update(bytes).digest('hex');
  writeFileSync(
    join(w.root, 'vigil-probe'),
    JSON.stringify({
      name: 'vigil-probe',
      'dist-tags': { latest: '1.0.0' },
      versions: {
        '1.0.0': {
          name: 'vigil-probe',
          version: '1.0.0',
          dist: { tarball: 'https://good.test/files/vigil-probe-1.0.0.tgz', integrity, shasum },
        },
      },
    }),
  );
  return 'https://good.test/files/';
}

/** A bare repository git can clone over "dumb" HTTP (static files under nginx). */
function gitStub(w: World): string {
  const git = (...args: string[]) => {
    const r = spawnSync('git', args, {
      encoding: 'utf8',
      env: {
        ...process.env,
        HOME: w.home,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@t',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@t',
      },
    });
    assert.equal(r.status, 0, r.stderr);
  };
  const work = join(w.dir, 'work');
  git('init', '-q', '-b', 'main', work);
  writeFileSync(join(work, 'README'), 'fetched through the SNI proxy\n');
  git('-C', work, 'add', 'README');
  git('-C', work, 'commit', '-qm', 'first');
  git('clone', '-q', '--bare', work, join(w.root, 'repo.git'));
  git('--git-dir', join(w.root, 'repo.git'), 'update-server-info');
  return 'https://good.test/files/repo.git';
}

test('verify_sni: Python, Node fetch, git and npm reach an allowed name through the SNI proxy', async (t) => {
  if (process.env.VIGIL_VM_KERNEL !== undefined) {
    // each Node or npm start costs tens of seconds under emulation; the kernel's part is the curl test's
    t.skip('host only: the clients are user space; the VM runs the curl scenario');
    return;
  }
  const w = await world(t);
  if (w === undefined) return;
  const registry = registryStub(w);
  const repo = gitStub(w);
  const py = `import ssl, urllib.request; print(urllib.request.urlopen('https://good.test/', context=ssl.create_default_context(cafile='${w.ca}'), timeout=10).read().decode().strip())`;
  const node = `fetch('https://good.test/').then((r) => r.text()).then((s) => console.log(s.trim()), (e) => { console.log('fetch failed', e.cause?.code ?? e.message); process.exitCode = 1; })`;
  const { out, lines } = runAgent(
    w,
    [
      `echo "== python"; python3 -c "${py}"; echo "rc=$?"`,
      `echo "== node"; ${process.execPath} -e "${node.replace(/"/g, '\\"')}"; echo "rc=$?"`,
      `echo "== node-evil"; ${process.execPath} -e "fetch('https://alias.test/').then(() => fetch('https://evil.test/')).then(() => console.log('reached'), (e) => console.log('fetch failed', e.cause?.code ?? e.message))"; echo "rc=$?"`,
      `echo "== git"; git clone -q ${repo} ${join(w.dir, 'clone')} && cat ${join(w.dir, 'clone', 'README')}; echo "rc=$?"`,
      `echo "== npm"; npm install --prefix ${join(w.dir, 'npmproj')} --registry ${registry} --cafile ${w.ca} --no-audit --no-fund --no-update-notifier vigil-probe >/dev/null && cat ${join(w.dir, 'npmproj', 'node_modules', 'vigil-probe', 'package.json')}; echo "rc=$?"`,
      '',
    ].join('\n'),
    { NODE_EXTRA_CA_CERTS: w.ca, GIT_SSL_CAINFO: w.ca, npm_config_cache: join(w.home, '.npm') },
  );
  assert.match(section(out, 'python'), /hello good\.test\nrc=0/, out);
  assert.match(section(out, 'node'), /hello good\.test\nrc=0/, out);
  assert.match(section(out, 'node-evil'), /fetch failed (ENOTFOUND|EAI_AGAIN)/, out);
  assert.match(section(out, 'git'), /fetched through the SNI proxy\nrc=0/, out);
  assert.match(section(out, 'npm'), /"name":"vigil-probe"[\s\S]*rc=0/, out);
  const sni = lines.filter((l): l is SniLine => l.event === 'sni_check');
  assert.ok(sni.length >= 5, JSON.stringify(sni));
  assert.ok(
    sni.every((l) => l.action === 'ALLOW' && l.protocol === 'tls'),
    JSON.stringify(sni.filter((l) => l.action !== 'ALLOW')),
  );
  assert.ok(sni.some((l) => l.server_name === 'alias.test'));
});
