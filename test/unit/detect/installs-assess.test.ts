// assessInstall: historic typosquats found with the package they imitated, the popular names
// themselves never flagged, bad releases and risky sources and options scored, and the speed of
// an assessment measured (and reported, not asserted).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  assessInstall,
  popularLists,
  type AssessedPackage,
} from '../../../src/detect/installs/assess-install.js';
import type { Ecosystem } from '../../../src/detect/installs/install-command.js';
import { parseInstall } from '../../../src/detect/installs/parse-install.js';
import { popularList } from '../../../src/detect/installs/popular-lists.js';

function assess(argv: string[]) {
  const cmd = parseInstall(argv);
  assert.ok(cmd !== null, argv.join(' '));
  return assessInstall(cmd);
}

function one(argv: string[]): AssessedPackage {
  const [p] = assess(argv).packages;
  assert.ok(p !== undefined);
  return p;
}

const IMITATION = ['typosquat', 'homoglyph', 'separator_confusion', 'scope_confusion', 'affix_addition'];

function imitates(p: AssessedPackage): string | undefined {
  return p.reasons.find((r) => IMITATION.includes(r.code))?.code;
}

describe('historic typosquats are flagged with the package they imitated', () => {
  // [command, name, expected target, expected code]
  const known: [string[], string, string, string][] = [
    // PyPI, SK-CSIRT's report of Sep 2017 (setup-tools, urllib), and the 2019 pair found by
    // Lukas Martini (jeIlyfish with a capital I, python3-dateutil)
    [['pip', 'install'], 'setup-tools', 'setuptools', 'separator_confusion'],
    [['pip', 'install'], 'urllib', 'urllib3', 'affix_addition'],
    [['pip', 'install'], 'jeIlyfish', 'jellyfish', 'homoglyph'],
    [['pip', 'install'], 'python3-dateutil', 'python-dateutil', 'typosquat'],
    // colourama: Oct 2018, replaced Bitcoin addresses in the clipboard
    [['pip', 'install'], 'colourama', 'colorama', 'typosquat'],
    // the shapes of the requests and django squats found on PyPI
    [['pip', 'install'], 'reqeusts', 'requests', 'typosquat'],
    [['pip', 'install'], 'requesst', 'requests', 'typosquat'],
    [['pip', 'install'], 'diango', 'django', 'typosquat'],
    // npm: the "hacktask" packages npm removed in Aug 2017 (crossenv stole npm tokens)
    [['npm', 'install'], 'crossenv', 'cross-env', 'separator_confusion'],
    [['npm', 'install'], 'cross-env.js', 'cross-env', 'affix_addition'],
    [['npm', 'install'], 'mongose', 'mongoose', 'typosquat'],
    [['npm', 'install'], 'babelcli', 'babel-cli', 'separator_confusion'],
    [['npm', 'install'], 'd3.js', 'd3', 'affix_addition'],
    [['npm', 'install'], 'jquery.js', 'jquery', 'affix_addition'],
    [['npm', 'install'], 'nodesass', 'node-sass', 'separator_confusion'],
    [['npm', 'install'], 'noderequest', 'request', 'affix_addition'],
    // later npm squats: discordi.js (2021, token stealer), electorn (2018), axios and colors variants
    [['npm', 'install'], 'discordi.js', 'discord.js', 'typosquat'],
    [['npm', 'install'], 'electorn', 'electron', 'typosquat'],
    [['npm', 'install'], 'axois', 'axios', 'typosquat'],
    [['npm', 'install'], 'axxios', 'axios', 'typosquat'],
    [['npm', 'install'], 'colros', 'colors', 'typosquat'],
    [['npm', 'install'], 'co1ors', 'colors', 'homoglyph'],
    [['npm', 'install'], 'types-node', '@types/node', 'scope_confusion'],
    [['npm', 'install'], '@types-node', '@types/node', 'scope_confusion'],
    // Dec 2024: @typescript_eslinter/eslint imitated the @typescript-eslint scope
    [['npm', 'install'], '@typescript_eslinter/eslint', '@typescript-eslint', 'scope_confusion'],
    [['cargo', 'add'], 'serde_jsn', 'serde-json', 'typosquat'],
    [['cargo', 'add'], 'tokio-rs', 'tokio', 'affix_addition'],
    // Feb 2025: a backdoored boltdb-go/bolt kept served by the Go module proxy
    [['go', 'get'], 'github.com/boltdb-go/bolt', 'github.com/boltdb/bolt', 'typosquat'],
    [['go', 'get'], 'github.com/stretcher/testify', 'github.com/stretchr/testify', 'typosquat'],
    [['go', 'get'], 'github.com/sirupsen-go/logrus', 'github.com/sirupsen/logrus', 'typosquat'],
    [['gem', 'install'], 'activesupport-ruby', 'activesupport', 'affix_addition'],
    [['apt-get', 'install'], 'pyhton3', 'python3', 'typosquat'],
  ];
  for (const [cmd, name, target, code] of known) {
    it(`${cmd[0] as string} ${name} -> ${target}`, () => {
      const p = one([...cmd, name]);
      assert.equal(imitates(p), code, JSON.stringify(p.reasons));
      assert.equal(p.similar_to, target);
      assert.ok(['medium', 'high', 'critical'].includes(p.severity), p.severity);
    });
  }

  it('finds a Unicode look-alike', () => {
    const p = one(['npm', 'install', 'lоdash']); // Cyrillic о
    assert.equal(imitates(p), 'homoglyph');
    assert.equal(p.similar_to, 'lodash');
  });

  it('leaves a name of the list alone, though it is near another (mariadb, request)', () => {
    // mariadb was a hacktask name in 2017; today it is MariaDB's own connector, on the list
    for (const argv of [
      ['npm', 'install', 'mariadb'],
      ['pip', 'install', 'request'],
    ]) {
      assert.equal(imitates(one(argv)), undefined, argv.join(' '));
    }
  });

  it('lets packages of an owned scope or a Go owner be (only the owner publishes there)', () => {
    assert.equal(imitates(one(['npm', 'install', '@types/reqeust'])), undefined);
    assert.equal(imitates(one(['go', 'get', 'github.com/stretchr/testifi'])), undefined);
  });
});

describe('the popular names themselves', () => {
  const ECOSYSTEMS: [Ecosystem, string[]][] = [
    ['npm', ['npm', 'install']],
    ['pypi', ['pip', 'install']],
    ['cargo', ['cargo', 'add']],
    ['go', ['go', 'get']],
    ['rubygems', ['gem', 'install']],
    ['debian', ['apt-get', 'install']],
  ];
  for (const [ecosystem, cmd] of ECOSYSTEMS) {
    it(`${ecosystem}: the top 1,000 names (or all, if fewer) yield no imitation reason`, () => {
      const names = popularList(ecosystem).names.slice(0, 1000);
      const flagged = names.filter((n) => {
        const c = parseInstall([...cmd, n]);
        return c !== null && assessInstall(c).packages.some((p) => imitates(p) !== undefined);
      });
      assert.deepEqual(flagged, []);
    });
  }

  it('each list says where it comes from and when', () => {
    const lists = popularLists();
    assert.deepEqual(
      lists.map((l) => l.ecosystem),
      ['npm', 'pypi', 'cargo', 'go', 'rubygems', 'debian'],
    );
    for (const l of lists) {
      assert.match(l.date, /^\d{4}-\d{2}-\d{2}$/);
      assert.ok(l.source.length > 40, l.source);
    }
    const count = (e: Ecosystem) => lists.find((l) => l.ecosystem === e)?.count ?? 0;
    assert.ok(count('npm') >= 1000 && count('pypi') >= 1000, 'npm and PyPI carry at least 1,000 names');
  });
});

describe('bad history', () => {
  it('flags a compromised release as critical and the bare name as information', () => {
    const bad = one(['npm', 'install', 'event-stream@3.3.6']);
    assert.equal(bad.severity, 'critical');
    assert.equal(bad.reasons[0]?.code, 'risky_category');
    assert.equal(one(['npm', 'install', 'ua-parser-js@0.7.29']).severity, 'critical');
    assert.equal(one(['pip', 'install', 'ultralytics==8.3.41']).severity, 'critical');
    assert.equal(one(['gem', 'install', 'rest-client', '-v', '1.6.13']).severity, 'critical');
    assert.equal(one(['apt-get', 'install', 'xz-utils=5.6.1-1']).severity, 'critical');
    assert.equal(one(['apt-get', 'install', 'xz-utils=5.4.1-0.2']).severity, 'info');
    assert.equal(one(['npm', 'install', 'event-stream']).severity, 'info');
    assert.equal(one(['npm', 'install', 'event-stream@4.0.1']).severity, 'info');
  });
  it('scores protestware releases high', () => {
    assert.equal(one(['npm', 'install', 'colors@1.4.44-liberty-2']).severity, 'high');
    assert.equal(one(['npm', 'install', 'faker@6.6.6']).severity, 'high');
    assert.equal(one(['npm', 'install', 'node-ipc@10.1.1']).severity, 'high');
  });
  it('flags names that are malicious in every release', () => {
    for (const argv of [
      ['pip', 'install', 'ctx'],
      ['pip', 'install', 'torchtriton'],
      ['cargo', 'add', 'rustdecimal'],
      ['cargo', 'add', 'faster_log'],
      ['gem', 'install', 'atlas-client'],
      ['npm', 'install', 'flatmap-stream'],
    ]) {
      assert.equal(one(argv).severity, 'critical', argv.join(' '));
    }
  });
});

describe('sources and options', () => {
  const codes = (argv: string[]) => {
    const r = assess(argv);
    return {
      sev: r.severity,
      pkg: r.packages.flatMap((p) => p.reasons.map((x) => x.code)),
      cmd: r.reasons.map((x) => x.code),
    };
  };
  it('scores where a package comes from', () => {
    assert.deepEqual(codes(['pip', 'install', 'git+https://github.com/u/r']).pkg, [
      'git_source',
      'unpinned_git',
    ]);
    assert.deepEqual(codes(['pip', 'install', 'git+https://github.com/u/r@v1.0']).pkg, ['git_source']);
    assert.equal(codes(['pip', 'install', 'git+https://github.com/u/r@v1.0']).sev, 'low');
    assert.equal(codes(['npm', 'install', 'https://example.com/x-1.0.0.tgz']).sev, 'medium');
    assert.equal(codes(['pip', 'install', 'http://example.com/x-1.0.tar.gz']).sev, 'high');
    assert.equal(codes(['npm', 'install', 'git://github.com/u/r.git#v1']).sev, 'high');
    assert.deepEqual(codes(['npm', 'install', './pkg.tgz']).pkg, ['tarball_source']);
    assert.deepEqual(codes(['pip', 'install', '-e', '.']), { sev: 'info', pkg: ['local_source'], cmd: [] });
    assert.deepEqual(codes(['pip', 'install', '-r', 'r.txt']).pkg, ['requirements_file']);
    assert.deepEqual(codes(['cargo', 'install', '--git', 'https://github.com/u/tool']).pkg, [
      'git_source',
      'unpinned_git',
    ]);
  });
  it('scores indexes that weaken the registry', () => {
    assert.deepEqual(codes(['pip', 'install', '--index-url', 'http://mirror/simple', 'x']), {
      sev: 'high',
      pkg: [],
      cmd: ['insecure_index'],
    });
    assert.equal(codes(['pip', 'install', '--trusted-host', 'mirror', 'x']).sev, 'high');
    assert.equal(
      codes(['pip', 'install', '--extra-index-url', 'https://pypi.example/simple', 'x']).sev,
      'medium',
    );
    assert.deepEqual(
      codes(['pip', 'install', '--index-url', 'https://download.pytorch.org/whl/cpu', 'torch']).cmd,
      ['custom_index'],
    );
    assert.equal(
      codes(['pipx', 'install', '--pip-args=--index-url http://mirror/simple', 'tool']).sev,
      'high',
    );
    assert.equal(codes(['npm', 'install', '--registry=http://npm.example/', 'x']).sev, 'high');
    assert.deepEqual(codes(['npm', 'install', '--registry=https://registry.npmjs.org/', 'x']).cmd, []);
    assert.equal(codes(['gem', 'install', '--source', 'http://gems.example', 'x']).sev, 'high');
    assert.equal(codes(['cargo', 'install', '--index', 'http://crates.example/index', 'x']).sev, 'high');
    assert.equal(codes(['apt-get', 'install', '--allow-unauthenticated', 'x']).sev, 'high');
    assert.equal(
      codes(['apt-get', '-o', 'Acquire::AllowInsecureRepositories=true', 'install', 'x']).sev,
      'high',
    );
  });
  it('scores options that make install-time code run', () => {
    assert.deepEqual(codes(['bun', 'add', '--trust', 'esbuild']).cmd, ['install_scripts_forced']);
    assert.deepEqual(codes(['pnpm', 'add', 'esbuild', '--allow-build=esbuild']).cmd, [
      'install_scripts_forced',
    ]);
    assert.deepEqual(codes(['npm', 'install', '--unsafe-perm', 'node-sass']).cmd, ['install_scripts_forced']);
    assert.deepEqual(codes(['pip', 'install', '--no-binary', ':all:', 'psycopg2']).cmd, [
      'install_scripts_forced',
    ]);
    assert.deepEqual(codes(['npm', 'install', '--ignore-scripts', 'x']).cmd, []);
  });
  it('notes that npx and its kind run what they fetch', () => {
    assert.deepEqual(codes(['npx', '-y', 'cowsay']), { sev: 'info', pkg: [], cmd: ['runs_package'] });
    assert.deepEqual(codes(['uvx', 'ruff', 'check']).cmd, ['runs_package']);
  });
  it('gives the command the worst severity of its packages and options', () => {
    const r = assess(['pip', 'install', 'requests', 'reqeusts', '--extra-index-url', 'https://x/simple']);
    assert.equal(r.severity, 'high');
    assert.deepEqual(
      r.packages.map((p) => p.severity),
      ['info', 'high'],
    );
  });
});

describe('speed', () => {
  it('assesses 1,000 commands in a loop (time reported, not asserted)', () => {
    const commands = [
      ['npm', 'install', 'lodash', 'axois', '@types/node', 'crossenv'],
      ['pip', 'install', 'requests', 'reqeusts', 'numpy==1.26.0', 'python3-dateutil'],
      ['cargo', 'add', 'serde', 'serde_jsn', 'tokio'],
      ['go', 'get', 'github.com/spf13/cobra', 'github.com/boltdb-go/bolt'],
      ['gem', 'install', 'rails', 'nokogirl'],
      ['apt-get', 'install', '-y', 'curl', 'pyhton3'],
    ].map((argv) => parseInstall(argv));
    for (const c of commands) if (c !== null) assessInstall(c); // build the indexes first
    const start = process.hrtime.bigint();
    let packages = 0;
    for (let i = 0; i < 1000; i++) {
      const c = commands[i % commands.length];
      if (c !== null && c !== undefined) packages += assessInstall(c).packages.length;
    }
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    console.log(`# 1,000 assessments (${packages} packages) in ${ms.toFixed(1)} ms`);
    assert.ok(packages > 2000);
  });
});
