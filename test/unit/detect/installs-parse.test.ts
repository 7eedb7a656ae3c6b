// parseInstall against real command lines (READMEs, install docs, CI scripts, Dockerfiles), one per
// line of test/fixtures/installs/<family>.jsonl with the parse expected (null: installs nothing),
// plus the argv shapes the kernel reports: interpreters, script paths, wrappers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import type { InstallCommand } from '../../../src/detect/installs/install-command.js';
import { parseInstall } from '../../../src/detect/installs/parse-install.js';
import { repoRoot } from '../../support/paths.js';

interface Case {
  cmd: string;
  argv: string[];
  expect: InstallCommand | null;
}

const FAMILIES = ['node', 'python', 'cargo', 'go', 'gem', 'apt'] as const;

function cases(family: string): Case[] {
  const file = join(repoRoot, 'test/fixtures/installs', `${family}.jsonl`);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Case);
}

for (const family of FAMILIES) {
  describe(`parseInstall: ${family} command lines`, () => {
    const all = cases(family);
    it('has at least 100 real command lines, installs and non-installs both', () => {
      assert.ok(all.length >= 100, `${all.length} lines`);
      assert.ok(all.some((c) => c.expect === null));
      assert.ok(all.some((c) => c.expect !== null && c.expect.packages.length > 0));
    });
    it('parses each one as expected', () => {
      const wrong = all.flatMap((c) => {
        try {
          assert.deepEqual(parseInstall(c.argv), c.expect);
          return [];
        } catch (e) {
          return [`${c.cmd}: ${(e as Error).message}`];
        }
      });
      assert.deepEqual(wrong, []);
    });
    it('keeps each package argument as typed in raw', () => {
      for (const c of all) {
        for (const p of c.expect?.packages ?? []) {
          if (p.raw === '.' && c.argv.at(-1) === 'install') continue; // bare `cargo install`: this folder
          assert.ok(
            c.argv.some((a) => a === p.raw || a.endsWith(`=${p.raw}`) || a.includes(p.raw)),
            `${c.cmd}: ${p.raw}`,
          );
        }
      }
    });
  });
}

describe('parseInstall: how the kernel reports an exec', () => {
  const tool = (argv: string[]) => parseInstall(argv)?.tool;
  it('reads the tool from a script behind its interpreter', () => {
    assert.equal(tool(['node', '/usr/lib/node_modules/npm/bin/npm-cli.js', 'install', 'lodash']), 'npm');
    assert.equal(tool(['/usr/bin/node', '/usr/bin/npx', '-y', 'cowsay']), 'npx');
    assert.equal(tool(['/usr/bin/python3', '/usr/bin/pip3', 'install', 'requests']), 'pip');
    assert.equal(tool(['python3', '-m', 'pip', 'install', 'requests']), 'pip');
    assert.equal(tool(['python3.12', '-m', 'pipx', 'install', 'ruff']), 'pipx');
    assert.equal(tool(['/usr/bin/ruby3.1', '/usr/bin/gem', 'install', 'rails']), 'gem');
    assert.equal(tool(['node', '/home/u/.yarn/releases/yarn-4.1.0.cjs', 'add', 'zod']), 'yarn');
    assert.equal(tool(['python3', '/usr/lib/python3/dist-packages/pip/__main__.py', 'install', 'x']), 'pip');
  });
  it('looks through sudo, env, nice, timeout and corepack', () => {
    assert.equal(tool(['/usr/bin/env', 'node', '/usr/bin/npm', 'install', 'x']), 'npm');
    assert.equal(
      tool(['sudo', '-u', 'build', '-E', 'env', 'FOO=bar', 'BAZ=1', 'pip', 'install', 'x']),
      'pip',
    );
    assert.equal(
      tool(['sudo', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', 'curl']),
      'apt-get',
    );
    assert.equal(tool(['env', '-i', 'PATH=/usr/bin', 'cargo', 'install', 'ripgrep']), 'cargo');
    assert.equal(tool(['nice', '-n', '5', 'timeout', '60', 'gem', 'install', 'rake']), 'gem');
    assert.equal(tool(['env', '-S', 'node /usr/bin/npm install x']), 'npm');
    assert.equal(tool(['corepack', 'yarn', 'add', 'x']), 'yarn');
  });
  it('installs nothing for inline code, other programs and bare interpreters', () => {
    for (const argv of [
      ['node', '-e', 'require("child_process")'],
      ['python3', '-c', 'import pip'],
      ['python3'],
      ['node'],
      ['bash', '-c', 'npm install x'],
      ['ls', '-la'],
      ['sudo'],
      [],
    ]) {
      assert.equal(parseInstall(argv), null, argv.join(' '));
    }
  });
  it('marks pip run through sudo as a system-wide install', () => {
    assert.equal(parseInstall(['sudo', 'pip', 'install', 'awscli'])?.global, true);
    assert.equal(parseInstall(['pip', 'install', 'awscli'])?.global, false);
  });
});

describe('parseInstall: package arguments', () => {
  const pkgs = (argv: string[]) => parseInstall(argv)?.packages.map((p) => [p.name, p.spec, p.source]);
  it('reads npm aliases, scopes, git, tarballs and folders', () => {
    assert.deepEqual(
      pkgs(['npm', 'i', '@scope/pkg@^1.2', 'a@npm:react@18', 'github:u/r#v1', './x-1.0.0.tgz', 'file:../y']),
      [
        ['@scope/pkg', '^1.2', 'registry'],
        ['react', '18', 'registry'],
        ['r', 'v1', 'git'],
        ['x', '1.0.0', 'tarball'],
        ['y', null, 'local'],
      ],
    );
  });
  it('normalises PyPI names per PEP 503 and keeps extras out of the name', () => {
    assert.deepEqual(
      pkgs(['pip', 'install', 'Flask_SQLAlchemy==3.1', 'zope.interface', 'requests[socks]>=2.0']),
      [
        ['flask-sqlalchemy', '==3.1', 'registry'],
        ['zope-interface', null, 'registry'],
        ['requests', '>=2.0', 'registry'],
      ],
    );
  });
  it('reads a VCS URL ref and egg name, and -r files', () => {
    assert.deepEqual(pkgs(['pip', 'install', '-r', 'req.txt', 'git+https://h/u/repo.git@v1#egg=real']), [
      ['real', 'v1', 'git'],
      ['req.txt', null, 'requirements-file'],
    ]);
  });
});
