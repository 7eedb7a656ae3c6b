import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadProfileFile, loadProfileText } from '../../../src/policy/load-profile.js';
import { ProfileError, VigilError } from '../../../src/policy/profile-errors.js';
import type { ProfileErrorCode } from '../../../src/policy/profile-errors.js';

const vars = { home: '/home/u', workspace: '/home/u/proj' };
const load = (yaml: string) => loadProfileText(yaml, 'p.yaml', vars);

/** Asserts one ProfileError with this code at line:column, and returns its message. */
function fails(yaml: string, code: ProfileErrorCode, line: number, column: number, message: RegExp): void {
  assert.throws(
    () => load(yaml),
    (e: unknown) => {
      assert.ok(e instanceof ProfileError, `not a ProfileError: ${String(e)}`);
      assert.ok(e instanceof VigilError);
      assert.equal(e.code, code, e.message);
      assert.equal(e.file, 'p.yaml');
      assert.deepEqual([e.line, e.column], [line, column], e.message);
      assert.ok(e.message.startsWith(`p.yaml:${line}:${column}: `), e.message);
      assert.match(e.detail, message);
      assert.equal(e.message.split('\n').length, 1, 'one line');
      return true;
    },
  );
}

describe('seed format', () => {
  it('loads a seed profile unchanged, with the single default for every kind', () => {
    const p = load(`name: gemini-cli
version: "1.0"
description: Gemini CLI agent
entry_comm: gemini
default_policy: deny
denied_paths:
  - ~/.ssh/*
  - /etc/shadow
allowed_paths:
  - /home/u/proj/**
  - /tmp/*
allowed_networks:
  - 142.250.0.0/15
  - 2607:f8b0::/32
allowed_commands:
  - /usr/bin/git
  - node
`);
    assert.equal(p.name, 'gemini-cli');
    assert.equal(p.version, '1.0');
    assert.deepEqual(p.entryComm, ['gemini']);
    assert.equal(p.mode, 'enforce');
    assert.deepEqual(p.defaults, {
      paths: 'deny',
      networks: 'deny',
      commands: 'deny',
      unlinks: 'deny',
      renames: 'deny',
    });
    assert.deepEqual(
      p.paths.denied.map((r) => [r.id, r.plan.pattern, r.access, r.action]),
      [
        ['denied_paths[0]', '/home/u/.ssh/*', 'any', 'block'],
        ['denied_paths[1]', '/etc/shadow', 'any', 'block'],
      ],
    );
    assert.deepEqual(
      p.networks.allowed.map((r) => [r.target.cidr, r.target.family, r.target.ports, r.target.protocol]),
      [
        ['142.250.0.0/15', 4, null, 'any'],
        ['2607:f8b0::/32', 6, null, 'any'],
      ],
    );
    assert.deepEqual(
      p.commands.allowed.map((r) => r.match),
      [
        {
          by: 'path',
          plan: { strategy: 'exact', pattern: '/usr/bin/git', path: '/usr/bin/git', overBound: false },
        },
        { by: 'basename', strategy: 'exact', name: 'node' },
      ],
    );
  });

  it('keeps a numeric version as written', () => {
    assert.equal(load('name: a\nversion: 1.0\n').version, '1.0');
  });

  it('defaults to enforce and deny for every kind when nothing is said', () => {
    const p = load('name: bare\n');
    assert.equal(p.mode, 'enforce');
    assert.deepEqual(p.defaults, {
      paths: 'deny',
      networks: 'deny',
      commands: 'deny',
      unlinks: 'deny',
      renames: 'deny',
    });
    assert.deepEqual(p.entryComm, []);
  });

  it('records each rule origin', () => {
    const p = load('name: a\ndenied_paths:\n  - /x\n  - pattern: /y\n');
    assert.deepEqual(
      p.paths.denied.map((r) => [r.origin.profile, r.origin.file, r.origin.line, r.origin.column]),
      [
        ['a', 'p.yaml', 3, 5],
        ['a', 'p.yaml', 4, 14],
      ],
    );
  });
});

describe('extensions', () => {
  it('mode, per-kind defaults, per-rule actions and access', () => {
    const p = load(`name: x
mode: audit
default_policy: {paths: allow, networks: deny}
denied_paths:
  - pattern: /etc/**
    access: write
    action: kill
  - {pattern: /srv/log/*, action: audit, access: read}
allowed_paths:
  - pattern: /usr/**
    access: read
`);
    assert.equal(p.mode, 'audit');
    assert.deepEqual(p.defaults, {
      paths: 'allow',
      networks: 'deny',
      commands: 'deny',
      unlinks: 'allow',
      renames: 'allow',
    });
    assert.deepEqual(
      p.paths.denied.map((r) => [r.access, r.action]),
      [
        ['write', 'kill'],
        ['read', 'audit'],
      ],
    );
    assert.deepEqual(
      p.paths.allowed.map((r) => [r.access, r.action]),
      [['read', 'allow']],
    );
  });

  it('denied networks with ports, ranges, protocols, in string and object form', () => {
    const p = load(`name: x
denied_networks:
  - 10.0.0.0/8:443
  - '[::1]:8000-9000'
  - 0.0.0.0/0:53/udp
  - '[2001:db8::/32]:22/tcp'
  - 192.168.1.7:*/tcp
  - {cidr: 172.16.0.0/12, ports: [80, '8000-8080'], protocol: tcp, action: kill}
  - {cidr: '::ffff:10.1.0.0/112', ports: 5432}
`);
    assert.deepEqual(
      p.networks.denied.map((r) => [r.target.cidr, r.target.ports, r.target.protocol, r.action]),
      [
        ['10.0.0.0/8', [[443, 443]], 'any', 'block'],
        ['::1/128', [[8000, 9000]], 'any', 'block'],
        ['0.0.0.0/0', [[53, 53]], 'udp', 'block'],
        ['2001:db8::/32', [[22, 22]], 'tcp', 'block'],
        ['192.168.1.7/32', null, 'tcp', 'block'],
        [
          '172.16.0.0/12',
          [
            [80, 80],
            [8000, 8080],
          ],
          'tcp',
          'kill',
        ],
        // An IPv4-mapped IPv6 rule is stored as the IPv4 rule.
        ['10.1.0.0/16', [[5432, 5432]], 'any', 'block'],
      ],
    );
  });

  it('clears host bits of a CIDR', () => {
    assert.equal(
      load('name: x\nallowed_networks: [10.1.2.3/8]\n').networks.allowed[0]?.target.cidr,
      '10.0.0.0/8',
    );
  });

  it('denied commands by path, by basename, with globs and actions', () => {
    const p = load(`name: x
denied_commands:
  - nc
  - nc.*
  - /usr/bin/python3*
  - {command: ~/bin/tool, action: kill}
`);
    assert.deepEqual(
      p.commands.denied.map((r) => [r.match.by, r.action]),
      [
        ['basename', 'block'],
        ['basename', 'block'],
        ['path', 'block'],
        ['path', 'kill'],
      ],
    );
    const m = p.commands.denied[3]?.match;
    assert.ok(m?.by === 'path' && m.plan.strategy === 'exact' && m.plan.path === '/home/u/bin/tool');
    assert.equal(
      p.commands.denied[1]?.match.by === 'basename' && p.commands.denied[1].match.strategy,
      'glob',
    );
  });

  it('entry_comm may be a list', () => {
    assert.deepEqual(load('name: x\nentry_comm: [a, b]\n').entryComm, ['a', 'b']);
  });
});

describe('variables', () => {
  it('expands ${HOME}, ${WORKSPACE} and a leading ~', () => {
    const p = load(`name: x
denied_paths:
  - \${HOME}/.aws/**
  - ~/.ssh/**
  - \${WORKSPACE}/.git/config
  - '~'
`);
    assert.deepEqual(
      p.paths.denied.map((r) => r.plan.pattern),
      ['/home/u/.aws/**', '/home/u/.ssh/**', '/home/u/proj/.git/config', '/home/u'],
    );
    assert.equal(p.paths.denied[0]?.written, '${HOME}/.aws/**');
  });

  it('ignores a trailing slash in a value', () => {
    const p = loadProfileText("name: x\ndenied_paths: ['${HOME}', ~/.ssh/**]\n", 'p.yaml', {
      home: '/home/u/',
    });
    assert.deepEqual(
      p.paths.denied.map((r) => r.plan.pattern),
      ['/home/u', '/home/u/.ssh/**'],
    );
    const root = loadProfileText("name: x\ndenied_paths: ['${HOME}', ~/.ssh]\n", 'p.yaml', { home: '/' });
    assert.deepEqual(
      root.paths.denied.map((r) => r.plan.pattern),
      ['/', '/.ssh'],
    );
  });

  it('matches glob characters in a value literally', () => {
    const p = loadProfileText('name: x\ndenied_paths: [~/secret]\n', 'p.yaml', { home: '/home/a*[b]' });
    const plan = p.paths.denied[0]?.plan;
    assert.ok(plan?.strategy === 'exact');
    assert.equal(plan.path, '/home/a*[b]/secret');
  });

  it('refuses unknown, unset, bare and relative variables at the rule', () => {
    fails(
      'name: x\ndenied_paths:\n  - ${USER}/x\n',
      'VIGIL_PROFILE_VARIABLE',
      3,
      5,
      /unknown variable \$\{USER\}/,
    );
    fails(
      'name: x\ndenied_paths:\n  - $HOME/x\n',
      'VIGIL_PROFILE_VARIABLE',
      3,
      5,
      /write variables as \$\{HOME\}/,
    );
    fails(
      'name: x\ndenied_paths:\n  - ~root/x\n',
      'VIGIL_PROFILE_VARIABLE',
      3,
      5,
      /'~user' is not supported/,
    );
    assert.throws(
      () => loadProfileText("name: x\nallowed_paths: ['${WORKSPACE}/**']\n", 'p.yaml', { home: '/h' }),
      /p\.yaml:2:17: allowed_paths\[0\] '\$\{WORKSPACE\}\/\*\*': \$\{WORKSPACE\} is used but no value was given/,
    );
    assert.throws(
      () => loadProfileText('name: x\nallowed_paths: [~/x]\n', 'p.yaml', { home: 'rel' }),
      /must be an absolute path, got 'rel'/,
    );
  });
});

describe('errors: one message with file:line:column', () => {
  it('broken YAML', () => {
    fails('name: x\ndenied_paths: [/a, /b\n', 'VIGIL_PROFILE_YAML', 3, 1, /invalid YAML: Flow sequence/);
    fails('name: x\nname: y\n', 'VIGIL_PROFILE_YAML', 2, 1, /Map keys must be unique/);
    fails('name: x\n---\nname: y\n', 'VIGIL_PROFILE_YAML', 2, 1, /multiple documents/);
  });

  it('not a mapping, or empty', () => {
    fails('', 'VIGIL_PROFILE_INVALID', 1, 1, /the profile is empty/);
    fails('- a\n- b\n', 'VIGIL_PROFILE_INVALID', 1, 1, /a profile is a mapping of keys, got a list/);
  });

  it('unknown keys, at the key', () => {
    fails(
      'name: x\ndenied_path:\n  - /a\n',
      'VIGIL_PROFILE_INVALID',
      2,
      1,
      /unknown key 'denied_path' in profile; expected one of: name,/,
    );
    fails(
      'name: x\ndenied_paths:\n  - pattern: /a\n    acess: read\n',
      'VIGIL_PROFILE_INVALID',
      4,
      5,
      /unknown key 'acess' in denied_paths\[0\]; expected one of: pattern, access, action/,
    );
    fails(
      'name: x\nallowed_paths:\n  - {pattern: /a, action: kill}\n',
      'VIGIL_PROFILE_INVALID',
      3,
      19,
      /unknown key 'action' in allowed_paths\[0\]; expected one of: pattern, access$/,
    );
    fails(
      'name: x\ndefault_policy: {files: allow}\n',
      'VIGIL_PROFILE_INVALID',
      2,
      18,
      /unknown key 'files' in default_policy/,
    );
  });

  it('reports the earliest problem in the file', () => {
    fails('zzz: 1\nname: x\nmode: loud\n', 'VIGIL_PROFILE_INVALID', 1, 1, /unknown key 'zzz'/);
  });

  it('wrong types and values', () => {
    fails(
      'name: x\nmode: loud\n',
      'VIGIL_PROFILE_INVALID',
      2,
      7,
      /mode: expected one of 'enforce', 'audit'; got 'loud'/,
    );
    fails('name: [a]\n', 'VIGIL_PROFILE_INVALID', 1, 7, /name: expected a string; got a list/);
    fails(
      'name: x\ndenied_paths: /etc/shadow\n',
      'VIGIL_PROFILE_INVALID',
      2,
      15,
      /denied_paths: expected a list; got '\/etc\/shadow'/,
    );
    fails(
      'name: x\ndenied_paths:\n  - 42\n',
      'VIGIL_PROFILE_INVALID',
      3,
      5,
      /denied_paths\[0\]: expected a string or a mapping; got number 42/,
    );
    fails(
      'name: x\ndenied_paths:\n  - {pattern: /a, action: stop}\n',
      'VIGIL_PROFILE_INVALID',
      3,
      27,
      /denied_paths\[0\]\.action: expected one of 'block', 'kill', 'audit'; got 'stop'/,
    );
    fails(
      'name: x\ndefault_policy: maybe\n',
      'VIGIL_PROFILE_INVALID',
      2,
      17,
      /default_policy: expected a string or a mapping; got 'maybe'|expected one of 'allow', 'deny'/,
    );
    fails(
      'name: x\nentry_comm: a-very-long-process-name\n',
      'VIGIL_PROFILE_INVALID',
      2,
      13,
      /entry_comm: expected string length less or equal to 15/,
    );
    fails(
      'name: x\nentry_comm: ééééééééé\n',
      'VIGIL_PROFILE_INVALID',
      2,
      13,
      /longer than the kernel's 15-byte comm/,
    );
    fails(
      'name: x\ndenied_paths:\n  - {access: read}\n',
      'VIGIL_PROFILE_INVALID',
      3,
      5,
      /missing required key 'pattern' in denied_paths\[0\]/,
    );
    fails('version: 1\n', 'VIGIL_PROFILE_INVALID', 1, 1, /missing required key 'name' in profile/);
  });

  it('invalid CIDRs, ports and protocols', () => {
    fails(
      'name: x\nallowed_networks:\n  - 10.0.0.0/33\n',
      'VIGIL_PROFILE_NETWORK',
      3,
      5,
      /prefix length '33' must be 0-32/,
    );
    fails(
      'name: x\nallowed_networks:\n  - 10.0.0.256\n',
      'VIGIL_PROFILE_NETWORK',
      3,
      5,
      /'10\.0\.0\.256' is not an IP address/,
    );
    fails(
      'name: x\nallowed_networks:\n  - api.anthropic.com:443\n',
      'VIGIL_PROFILE_NETWORK',
      3,
      5,
      /hostnames cannot be enforced in the kernel/,
    );
    fails(
      'name: x\nallowed_networks:\n  - 10.0.0.0/8:70000\n',
      'VIGIL_PROFILE_NETWORK',
      3,
      5,
      /port 70000 is out of range/,
    );
    fails(
      'name: x\nallowed_networks:\n  - 10.0.0.0/8:90-80\n',
      'VIGIL_PROFILE_NETWORK',
      3,
      5,
      /runs backwards/,
    );
    fails(
      'name: x\nallowed_networks:\n  - 10.0.0.0/8:53/icmp\n',
      'VIGIL_PROFILE_NETWORK',
      3,
      5,
      /unknown protocol 'icmp'/,
    );
    fails("name: x\nallowed_networks:\n  - '[::1:80'\n", 'VIGIL_PROFILE_NETWORK', 3, 5, /missing '\]'/);
    fails(
      'name: x\nallowed_networks:\n  - {cidr: 10.0.0.0/8, ports: [443, 0]}\n',
      'VIGIL_PROFILE_INVALID',
      3,
      37,
      /ports\[1\]/,
    );
    fails(
      "name: x\nallowed_networks:\n  - {cidr: 10.0.0.0/8, ports: ['9-1']}\n",
      'VIGIL_PROFILE_NETWORK',
      3,
      32,
      /runs backwards/,
    );
    fails(
      'name: x\nallowed_networks:\n  - {cidr: 10.0.0.0/8:80, ports: 443}\n',
      'VIGIL_PROFILE_NETWORK',
      3,
      34,
      /ports given both/,
    );
    fails(
      'name: x\nallowed_networks:\n  - {cidr: 10.0.0.0/8:80/tcp, protocol: udp}\n',
      'VIGIL_PROFILE_NETWORK',
      3,
      41,
      /protocol given both/,
    );
  });

  it('invalid globs and relative patterns, at the value', () => {
    fails(
      'name: x\ndenied_paths:\n  - .ssh/id_rsa\n',
      'VIGIL_PROFILE_PATTERN',
      3,
      5,
      /denied_paths\[0\] '\.ssh\/id_rsa': pattern must be an absolute path/,
    );
    fails(
      'name: x\ndenied_paths:\n  - pattern: /a/[bc\n',
      'VIGIL_PROFILE_PATTERN',
      3,
      14,
      /unclosed character class/,
    );
    fails(
      'name: x\nallowed_paths:\n  - /x/**y\n',
      'VIGIL_PROFILE_PATTERN',
      3,
      5,
      /'\*\*' must be a whole path component/,
    );
    fails('name: x\ndenied_paths:\n  - ~/.ssh/\n', 'VIGIL_PROFILE_PATTERN', 3, 5, /ends with '\/'/);
    fails(
      'name: x\ndenied_commands:\n  - bin/nc\n',
      'VIGIL_PROFILE_PATTERN',
      3,
      5,
      /must be an absolute path/,
    );
    fails(
      'name: x\ndenied_commands:\n  - "**"\n',
      'VIGIL_PROFILE_PATTERN',
      3,
      5,
      /'\*\*' cannot be used in a command basename/,
    );
    fails('name: x\ndenied_commands:\n  - ..\n', 'VIGIL_PROFILE_PATTERN', 3, 5, /not a command name/);
    const long = '/' + 'a'.repeat(4100);
    fails(
      `name: x\ndenied_paths:\n  - ${long}\n`,
      'VIGIL_PROFILE_PATTERN',
      3,
      5,
      /shortest path it matches is 4101 bytes, over the kernel's bound of 4095 bytes/,
    );
  });

  it('unknown built-in in extends', () => {
    fails(
      'name: x\nextends: claude\n',
      'VIGIL_PROFILE_UNKNOWN_BUILTIN',
      2,
      10,
      /unknown built-in profile 'claude'; built-ins are: .*claude-code/,
    );
  });

  it('an unreadable file', () => {
    assert.throws(
      () => loadProfileFile('/nonexistent/p.yaml'),
      (e: unknown) =>
        e instanceof ProfileError &&
        e.code === 'VIGIL_PROFILE_READ' &&
        e.line === undefined &&
        e.cause instanceof Error,
    );
  });
});

describe('extends', () => {
  it('adds rules after the base ones, overrides scalars, inherits the rest', () => {
    const p = load(`name: mine
extends: generic
mode: audit
default_policy: {commands: deny}
denied_paths:
  - /srv/secret/**
allowed_commands:
  - git
`);
    assert.equal(p.name, 'mine');
    assert.deepEqual(p.extends, ['generic']);
    assert.equal(p.mode, 'audit');
    // networks and paths come from generic, commands from this profile.
    assert.deepEqual(p.defaults, {
      paths: 'allow',
      networks: 'deny',
      commands: 'deny',
      unlinks: 'allow',
      renames: 'allow',
    });
    assert.ok(p.entryComm.includes('aider'), 'entry_comm inherited');
    const last = p.paths.denied[p.paths.denied.length - 1];
    assert.equal(last?.plan.pattern, '/srv/secret/**');
    assert.equal(last.id, `denied_paths[${p.paths.denied.length - 1}]`);
    assert.equal(last.origin.profile, 'mine');
    assert.equal(p.paths.denied[0]?.origin.profile, 'generic');
    assert.ok(p.paths.denied[0].origin.file.endsWith('generic.yaml'));
    assert.ok(p.paths.denied.some((r) => r.plan.pattern === '/home/u/.ssh/**'));
    assert.deepEqual(
      p.paths.denied.map((r) => r.index),
      p.paths.denied.map((_, i) => i),
    );
  });

  it('may keep the built-in name', () => {
    assert.equal(load('name: generic\nextends: generic\n').name, 'generic');
  });

  describe('loops between built-ins', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-builtins-'));
    after(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    writeFileSync(join(dir, 'a.yaml'), 'name: a\nextends: b\n');
    writeFileSync(join(dir, 'b.yaml'), 'name: b\ndenied_paths: [/b]\nextends: a\n');
    writeFileSync(join(dir, 'c.yaml'), 'name: c\ndenied_paths: [/c]\n');
    it('are refused at the extends that closes the loop', () => {
      assert.throws(
        () => loadProfileText('name: me\nextends: a\n', 'p.yaml', { builtinDir: dir }),
        (e: unknown) =>
          e instanceof ProfileError &&
          e.code === 'VIGIL_PROFILE_EXTENDS' &&
          e.file === join(dir, 'b.yaml') &&
          e.line === 3 &&
          /makes a loop: a -> b -> a/.test(e.detail),
      );
    });
    it('chains resolve through a custom folder', () => {
      const p = loadProfileText('name: me\nextends: c\ndenied_paths: [/me]\n', 'p.yaml', { builtinDir: dir });
      assert.deepEqual(
        p.paths.denied.map((r) => [r.id, r.plan.pattern, r.origin.profile]),
        [
          ['denied_paths[0]', '/c', 'c'],
          ['denied_paths[1]', '/me', 'me'],
        ],
      );
    });
  });
});

describe('docs/profiles.md', () => {
  it('every YAML example loads', () => {
    const md = readFileSync(fileURLToPath(new URL('../../../../docs/profiles.md', import.meta.url)), 'utf8');
    const blocks = [...md.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    assert.ok(blocks.length >= 8, `found ${blocks.length} examples`);
    for (const block of blocks) {
      const text = block.startsWith('name:') ? block : 'name: example\n' + block;
      assert.doesNotThrow(() => loadProfileText(text, 'example.yaml', vars), block);
    }
  });
});
