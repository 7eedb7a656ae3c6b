import assert from 'node:assert/strict';
import { test } from 'node:test';

import { learnProfile } from '../../../src/learn/learn-profile.js';
import { learningProfileYaml } from '../../../src/learn/learning-profile.js';
import { loadBuiltinProfile } from '../../../src/policy/builtin-profiles.js';
import { evaluate } from '../../../src/policy/evaluate.js';
import { loadProfileText } from '../../../src/policy/load-profile.js';

const places = { home: '/home/dev', workspace: '/home/dev/app' };

/** Audit lines in the shape vigil writes them (only the fields the learner reads matter). */
const line = (event: string, action: string, rule: string, fields: Record<string, unknown>): unknown => ({
  ts: '2026-12-06T10:00:00.000Z',
  event,
  action,
  rule,
  session: 'run-7',
  profile: 'generic',
  uid: 1000,
  ...fields,
});
const open = (path: string, flags = ['O_RDONLY'], action = 'AUDIT', rule = 'default'): unknown =>
  line('file_open', action, rule, { path, path_truncated: false, flags });

const LINES = [
  { event: 'session_start', action: 'OBSERVE', session: 'run-7' },
  line('exec', 'AUDIT', 'default', { path: '/usr/bin/git', path_truncated: false, argv: ['git'] }),
  line('exec', 'AUDIT', 'default', { path: '/usr/bin/git', path_truncated: false, argv: ['git', 'log'] }),
  open('/usr/lib/x86_64-linux-gnu/libc.so.6', ['O_RDONLY'], 'ALLOW', 'allowed_paths[7]'),
  open('/home/dev/.gitconfig'),
  open('/home/dev/.cache/tool/state.json', ['O_WRONLY', 'O_CREAT', 'O_TRUNC']),
  open('/home/dev/.ssh/id_ed25519', ['O_RDONLY'], 'AUDIT', 'denied_paths[0]'),
  line('unlink', 'AUDIT', 'default', { path: '/home/dev/.cache/tool/old.json', op: 'unlink', result: 'ok' }),
  line('rename', 'AUDIT', 'default', {
    path: '/home/dev/.cache/tool/state.tmp',
    target: '/home/dev/.cache/tool/state.json',
    result: 'ok',
  }),
  line('net_connect', 'ALLOW', 'dns_proxy', {
    dest_ip: '10.0.0.53',
    dest_port: 53,
    protocol: 'udp',
    family: 'AF_INET',
  }),
  line('net_connect', 'AUDIT', 'default', {
    dest_ip: '198.51.100.7',
    dest_port: 5432,
    protocol: 'tcp',
    family: 'AF_INET',
  }),
  line('net_connect', 'AUDIT', 'default', {
    dest_ip: '192.0.2.10',
    dest_port: 443,
    protocol: 'tcp',
    family: 'AF_INET',
    dest_host: 'api.example.com',
  }),
  line('socket_create', 'AUDIT', 'raw_sockets', { family: 'AF_INET', type: 'SOCK_RAW', protocol: 'icmp' }),
  line('file_open', 'AUDIT', 'default', {
    path: `/srv/${'x'.repeat(40)}`,
    path_truncated: true,
    flags: ['O_RDONLY'],
  }),
  { ...(open('/home/dev/other') as object), session: 'run-8' },
];

test('learned over a built-in: defaults deny, rules for what only a default allowed, base refusals listed', () => {
  const base = loadBuiltinProfile('generic', places);
  const r = learnProfile({
    lines: LINES,
    base,
    baseRef: { builtin: 'generic' },
    places,
    name: 'dev',
    file: 'dev.yaml',
    session: 'run-7',
  });
  const rules = r.learning.rules.map((x) => `${x.list} ${x.pattern} ${x.access?.join('+') ?? 'any'}`);
  assert.deepEqual(rules, [
    'allowed_paths ~/.cache/tool/old.json unlink',
    'allowed_paths ~/.cache/tool/state.json write+rename',
    'allowed_paths ~/.cache/tool/state.tmp rename',
    'allowed_paths ~/.gitconfig read',
    'allowed_commands /usr/bin/git any',
    'allowed_networks 198.51.100.7:5432/tcp any',
    'allowed_hosts api.example.com:443 any',
  ]);
  assert.deepEqual(r.learning.sessions, ['run-7'], 'only the session asked for');
  assert.deepEqual(
    r.learning.refused.map((x) => `${x.event} ${x.target} ${x.verdict} ${x.rule} ${x.written}`),
    [
      'open /home/dev/.ssh/id_ed25519 BLOCK denied_paths[0] ~/.ssh/**',
      'socket_create SOCK_RAW AUDIT raw_sockets socket_create',
    ],
  );
  assert.equal(r.learning.unlearnable.length, 1);
  assert.match(r.yaml, /^extends: generic$/m);
  assert.match(r.yaml, /# learned: 2 execs, e\.g\. \/usr\/bin\/git\n {2}- \/usr\/bin\/git/);
  assert.equal(r.profile.defaults.paths, 'deny');
  assert.equal(r.profile.mode, 'enforce');
  // what the base denies is still denied, by the base's rule
  const key = evaluate(r.profile, { kind: 'open', path: '/home/dev/.ssh/id_ed25519', access: 'read' });
  assert.deepEqual([key.action, key.rule], ['BLOCK', 'denied_paths[0]']);
  assert.equal(
    evaluate(r.profile, { kind: 'open', path: '/home/dev/.gitconfig', access: 'write' }).action,
    'BLOCK',
  );
  assert.equal(evaluate(r.profile, { kind: 'exec', path: '/usr/bin/curl' }).action, 'BLOCK');
  assert.match(r.diff, /~ default_policy: paths allow -> deny/);
  assert.match(r.diff, /\+ allowed_hosts: api\.example\.com:443/);
  assert.match(r.diff, /! open \/home\/dev\/\.ssh\/id_ed25519: BLOCK by denied_paths\[0\] '~\/\.ssh\/\*\*'/);
  assert.match(r.diff, /\? file_open \/srv\/x+: the path was longer than the kernel records/);
});

test('learned over a profile file: the file with its comments, the rules appended', () => {
  const text =
    '# our team profile\nname: team\ndefault_policy: allow\ndenied_paths:\n  - ~/.ssh/** # keys\nallowed_paths:\n  - /usr/**\n';
  const base = loadProfileText(text, '/etc/vigil/team.yaml', places);
  const r = learnProfile({
    lines: LINES,
    base,
    baseRef: { file: '/etc/vigil/team.yaml', text },
    places,
    name: 'team-learned',
    file: 'team-learned.yaml',
    session: 'run-7',
  });
  assert.match(r.yaml, /# our team profile/);
  assert.match(r.yaml, /- ~\/\.ssh\/\*\* # keys/);
  assert.match(r.yaml, /^name: team-learned$/m);
  assert.match(r.yaml, /- \/usr\/\*\*\n {2}# learned: 1 call, e\.g\. \/home\/dev\/\.cache\/tool\/old\.json/);
  assert.equal(r.profile.paths.allowed[0]?.written, '/usr/**', "the base's rules come first");
  assert.equal(
    evaluate(r.profile, { kind: 'open', path: '/home/dev/.ssh/k', access: 'read' }).action,
    'BLOCK',
  );
});

test('the learning profile: the base in audit mode with every default audit', () => {
  const p = loadProfileText(learningProfileYaml({ builtin: 'claude-code' }), 'l.yaml', places);
  assert.equal(p.mode, 'audit');
  assert.deepEqual(Object.values(p.defaults), ['audit', 'audit', 'audit', 'audit', 'audit']);
  assert.deepEqual(p.extends, ['claude-code']);
  const text = 'name: mine\nmode: enforce\ndefault_policy: deny\n';
  const f = loadProfileText(learningProfileYaml({ file: '/x/mine.yaml', text }), 'l.yaml', places);
  assert.equal(f.mode, 'audit');
  assert.equal(f.defaults.commands, 'audit');
});
