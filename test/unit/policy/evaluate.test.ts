import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PATH_BOUND_RULE, createEvaluator, evaluate } from '../../../src/policy/evaluate.js';
import type { Decision, OpenAccess, PolicyInput } from '../../../src/policy/evaluate.js';
import { POLICY_PATH_BOUND } from '../../../src/wire/wire-layout.js';
import { loadProfileText } from '../../../src/policy/load-profile.js';
import type { Profile } from '../../../src/policy/profile-types.js';

const vars = { home: '/home/u', workspace: '/home/u/proj' };
const load = (yaml: string): Profile => loadProfileText(yaml, 'p.yaml', vars);
const open = (p: Profile, path: string | Uint8Array, access: OpenAccess = 'read'): Decision =>
  evaluate(p, { kind: 'open', path, access });
const exec = (p: Profile, path: string, requested?: string): Decision =>
  evaluate(p, requested === undefined ? { kind: 'exec', path } : { kind: 'exec', path, requested });
const connect = (p: Profile, ip: string, port: number, proto: 'tcp' | 'udp' = 'tcp'): Decision =>
  evaluate(p, { kind: 'connect', ip, port, proto });
const verdict = (d: Decision): [string, string] => [d.action, d.rule];

describe('precedence: denied, then allowed, then default', () => {
  const p = load(`name: x
default_policy: deny
denied_paths: [/home/u/proj/secrets/**]
allowed_paths: [/home/u/proj/**, /home/u/proj/secrets/public.txt]
`);
  it('denied beats allowed, whatever the order or specificity', () => {
    assert.deepEqual(verdict(open(p, '/home/u/proj/secrets/public.txt')), ['BLOCK', 'denied_paths[0]']);
  });
  it('allowed beats the default', () => {
    assert.deepEqual(verdict(open(p, '/home/u/proj/src/a.ts')), ['ALLOW', 'allowed_paths[0]']);
  });
  it('the default decides the rest', () => {
    const d = open(p, '/etc/passwd');
    assert.deepEqual(verdict(d), ['BLOCK', 'default']);
    assert.match(d.reason, /matches no rule; default for paths is deny/);
  });
  it('a default allow', () => {
    assert.deepEqual(verdict(open(load('name: x\ndefault_policy: allow\n'), '/etc/passwd')), [
      'ALLOW',
      'default',
    ]);
  });
  it('paths are normalised before matching', () => {
    assert.deepEqual(verdict(open(p, '/home/u/proj/x/../secrets//key/')), ['BLOCK', 'denied_paths[0]']);
    assert.deepEqual(verdict(open(p, '/home/u/proj/./secrets')), ['BLOCK', 'denied_paths[0]']);
  });
  it('explains with the rule as written', () => {
    assert.match(
      open(p, '/home/u/proj/secrets/k').reason,
      /matches denied_paths\[0\] '\/home\/u\/proj\/secrets\/\*\*'/,
    );
  });
});

describe('actions and modes', () => {
  const yaml = `name: x
default_policy: {paths: allow, networks: allow, commands: allow}
denied_paths:
  - {pattern: /a/**, action: audit}
  - {pattern: /a/b/**, action: kill}
  - /a/b/c/**
  - /z
denied_networks:
  - {cidr: 10.0.0.0/8, action: kill}
denied_commands:
  - {command: nc, action: kill}
`;
  const p = load(yaml);
  it('per-rule actions', () => {
    assert.deepEqual(verdict(open(p, '/a/x')), ['AUDIT', 'denied_paths[0]']);
    assert.deepEqual(verdict(open(p, '/z')), ['BLOCK', 'denied_paths[3]']);
    assert.deepEqual(verdict(connect(p, '10.1.1.1', 80)), ['KILL', 'denied_networks[0]']);
    assert.deepEqual(verdict(exec(p, '/bin/nc')), ['KILL', 'denied_commands[0]']);
  });
  it('the strongest action among matching denied rules wins; ties go to the lowest index', () => {
    assert.deepEqual(verdict(open(p, '/a/b/c/d')), ['KILL', 'denied_paths[1]']);
    const q = load('name: x\ndenied_paths: [/**/k, /a/**]\n');
    assert.deepEqual(verdict(open(q, '/a/k')), ['BLOCK', 'denied_paths[0]']);
  });
  it('audit mode turns BLOCK and KILL into AUDIT and keeps the rule', () => {
    const a = load(yaml + 'mode: audit\n');
    assert.deepEqual(verdict(open(a, '/a/b/c/d')), ['AUDIT', 'denied_paths[1]']);
    assert.match(open(a, '/a/b/c/d').reason, /audit mode: KILL not enforced/);
    assert.deepEqual(verdict(open(a, '/z')), ['AUDIT', 'denied_paths[3]']);
    assert.deepEqual(verdict(open(a, '/free')), ['ALLOW', 'default']);
    const d = load('name: x\nmode: audit\ndefault_policy: deny\n');
    assert.deepEqual(verdict(open(d, '/etc/passwd')), ['AUDIT', 'default']);
  });
});

describe('read and write access', () => {
  const p = load(`name: x
default_policy: {paths: deny}
denied_paths:
  - {pattern: /etc/**, access: write}
  - {pattern: /home/u/notes/**, access: read}
allowed_paths:
  - {pattern: /etc/**, access: read}
  - {pattern: /usr/**, access: read}
  - {pattern: /home/u/out/**, access: write}
  - /home/u/**
`);
  it('a write rule denies writes and read-writes, not reads', () => {
    assert.deepEqual(verdict(open(p, '/etc/hosts', 'write')), ['BLOCK', 'denied_paths[0]']);
    assert.deepEqual(verdict(open(p, '/etc/hosts', 'read-write')), ['BLOCK', 'denied_paths[0]']);
    assert.deepEqual(verdict(open(p, '/etc/hosts', 'read')), ['ALLOW', 'allowed_paths[0]']);
  });
  it('a read rule denies reads and read-writes, not pure writes', () => {
    assert.deepEqual(verdict(open(p, '/home/u/notes/a', 'read')), ['BLOCK', 'denied_paths[1]']);
    assert.deepEqual(verdict(open(p, '/home/u/notes/a', 'read-write')), ['BLOCK', 'denied_paths[1]']);
    assert.deepEqual(verdict(open(p, '/home/u/notes/a', 'write')), ['ALLOW', 'allowed_paths[3]']);
  });
  it('an allowed rule must grant every right the open asks for', () => {
    assert.deepEqual(verdict(open(p, '/usr/bin/ls', 'read')), ['ALLOW', 'allowed_paths[1]']);
    assert.deepEqual(verdict(open(p, '/usr/bin/ls', 'write')), ['BLOCK', 'default']);
    assert.deepEqual(verdict(open(p, '/usr/bin/ls', 'read-write')), ['BLOCK', 'default']);
    assert.deepEqual(verdict(open(p, '/home/u/out/log', 'read-write')), ['ALLOW', 'allowed_paths[3]']);
    assert.deepEqual(verdict(open(p, '/tmp/x', 'read')), ['BLOCK', 'default']);
  });
});

describe('networks', () => {
  const p = load(`name: x
default_policy: {networks: deny}
allowed_networks:
  - 0.0.0.0/0:443/tcp
  - '[::/0]:443/tcp'
  - 127.0.0.0/8
  - '[::1]:8000-9000'
  - 0.0.0.0/0:53/udp
  - {cidr: 192.168.0.0/16, ports: [22, '5000-5001']}
denied_networks:
  - 169.254.169.254
  - 10.0.0.0/8:443
  - 2001:db8::/32
`);
  it('IPv4 CIDRs with ports and protocols', () => {
    assert.deepEqual(verdict(connect(p, '93.184.216.34', 443)), ['ALLOW', 'allowed_networks[0]']);
    assert.deepEqual(verdict(connect(p, '93.184.216.34', 443, 'udp')), ['BLOCK', 'default']);
    assert.deepEqual(verdict(connect(p, '93.184.216.34', 80)), ['BLOCK', 'default']);
    assert.deepEqual(verdict(connect(p, '8.8.8.8', 53, 'udp')), ['ALLOW', 'allowed_networks[4]']);
    assert.deepEqual(verdict(connect(p, '8.8.8.8', 53, 'tcp')), ['BLOCK', 'default']);
    assert.deepEqual(verdict(connect(p, '127.1.2.3', 1)), ['ALLOW', 'allowed_networks[2]']);
    assert.deepEqual(verdict(connect(p, '192.168.4.4', 22)), ['ALLOW', 'allowed_networks[5]']);
    assert.deepEqual(verdict(connect(p, '192.168.4.4', 5001)), ['ALLOW', 'allowed_networks[5]']);
    assert.deepEqual(verdict(connect(p, '192.168.4.4', 5002)), ['BLOCK', 'default']);
  });
  it('denied networks win over allowed ones', () => {
    assert.deepEqual(verdict(connect(p, '169.254.169.254', 443)), ['BLOCK', 'denied_networks[0]']);
    assert.deepEqual(verdict(connect(p, '10.2.3.4', 443)), ['BLOCK', 'denied_networks[1]']);
    assert.deepEqual(verdict(connect(p, '10.2.3.4', 53, 'udp')), ['ALLOW', 'allowed_networks[4]']);
  });
  it('port ranges are inclusive', () => {
    assert.deepEqual(verdict(connect(p, '::1', 8000)), ['ALLOW', 'allowed_networks[3]']);
    assert.deepEqual(verdict(connect(p, '::1', 9000, 'udp')), ['ALLOW', 'allowed_networks[3]']);
    assert.deepEqual(verdict(connect(p, '::1', 9001)), ['BLOCK', 'default']);
    assert.deepEqual(verdict(connect(p, '::1', 7999)), ['BLOCK', 'default']);
  });
  it('IPv6 CIDRs', () => {
    assert.deepEqual(verdict(connect(p, '2606:4700::1', 443)), ['ALLOW', 'allowed_networks[1]']);
    assert.deepEqual(verdict(connect(p, '2001:db8:1::5', 443)), ['BLOCK', 'denied_networks[2]']);
    assert.deepEqual(verdict(connect(p, '2001:db9::5', 80)), ['BLOCK', 'default']);
  });
  it('an IPv4-mapped IPv6 destination matches IPv4 rules, and only those', () => {
    assert.deepEqual(verdict(connect(p, '::ffff:169.254.169.254', 443)), ['BLOCK', 'denied_networks[0]']);
    assert.deepEqual(verdict(connect(p, '::ffff:127.0.0.1', 5)), ['ALLOW', 'allowed_networks[2]']);
    assert.deepEqual(verdict(connect(p, '::ffff:5db8:d822', 443)), ['ALLOW', 'allowed_networks[0]']);
    // [::/0]:443 is an IPv6 rule; 0.0.0.0/0:443 decided the mapped address above.
    const v6only = load("name: x\nallowed_networks: ['[::/0]:443']\n");
    assert.deepEqual(verdict(connect(v6only, '::ffff:1.2.3.4', 443)), ['BLOCK', 'default']);
    assert.deepEqual(verdict(connect(v6only, '1.2.3.4', 443)), ['BLOCK', 'default']);
  });
  it('an IPv4-mapped rule matches plain IPv4 destinations', () => {
    const q = load("name: x\nallowed_networks: ['::ffff:10.0.0.0/104']\n");
    assert.deepEqual(verdict(connect(q, '10.9.9.9', 1)), ['ALLOW', 'allowed_networks[0]']);
    assert.deepEqual(verdict(connect(q, '::ffff:10.9.9.9', 1)), ['ALLOW', 'allowed_networks[0]']);
  });
  it('rejects invalid inputs loudly', () => {
    assert.throws(() => connect(p, 'example.com', 443), TypeError);
    assert.throws(() => connect(p, '1.2.3.4', 70000), TypeError);
  });
});

describe('commands', () => {
  const p = load(`name: x
default_policy: {commands: deny}
denied_commands:
  - nc
  - nc.*
  - /usr/bin/socat
  - /opt/evil/**
allowed_commands:
  - /usr/bin/git
  - python3*
  - /usr/local/bin/*
  - nc.openbsd
`);
  it('by resolved path and by basename', () => {
    assert.deepEqual(verdict(exec(p, '/usr/bin/git')), ['ALLOW', 'allowed_commands[0]']);
    assert.deepEqual(verdict(exec(p, '/usr/bin/python3.12')), ['ALLOW', 'allowed_commands[1]']);
    assert.deepEqual(verdict(exec(p, '/home/u/.venv/bin/python3')), ['ALLOW', 'allowed_commands[1]']);
    assert.deepEqual(verdict(exec(p, '/usr/local/bin/tool')), ['ALLOW', 'allowed_commands[2]']);
    assert.deepEqual(verdict(exec(p, '/usr/local/bin/sub/tool')), ['BLOCK', 'default']);
    assert.deepEqual(verdict(exec(p, '/bin/git')), ['BLOCK', 'default']);
  });
  it('denied beats allowed for commands too', () => {
    assert.deepEqual(verdict(exec(p, '/usr/bin/nc.openbsd')), ['BLOCK', 'denied_commands[1]']);
    assert.deepEqual(verdict(exec(p, '/usr/bin/socat')), ['BLOCK', 'denied_commands[2]']);
    assert.deepEqual(verdict(exec(p, '/opt/evil/x/y')), ['BLOCK', 'denied_commands[3]']);
  });
  it('the requested name adds denials but never allows', () => {
    // `nc` symlinked elsewhere: the requested basename is denied.
    assert.deepEqual(verdict(exec(p, '/usr/bin/busybox', '/usr/bin/nc')), ['BLOCK', 'denied_commands[0]']);
    assert.deepEqual(verdict(exec(p, '/usr/bin/busybox', 'nc')), ['BLOCK', 'denied_commands[0]']);
    assert.deepEqual(verdict(exec(p, '/usr/bin/x', '/opt/evil/link')), ['BLOCK', 'denied_commands[3]']);
    // A symlink named like an allowed command does not allow its target.
    assert.deepEqual(verdict(exec(p, '/bin/bash', '/tmp/git')), ['BLOCK', 'default']);
    assert.deepEqual(verdict(exec(p, '/bin/bash', '/usr/bin/git')), ['BLOCK', 'default']);
  });
});

describe('paths past the kernel bound', () => {
  const long = '/data/' + 'x'.repeat(POLICY_PATH_BOUND);
  const atBound = '/' + 'y'.repeat(POLICY_PATH_BOUND - 1);
  it('a path exactly at the bound is matched normally', () => {
    const p = load('name: x\ndefault_policy: allow\ndenied_paths: [/y*]\n');
    assert.equal(Buffer.byteLength(atBound), POLICY_PATH_BOUND);
    assert.deepEqual(verdict(open(p, atBound)), ['BLOCK', 'denied_paths[0]']);
    assert.deepEqual(verdict(open(p, atBound + 'y')), ['ALLOW', PATH_BOUND_RULE]);
  });
  it('default deny: blocked even if an allowed rule would match', () => {
    const p = load('name: x\ndefault_policy: deny\nallowed_paths: [/data/**]\n');
    const d = open(p, long);
    assert.deepEqual(verdict(d), ['BLOCK', PATH_BOUND_RULE]);
    assert.match(d.reason, /over the 4095-byte bound; default for paths is deny/);
  });
  it('default allow: blocked when a denied rule could match a long path', () => {
    const p = load('name: x\ndefault_policy: allow\ndenied_paths: [/secret/**]\n');
    assert.deepEqual(verdict(open(p, long)), ['BLOCK', PATH_BOUND_RULE]);
  });
  it('default allow: allowed when no denied rule could match a long path', () => {
    const p = load('name: x\ndefault_policy: allow\ndenied_paths: [/etc/shadow, /etc/shadow*, /x/*/y]\n');
    assert.deepEqual(verdict(open(p, long)), ['ALLOW', PATH_BOUND_RULE]);
  });
  it('only denied rules covering the access count; audit-only ones give AUDIT', () => {
    const p = load(`name: x
default_policy: allow
denied_paths:
  - {pattern: /w/**, access: write}
  - {pattern: /a/**, action: audit, access: read}
`);
    assert.deepEqual(verdict(open(p, long, 'read')), ['AUDIT', PATH_BOUND_RULE]);
    assert.deepEqual(verdict(open(p, long, 'write')), ['BLOCK', PATH_BOUND_RULE]);
  });
  it('audit mode reports it as AUDIT', () => {
    const p = load('name: x\nmode: audit\ndefault_policy: deny\n');
    assert.deepEqual(verdict(open(p, long)), ['AUDIT', PATH_BOUND_RULE]);
  });
  it('the bound is on normalised bytes, not characters', () => {
    const p = load('name: x\ndefault_policy: allow\ndenied_paths: [/s/**]\n');
    const multibyte = '/' + 'é'.repeat(2048); // 4097 bytes, 2049 characters
    assert.deepEqual(verdict(open(p, multibyte)), ['BLOCK', PATH_BOUND_RULE]);
    const collapsed = '/' + '/'.repeat(5000) + 'ok';
    assert.deepEqual(verdict(open(p, collapsed)), ['ALLOW', 'default']);
  });
  it('exec: basename rules still decide, path rules cannot', () => {
    const p = load(`name: x
default_policy: {commands: deny}
denied_commands: [nc]
allowed_commands: [tool, /data/**]
`);
    assert.deepEqual(verdict(exec(p, long + '/nc')), ['BLOCK', 'denied_commands[0]']);
    assert.deepEqual(verdict(exec(p, long + '/tool')), ['ALLOW', 'allowed_commands[0]']);
    assert.deepEqual(verdict(exec(p, long + '/other')), ['BLOCK', PATH_BOUND_RULE]);
    const q = load('name: x\ndefault_policy: {commands: allow}\ndenied_commands: [/opt/**]\n');
    assert.deepEqual(verdict(exec(q, long + '/other')), ['BLOCK', PATH_BOUND_RULE]);
  });
});

describe('a loaded profile is plain data', () => {
  it('survives a JSON round-trip and decides the same', () => {
    const p = load(`name: x
default_policy: {paths: allow, networks: deny, commands: deny}
denied_paths: [~/.ssh/**, /**/.env, /etc/shadow*, '/x/[!a]?/**/y']
allowed_networks: ['[::1]:80', 10.0.0.0/8:443/tcp]
allowed_commands: [git*, /usr/bin/ls]
`);
    const copy = JSON.parse(JSON.stringify(p)) as Profile;
    assert.deepEqual(copy, p);
    const inputs: PolicyInput[] = [
      { kind: 'open', path: '/home/u/.ssh/id_rsa', access: 'read' },
      { kind: 'open', path: '/x/bb/q/y', access: 'write' },
      { kind: 'connect', ip: '10.0.0.1', port: 443, proto: 'tcp' },
      { kind: 'exec', path: '/usr/bin/git-upload-pack' },
    ];
    for (const input of inputs) assert.deepEqual(evaluate(copy, input), evaluate(p, input));
  });
});

describe('generated inputs', () => {
  const p = load(`name: x
default_policy: {paths: deny, networks: deny, commands: allow}
denied_paths: [~/.ssh/**, /**/.env, /etc/shadow*, /proc/*/environ, '/a/[0-9]?/**/z*']
allowed_paths: [/home/u/**, /usr/**, {pattern: /etc/**, access: read}]
allowed_networks: [0.0.0.0/0:443/tcp, '[::/0]:443/tcp', 127.0.0.0/8]
denied_networks: [169.254.0.0/16]
denied_commands: [nc, /usr/bin/socat]
`);
  const parts = [
    'home',
    'u',
    '.ssh',
    '.env',
    'etc',
    'shadow',
    'usr',
    'a',
    '12',
    'z9',
    'proc',
    '1',
    'environ',
    '..',
    '.',
    '',
    'é',
  ];
  let seed = 7;
  const rand = (n: number): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed % n;
  };
  const inputs: PolicyInput[] = [];
  for (let i = 0; i < 100_000; i++) {
    const k = rand(10);
    if (k < 7) {
      const path = '/' + Array.from({ length: rand(8) }, () => parts[rand(parts.length)]).join('/');
      inputs.push({
        kind: 'open',
        path,
        access: (['read', 'write', 'read-write'] as const)[rand(3)] ?? 'read',
      });
    } else if (k < 9) {
      const ip =
        rand(2) === 0
          ? `${rand(256)}.${rand(256)}.${rand(256)}.${rand(256)}`
          : `2001:db8::${rand(65536).toString(16)}`;
      inputs.push({
        kind: 'connect',
        ip,
        port: rand(2) === 0 ? 443 : rand(65536),
        proto: rand(2) === 0 ? 'tcp' : 'udp',
      });
    } else {
      inputs.push({ kind: 'exec', path: '/usr/bin/' + (['nc', 'socat', 'git', 'ls'][rand(4)] ?? 'ls') });
    }
  }
  it('decides 100,000 inputs deterministically and fast', () => {
    const first = createEvaluator(p);
    const second = createEvaluator(p);
    const start = process.hrtime.bigint();
    const a = inputs.map(first);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const b = inputs.map(second);
    assert.deepEqual(a, b);
    assert.ok(ms < 5000, `100k decisions took ${ms} ms`);
    const counts = new Map<string, number>();
    for (const d of a) counts.set(d.action, (counts.get(d.action) ?? 0) + 1);
    // Every verdict kind the profile can give shows up: the generator is not degenerate.
    assert.ok(
      (counts.get('ALLOW') ?? 0) > 1000 && (counts.get('BLOCK') ?? 0) > 1000,
      JSON.stringify([...counts]),
    );
  });
  it('agrees with a hand-written oracle on the secret rules', () => {
    for (const input of inputs) {
      if (input.kind !== 'open' || typeof input.path !== 'string') continue;
      const d = evaluate(p, input);
      const comps = input.path
        .split('/')
        .reduce<string[]>(
          (acc, c) => (c === '' || c === '.' ? acc : c === '..' ? acc.slice(0, -1) : [...acc, c]),
          [],
        );
      if (comps[comps.length - 1] === '.env') assert.equal(d.action, 'BLOCK', input.path);
      if (comps[0] === 'home' && comps[1] === 'u' && comps[2] === '.ssh')
        assert.equal(d.rule, 'denied_paths[0]', input.path);
    }
  });
});
