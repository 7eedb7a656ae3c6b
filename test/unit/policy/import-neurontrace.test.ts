// The NeuronTrace importer: globset semantics (against the crate's documented behaviour), the exact
// translation, refusals that name every rule, and a differential test per fixture: thousands of
// generated events of every type, each decided by NeuronTrace's first-match semantics (reference
// in test/support) and by vigil's reference evaluator on the imported profile, which must agree.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadChoice, profileChoice } from '../../../src/cli/profile-arg.js';
import { createEvaluator, type PolicyInput } from '../../../src/policy/evaluate.js';
import { expandAlternates, GlobsetRefusal, parseGlobset } from '../../../src/policy/globset-parse.js';
import { commonPath, globNfa, nfaAccepts } from '../../../src/policy/globset-nfa.js';
import { globsetToVigil } from '../../../src/policy/globset-to-vigil.js';
import { importNeuronTrace } from '../../../src/policy/import-neurontrace.js';
import { isNeuronTraceText, loadAnyProfileFile } from '../../../src/policy/load-any-profile.js';
import { loadProfileText } from '../../../src/policy/load-profile.js';
import { NeuronTraceImportError } from '../../../src/policy/neurontrace-errors.js';
import { normalisePath } from '../../../src/policy/normal-path.js';
import type { Verdict } from '../../../src/policy/profile-types.js';
import {
  byteString,
  globsetRegExp,
  neuronTraceReference,
  socketText,
  type NtVerdict,
} from '../../support/neurontrace-reference.js';
import { repoRoot } from '../../support/paths.js';

const FIXTURES = join(repoRoot, 'test/fixtures/neurontrace');
const fixture = (name: string): string => join(FIXTURES, `${name}.yaml`);
const IMPORTABLE = ['claude-code', 'codex', 'generic-agent', 'nasty-globs', 'nasty-fallbacks'];
const utf8 = new TextEncoder();

/** Both implementations of globset matching: the reference regex and the importer's automaton (which refuses some globs). */
function globMatches(glob: string, path: string): { regex: boolean; nfa: boolean | 'refused' } {
  const regex = globsetRegExp(glob).test(byteString(path));
  try {
    return { regex, nfa: nfaAccepts(globNfa(expandAlternates(parseGlobset(glob))), utf8.encode(path)) };
  } catch (e) {
    if (e instanceof GlobsetRefusal) return { regex, nfa: 'refused' };
    throw e;
  }
}

describe('globset semantics (default options)', () => {
  // What the crate documents and tests: `*` and `?` cross `/`, `**/` prefixes may be empty,
  // `/**` needs something after the `/`, empty alternatives are dropped, matching is on bytes.
  const cases: [glob: string, path: string, expected: boolean][] = [
    ['*.rs', '/src/main.rs', true],
    ['*.rs', '.rs', true],
    ['/usr/bin/python*', '/usr/bin/python3/../x', true],
    ['/usr/bin/python*', '/usr/bin/pytho', false],
    ['/etc/**', '/etc', false],
    ['/etc/**', '/etc/', true],
    ['/etc/**', '/etc/a/b', true],
    ['**', '', true],
    ['**', '/x/.y', true],
    ['**/test', 'test', true],
    ['**/test', '/test', true],
    ['**/test', 'a/b/test', true],
    ['**/test', 'atest', false],
    ['/**/test', '/test', true],
    ['/**/test', 'test', false],
    ['a/**/b', 'a/b', true],
    ['a/**/b', 'a/x/y/b', true],
    ['a/**/b', 'ab', false],
    ['a**b', 'a/x/b', true],
    ['/a?b', '/a/b', true],
    ['/a?b', '/aéb', false],
    ['/a??b', '/aéb', true],
    ['[!a]', '/', true],
    ['[^a]', 'a', false],
    ['[]a]', ']', true],
    ['[a-]', '-', true],
    ['[-a]', '-', true],
    ['{a,b}', 'b', true],
    ['foo{,.txt}', 'foo', false],
    ['foo{,.txt}', 'foo.txt', true],
    ['{**/src/**,foo}', 'x/src/y', true],
    ['\\*', '*', true],
    ['\\*', 'a', false],
    ['a,b', 'a,b', true],
    ['/é', '/é', true],
    ['[::1]:*', '[::1]:80', false],
    ['[::1]:*', '1:80', true],
    ['\\[::1\\]:*', '[::1]:80', true],
    ['/a/**/**', '/a/b', true],
    ['/a/**/**', '/a', false],
    ['**/**', 'x', true],
  ];
  // the importer refuses empty alternatives (it would keep the surprise), so only the regex answers
  const refused = new Set(['foo{,.txt}']);
  for (const [glob, path, expected] of cases) {
    it(`${glob} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(path)}`, () => {
      assert.deepEqual(globMatches(glob, path), {
        regex: expected,
        nfa: refused.has(glob) ? 'refused' : expected,
      });
    });
  }

  it('refuses what globset rejects or what changed between its releases, with the reason', () => {
    const refused: [string, RegExp][] = [
      ['/a/[b', /never closed/],
      ['/a/{b', /never closed/],
      ['/a/b}', /without an opening/],
      ['/a\\', /escapes nothing/],
      ['/a/[z-a]', /reversed range/],
      ['/a/{b,{c,d}}', /nested/],
      ['/a/{,b}', /empty alternative/],
      ['/a/[é]', /non-ASCII/],
      ['/a{0,1,2,3,4,5,6,7,8}{0,1,2,3,4,5,6,7,8}', /more than 64 globs/],
    ];
    for (const [glob, reason] of refused) {
      assert.throws(
        () => expandAlternates(parseGlobset(glob)),
        (e: unknown) => e instanceof GlobsetRefusal && reason.test(e.message),
        glob,
      );
    }
  });
});

describe('glob translation', () => {
  const translate = (glob: string): string[] => {
    const seqs = expandAlternates(parseGlobset(glob));
    return globsetToVigil(seqs, globNfa(seqs));
  };

  it('writes the forms a user would expect to see', () => {
    assert.deepEqual(translate('/usr/bin/git'), ['/usr/bin/git']);
    assert.deepEqual(translate('/usr/bin/python*'), ['/usr/bin/python*/**']);
    assert.deepEqual(translate('/etc/**'), ['/etc/*/**']);
    assert.deepEqual(translate('**'), ['/**']);
    assert.deepEqual(translate('*'), ['/**']);
    assert.deepEqual(translate('**/.env'), ['/**/.env']);
    assert.deepEqual(translate('*.pem'), ['/**/*.pem']);
    assert.deepEqual(translate('/home/*/.ssh/**'), ['/home/*/**/.ssh/*/**']);
    assert.deepEqual(translate('/var/log/**/*.log'), ['/var/log/**/*.log']);
    assert.deepEqual(translate('/a/{b,c}/d'), ['/a/b/d', '/a/c/d']);
    assert.deepEqual(translate('?etc/passwd'), ['/etc/passwd']);
    assert.deepEqual(translate('/x/$HOME'), ['/x/[$]HOME']);
    assert.deepEqual(translate('/x/${HOME}'), ['/x/[$]HOME']); // `{HOME}` is a one-branch group
    assert.deepEqual(translate('/x/$\\{HOME\\}'), ['/x/[$]{HOME}']);
    assert.deepEqual(translate('/a/[!x]'), ['/a/[!x]']);
  });

  it('refuses a glob that would take too many vigil patterns', () => {
    assert.throws(() => translate('/a*b*c*d*e*f*g*h'), /takes 128 vigil patterns .*the bound is 64/);
    assert.throws(() => translate('/x/*/*/*/*/*/*/*/*/*/*/*'), /more than 1024 cases/);
    assert.equal(translate('/a*b*c*d*e*f').length, 32);
  });

  it('gives nothing for globs no normalised absolute path matches', () => {
    for (const g of ['/tmp/', '/a/./b', '/a/../b', '/a//b', 'relative/x', '/[/]x']) {
      assert.deepEqual(translate(g), [], g);
    }
  });

  it('matches exactly the normalised paths the glob matches (random globs and paths)', (t) => {
    const rnd = seeded(7);
    const pieces = ['/', 'a', 'b', '.', '*', '**', '?', '[a-c]', '[!a]', '{a,b/c}', 'é', '/**/', '..'];
    let compared = 0;
    let refusedGlobs = 0;
    let matched = 0;
    const tried = 300;
    for (let g = 0; g < tried; g++) {
      let glob = '/';
      for (let n = rnd.int(1, 6); n > 0; n--) glob += rnd.pick(pieces);
      let patterns: string[];
      try {
        patterns = translate(glob);
      } catch (e) {
        if (!(e instanceof GlobsetRefusal)) throw e;
        refusedGlobs++;
        continue;
      }
      const allowed = patterns.map((p) => `\n  - ${JSON.stringify(p)}`).join('');
      const profile = loadProfileText(
        `name: t\ndefault_policy: deny\n${allowed === '' ? '' : `allowed_paths:${allowed}\n`}`,
        't.yaml',
      );
      const evaluate = createEvaluator(profile);
      const re = globsetRegExp(glob);
      for (let k = 0; k < 60; k++) {
        const path = normalised(rnd.int(0, 1) === 0 ? fill(glob, rnd) : randomPath(rnd));
        if (path === undefined) continue;
        const vigil = evaluate({ kind: 'open', path, access: 'read' }).action === 'ALLOW';
        assert.equal(vigil, re.test(byteString(path)), `${glob} -> ${patterns.join(', ')} on ${path}`);
        compared++;
        if (vigil) matched++;
      }
    }
    t.diagnostic(
      `${compared} paths (${matched} matching) over ${tried} random globs (${refusedGlobs} refused)`,
    );
    assert.ok(compared > 5000 && matched > 1000, `${compared} comparisons, ${matched} matching`);
  });

  it('finds a common path of two globs exactly, or proves there is none', () => {
    const common = (a: string, b: string): string | undefined => {
      const w = commonPath(
        globNfa(expandAlternates(parseGlobset(a))),
        globNfa(expandAlternates(parseGlobset(b))),
      );
      return w === undefined ? undefined : Buffer.from(w).toString('utf8');
    };
    assert.equal(common('/home/**', '/home/*/.ssh/**'), '/home/a/.ssh/a');
    assert.equal(common('/usr/bin/python*', '/usr/bin/curl'), undefined);
    assert.equal(common('/etc/**', '/etc'), undefined); // `/etc/**` does not match /etc
    assert.equal(common('/a/*', '/a/.'), undefined); // `/a/.` is not a normalised path
    assert.equal(common('*.py', '/x/**'), '/x/.py');
    assert.equal(common('**', '/'), '/');
    const w = common('/data/*/x', '/data/a/b/*');
    assert.ok(
      w !== undefined && globsetRegExp('/data/*/x').test(w) && globsetRegExp('/data/a/b/*').test(w),
      w,
    );
  });
});

/** vigil's verdict names from NeuronTrace's actions. */
const VERDICT: Record<NtVerdict, Verdict> = { allow: 'ALLOW', audit: 'AUDIT', block: 'BLOCK', kill: 'KILL' };
const STRENGTH: Record<Verdict, number> = { ALLOW: 0, AUDIT: 1, BLOCK: 2, KILL: 3 };

describe('differential: NeuronTrace semantics vs the imported vigil profile', () => {
  for (const name of IMPORTABLE) {
    it(`${name}: every generated event gets the same verdict`, (t) => {
      const text = readFileSync(fixture(name), 'utf8');
      const imported = importNeuronTrace(text, fixture(name));
      const evaluate = createEvaluator(imported.profile);
      const nt = neuronTraceReference(text);
      const rnd = seeded(name.length * 7919);
      const globs = (text.match(/path: '([^']*)'/g) ?? []).map((m) => m.slice(7, -1));
      const paths = new Set<string>(['/']);
      for (let i = 0; paths.size < 2500 && i < 20000; i++) {
        const raw = i % 3 === 2 || globs.length === 0 ? randomPath(rnd) : fill(rnd.pick(globs), rnd);
        const p = normalised(raw);
        if (p !== undefined) paths.add(p);
      }
      const list = [...paths];
      const counts: Record<string, number> = {};
      const wrong: string[] = [];
      const verdicts: Record<string, number> = {};
      const check = (input: PolicyInput, expected: Verdict, what: string): void => {
        counts[input.kind] = (counts[input.kind] ?? 0) + 1;
        verdicts[expected] = (verdicts[expected] ?? 0) + 1;
        const got = evaluate(input);
        if (got.action !== expected && wrong.length < 10) {
          wrong.push(`${what}: NeuronTrace ${expected}, vigil ${got.action} (${got.reason})`);
        }
      };
      for (const path of list) {
        const open = VERDICT[nt.decide('open', path)];
        for (const access of ['read', 'write', 'read-write'] as const) {
          check({ kind: 'open', path, access }, open, `open ${path}`);
        }
        check({ kind: 'exec', path }, VERDICT[nt.decide('exec', path)], `exec ${path}`);
        check({ kind: 'unlink', path }, VERDICT[nt.decide('unlink', path)], `unlink ${path}`);
        // NeuronTrace decides on the source; vigil on both sides, the stronger standing
        const to = rnd.pick(list);
        const a = VERDICT[nt.decide('rename', path)];
        const b = VERDICT[nt.decide('rename', to)];
        check({ kind: 'rename', path, to }, STRENGTH[b] > STRENGTH[a] ? b : a, `rename ${path} -> ${to}`);
      }
      for (let i = 0; i < 4000; i++) {
        const { ip, port } = randomDestination(rnd, text);
        const proto = rnd.int(0, 1) === 0 ? 'tcp' : 'udp';
        const expected = VERDICT[nt.decide('connect', socketText(ip, port))];
        check({ kind: 'connect', ip, port, proto }, expected, `${proto} connect ${socketText(ip, port)}`);
      }
      for (const inside of [true, false]) {
        check({ kind: 'ptrace', inside }, VERDICT[nt.decide('ptrace')], `ptrace (inside: ${inside})`);
        check({ kind: 'signal', inside }, VERDICT[nt.decide('task_kill')], `signal (inside: ${inside})`);
      }
      assert.deepEqual(wrong, []);
      const total = Object.values(counts).reduce((x, y) => x + y, 0);
      t.diagnostic(
        `${name}: ${total} events compared: ${JSON.stringify(counts)}; verdicts ${JSON.stringify(verdicts)}`,
      );
      assert.ok(Object.keys(verdicts).length >= 2, JSON.stringify(verdicts));
      for (const kind of ['open', 'exec', 'unlink', 'rename', 'connect']) {
        assert.ok((counts[kind] ?? 0) >= 2000, `${kind}: ${counts[kind]}`);
      }
    });
  }
});

describe('differential: random policies', () => {
  // Rule orders, overlaps, catch-alls and left-out rules at random: whatever the importer accepts
  // must decide like NeuronTrace; what it refuses is counted, so both outcomes are exercised.
  const PATHS = [
    '/home/**',
    '/home/*/.ssh/**',
    '**/.env',
    '/etc/**',
    '/etc/shadow',
    '/tmp/*',
    '/usr/bin/python*',
    '/usr/bin/*',
    '*.py',
    '/a/{b,c}/**',
    '/a/b/*',
    '/[ab]*/x',
    '?tmp/**',
    '/x/**/y',
  ];
  const DESTS = [
    '127.0.0.1:*',
    '10.*',
    '10.1.*:443',
    '*:443',
    '*:53',
    '\\[::1\\]:*',
    '\\[fd00:*',
    '192.168.1.*',
  ];
  const ACTIONS = ['allow', 'block', 'kill', 'audit'] as const;

  it('every accepted policy decides like NeuronTrace on every generated event', (t) => {
    const rnd = seeded(2024);
    let accepted = 0;
    let refused = 0;
    let events = 0;
    for (let n = 0; n < 200; n++) {
      const rules: string[] = [];
      for (const type of ['open', 'exec', 'unlink', 'rename', 'connect'] as const) {
        for (let k = rnd.int(0, 5); k > 0; k--) {
          const action = rnd.pick(ACTIONS);
          const pool = type === 'connect' ? DESTS : PATHS;
          const path = rnd.int(0, 5) === 0 ? '' : `, path: '${rnd.pick(pool)}'`;
          rules.push(`  - {event_type: ${type}, action: ${action}${path}}`);
        }
      }
      if (rules.length === 0) continue;
      const text = policy(rules.join('\n') + '\n');
      let imported;
      try {
        imported = importNeuronTrace(text, 'r.yaml');
      } catch (e) {
        assert.ok(e instanceof NeuronTraceImportError, String(e));
        refused++;
        continue;
      }
      accepted++;
      const evaluate = createEvaluator(imported.profile);
      const nt = neuronTraceReference(text);
      const globs = PATHS.filter((g) => text.includes(`'${g}'`));
      for (let i = 0; i < 150; i++) {
        const path = normalised(
          i % 3 === 0 || globs.length === 0 ? randomPath(rnd) : fill(rnd.pick(globs), rnd),
        );
        if (path === undefined) continue;
        const to = normalised(randomPath(rnd)) ?? '/';
        const expect: [PolicyInput, Verdict][] = [
          [{ kind: 'open', path, access: 'read-write' }, VERDICT[nt.decide('open', path)]],
          [{ kind: 'exec', path }, VERDICT[nt.decide('exec', path)]],
          [{ kind: 'unlink', path }, VERDICT[nt.decide('unlink', path)]],
        ];
        const a = VERDICT[nt.decide('rename', path)];
        const b = VERDICT[nt.decide('rename', to)];
        expect.push([{ kind: 'rename', path, to }, STRENGTH[b] > STRENGTH[a] ? b : a]);
        const { ip, port } = randomDestination(rnd, text);
        expect.push([
          { kind: 'connect', ip, port, proto: 'tcp' },
          VERDICT[nt.decide('connect', socketText(ip, port))],
        ]);
        for (const [input, verdict] of expect) {
          events++;
          const got = evaluate(input);
          assert.equal(got.action, verdict, `${JSON.stringify(input)}: ${got.reason}\n${text}`);
        }
      }
    }
    t.diagnostic(`${accepted} random policies imported (${events} events compared), ${refused} refused`);
    assert.ok(accepted >= 40 && refused >= 40, `${accepted} accepted, ${refused} refused`);
  });
});

describe('the imported profile', () => {
  it('loads with the vigil loader, header naming the source and rule descriptions as comments', () => {
    for (const name of IMPORTABLE) {
      const { yaml, profile } = importNeuronTrace(readFileSync(fixture(name), 'utf8'), `${name}.yaml`);
      assert.ok(yaml.startsWith(`# vigil profile imported from the NeuronTrace policy ${name}.yaml\n`), yaml);
      const again = loadProfileText(yaml, 'again.yaml');
      assert.equal(again.name, profile.name);
      assert.deepEqual(again.defaults, profile.defaults);
    }
    const { yaml } = importNeuronTrace(readFileSync(fixture('claude-code'), 'utf8'), 'c.yaml');
    assert.match(yaml, /^ {2}# rules\[5\] open kill '\/home\/\*\/\.ssh\/\*\*': SSH keys$/m);
    assert.match(yaml, /^ {2}# rules\[11\] rename block '\/home\/\*\/\.bashrc': Shell start-up file$/m);
  });

  it('maps event types, catch-alls and default-deny as documented', () => {
    const p = importNeuronTrace(readFileSync(fixture('claude-code'), 'utf8'), 'c.yaml').profile;
    assert.deepEqual(p.defaults, {
      commands: 'deny',
      paths: 'allow',
      unlinks: 'audit',
      renames: 'allow',
      networks: 'deny',
    });
    assert.deepEqual(p.ptrace, { action: 'block', targets: 'any' });
    assert.deepEqual(p.signals, { action: 'block', targets: 'any' });
    assert.equal(p.rawSockets, 'deny');
    const ssh = p.paths.denied.find((r) => r.written === '/home/*/**/.ssh/*/**');
    assert.equal(ssh?.access, 'read+write');
    assert.equal(ssh.action, 'kill');
    assert.deepEqual(
      p.paths.denied.filter((r) => r.access === 'unlink').map((r) => r.written),
      ['/etc/*/**'],
    );
    assert.deepEqual(
      p.commands.denied.map((r) => [r.written, r.action]),
      [
        ['/usr/bin/nc', 'kill'],
        ['/usr/bin/ncat', 'kill'],
        ['/usr/bin/socat', 'kill'],
      ],
    );
    // no task_kill rule at all: NeuronTrace blocks every signal
    const f = importNeuronTrace(readFileSync(fixture('nasty-globs'), 'utf8'), 'n.yaml').profile;
    assert.deepEqual(f.signals, { action: 'block', targets: 'any' });
    assert.equal(f.name, 'nasty-globs');
    // a kill fallback with nothing else is a kill rule for everything, the default deny
    const k = importNeuronTrace(readFileSync(fixture('nasty-fallbacks'), 'utf8'), 'k.yaml').profile;
    assert.deepEqual(
      k.networks.denied.map((r) => [r.written, r.action]),
      [
        ['0.0.0.0/0', 'kill'],
        ['::/0', 'kill'],
      ],
    );
    assert.equal(k.defaults.networks, 'deny');
  });

  it('notes rules left out, and what changed form', () => {
    const { notes, profile } = importNeuronTrace(readFileSync(fixture('nasty-fallbacks'), 'utf8'), 'k.yaml');
    assert.ok(
      notes.some((n) => /^rules\[2\] \(exec audit '\/bin\/\*\*'\) is not written: where rules\[1\]/.test(n)),
      notes.join('\n'),
    );
    assert.ok(notes.some((n) => /^rules\[12\] \(connect kill '10\.\*'\) is not written/.test(n)));
    assert.deepEqual(
      profile.commands.allowed.map((r) => r.written),
      ['/bin/*/**'],
    );
    const c = importNeuronTrace(readFileSync(fixture('codex'), 'utf8'), 'x.yaml').notes;
    assert.ok(
      c.includes(
        "rules[1] (exec allow '/usr/bin/python*') is written '/usr/bin/python*/**': globset's '*', '?' and [...] also match '/'",
      ),
      c.join('\n'),
    );
  });
});

/** The problems of a refused import, as their messages. */
function refusal(yaml: string): string[] {
  try {
    importNeuronTrace(yaml, 'p.yaml');
  } catch (e) {
    assert.ok(e instanceof NeuronTraceImportError, String(e));
    assert.equal(e.code, 'VIGIL_PROFILE_IMPORT');
    assert.equal(e.exitCode, 4);
    return e.problems.map((p) => `${p.where.line ?? 0}:${p.message}`);
  }
  assert.fail('imported');
}

const policy = (rules: string): string => `name: p\ndescription: d\nrules:\n${rules}`;

describe('refusals name every rule and why', () => {
  it('argv, cgroups, relative and dead patterns, fork/exit actions, ptrace patterns', () => {
    const got = refusal(readFileSync(fixture('refused-argv'), 'utf8'));
    assert.equal(got.length, 6, got.join('\n'));
    assert.match(
      got[0] ?? '',
      /^7:rules\[0\] \(exec allow '\/usr\/bin\/git'\): argv 'git status\*': vigil matches/,
    );
    assert.match(got[1] ?? '', /^11:rules\[1\] \(exec block\): argv '\*--force\*'/);
    assert.ok(got.some((m) => /^19:rules\[3\] \(open block\): cgroup_id 4242/.test(m)));
    assert.ok(got.some((m) => /^15:rules\[2\] \(open allow 'src\/\*\.rs'\): a relative pattern/.test(m)));
    assert.ok(
      got.some((m) => /rules\[4\] \(connect allow '10\.0\.0\.0\/8:443'\): .*never with '\/'/.test(m)),
    );
    assert.ok(got.some((m) => /rules\[5\] \(fork block\): NeuronTrace does not enforce fork/.test(m)));
    assert.match(
      refusal(policy("  - {event_type: open, action: allow, path: '/tmp/'}\n")).join(''),
      /matches no normalised absolute path/,
    );
    assert.match(
      refusal(policy("  - {event_type: ptrace, action: block, path: '/usr/bin/gdb'}\n")).join(''),
      /rules\[0\] \(ptrace block '\/usr\/bin\/gdb'\): a ptrace rule with a pattern/,
    );
  });

  it('an earlier allow (or weaker denial) overlapping a later stronger one, with a path both match', () => {
    const got = refusal(readFileSync(fixture('refused-order'), 'utf8'));
    assert.deepEqual(got, [
      "10:rules[1] (open block '/home/*/.ssh/**'): overlaps the earlier rules[0] ('/home/**', allow): both match '/home/a/.ssh/a', where NeuronTrace's first match gives ALLOW but vigil, which lets the stronger denial win, would give BLOCK; put the block rule first, or narrow one of the two",
    ]);
    const weaker = refusal(
      policy(`  - {event_type: connect, action: audit, path: '10.*'}
  - {event_type: connect, action: kill, path: '10.0.0.1:22'}
  - {event_type: connect, action: allow}
`),
    );
    assert.equal(weaker.length, 1);
    assert.match(
      weaker[0] ?? '',
      /rules\[1\] .*overlaps the earlier rules\[0\] .*both match '10\.0\.0\.1:22'.*AUDIT.*KILL/,
    );
    // the same rules in the other order are fine
    importNeuronTrace(
      policy(`  - {event_type: connect, action: kill, path: '10.0.0.1:22'}
  - {event_type: connect, action: audit, path: '10.*'}
  - {event_type: connect, action: allow}
`),
      'p.yaml',
    );
    // `/usr/bin/python*` and `/usr/bin/curl` share no path: no refusal whatever the order
    importNeuronTrace(
      policy(`  - {event_type: exec, action: allow, path: '/usr/bin/python*'}
  - {event_type: exec, action: block, path: '/usr/bin/curl'}
  - {event_type: exec, action: allow}
`),
      'p.yaml',
    );
  });

  it('a kill fallback beside other rules', () => {
    const got = refusal(
      policy(`  - {event_type: open, action: allow, path: '/tmp/**'}
  - {event_type: open, action: kill}
`),
    );
    assert.equal(got.length, 1);
    assert.match(
      got[0] ?? '',
      /rules\[1\] \(open kill\): a kill fallback has no exact vigil form here: .*override rules\[0\]/,
    );
  });

  it('connect patterns with no exact form', () => {
    for (const [glob, why] of [
      ['1*:80', /not an address or an address prefix/],
      ['10.0.0.[1-3]:80', /character class/],
      ['[::1]:*', /character class in globset/],
      ['127.0.0.1', /not an address or an address prefix/],
      ['10.0.0.1:7?', /'\?' in a destination/],
      ['\\[::ffff:1.2.3.4\\]:80', /IPv4-mapped/],
      ['\\[0:0::1\\]:80', /writes this address '::1'/],
      ['\\[fd00:0:*', /not an address or an address prefix/],
      ['010.*', /not an address/],
      ['*:99999', /over 65535/],
    ] as const) {
      const got = refusal(policy(`  - {event_type: connect, action: allow, path: '${glob}'}\n`));
      assert.equal(got.length, 1, glob);
      assert.match(got[0] ?? '', why, glob);
    }
  });

  it('bad input: every problem with its rule, field and position', () => {
    const got = refusal(readFileSync(fixture('invalid'), 'utf8'));
    assert.deepEqual(got, [
      "1:'name' is empty (NeuronTrace refuses it)",
      "1:'description' is missing (NeuronTrace requires it)",
      "3:rules[0].event_type: 'execute' is not one of: exec, open, unlink, rename, connect, ptrace, fork, exit, task_kill",
      "7:rules[1].action: 'deny' is not one of: allow, block, kill, audit",
      '8:rules[1].path: must be a string, not number 7',
      "12:rules[2].paht: unknown key 'paht' (NeuronTrace ignores it: a misspelt 'path' or 'argv' makes the rule a catch-all there); expected one of: event_type, action, cgroup_id, path, argv, description",
      "18:rules[4] must be a mapping (event_type, action, ...), not the string 'just a string'",
    ]);
    assert.deepEqual(refusal('name: x\ndescription: y\nrules: []\n'), [
      "3:'rules' is empty (NeuronTrace requires at least one rule)",
    ]);
    assert.deepEqual(refusal('description: y\nrules:\n  - {event_type: exec, action: allow}\n'), [
      "1:'name' is missing (NeuronTrace requires it)",
    ]);
    assert.deepEqual(refusal('name: x\ndescription: y\nrules: {a: 1}\n'), [
      "3:'rules' must be a list of rules, not a mapping",
    ]);
    assert.match(
      refusal(policy("  - {event_type: open, action: allow, path: '/tmp/[a'}\n")).join(''),
      /not a valid globset glob .*never closed.*catch-all/,
    );
  });
});

describe('loading a NeuronTrace file where a profile is expected', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-nt-'));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('is recognised by its rules list and imported; a vigil profile loads as before', () => {
    assert.equal(isNeuronTraceText(readFileSync(fixture('codex'), 'utf8')), true);
    assert.equal(isNeuronTraceText('name: x\nallowed_paths: [/tmp/**]\n'), false);
    assert.equal(isNeuronTraceText('{ not yaml'), false);
    const nt = loadAnyProfileFile(fixture('codex'));
    assert.equal(nt.importedFrom, 'neurontrace');
    assert.equal(nt.profile.name, 'codex');
    const own = join(dir, 'own.yaml');
    writeFileSync(own, 'name: own\ndefault_policy: allow\n');
    const v = loadAnyProfileFile(own);
    assert.equal(v.importedFrom, undefined);
    assert.equal(v.profile.name, 'own');
  });

  it('vigil run --profile FILE: one notice line, or the import error', async () => {
    const lines: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => {
      lines.push(args.join(' '));
    };
    try {
      const vars = { home: '/home/u', workspace: '/w' };
      const ref = await loadChoice(profileChoice('run', { profile: fixture('claude-code') }, vars));
      assert.equal(ref.profile.name, 'claude-code');
      assert.equal(ref.source, fixture('claude-code'));
      assert.deepEqual(lines, [
        `vigil: ${fixture('claude-code')} is a NeuronTrace policy; imported as vigil profile 'claude-code' (vigil profile import --from neurontrace ${fixture('claude-code')} shows it)`,
      ]);
      await assert.rejects(
        loadChoice(profileChoice('run', { profile: fixture('refused-order') }, vars)),
        (e: unknown) => e instanceof NeuronTraceImportError && /rules\[1\]/.test(e.message),
      );
    } finally {
      console.error = original;
    }
  });
});

describe('vigil profile import (the command)', () => {
  const CLI = join(repoRoot, 'dist/src/cli/main.js');
  const vigil = (...args: string[]) =>
    spawnSync(process.execPath, [CLI, 'profile', 'import', ...args], { encoding: 'utf8' });
  const dir = mkdtempSync(join(tmpdir(), 'vigil-nt-cli-'));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints a profile that loads, and the notes on stderr', () => {
    const r = vigil('--from', 'neurontrace', fixture('codex'));
    assert.equal(r.status, 0, r.stderr);
    const p = loadProfileText(r.stdout, 'out.yaml');
    assert.equal(p.name, 'codex');
    assert.deepEqual(p.commands.allowed.map((x) => x.written).slice(0, 1), ['/usr/bin/python*/**']);
    assert.match(r.stderr, /^note: rules\[1\] \(exec allow '\/usr\/bin\/python\*'\) is written/m);
  });

  it('-o OUT writes the file and will not replace it without --force', () => {
    const out = join(dir, 'codex.yaml');
    const first = vigil('--from', 'neurontrace', fixture('codex'), '-o', out);
    assert.equal(first.status, 0, first.stderr);
    assert.equal(first.stdout, '');
    assert.equal(loadProfileText(readFileSync(out, 'utf8'), out).name, 'codex');
    const again = vigil('--from', 'neurontrace', fixture('generic-agent'), '-o', out);
    assert.equal(again.status, 2);
    assert.match(again.stderr, /exists; add --force/);
    assert.equal(loadProfileText(readFileSync(out, 'utf8'), out).name, 'codex');
    const forced = vigil('--from', 'neurontrace', fixture('generic-agent'), '-o', out, '--force');
    assert.equal(forced.status, 0, forced.stderr);
    assert.equal(loadProfileText(readFileSync(out, 'utf8'), out).name, 'generic-agent');
  });

  it('exit 4 naming the rules when a policy cannot be imported or is invalid; 2 for bad flags', () => {
    const refused = vigil('--from', 'neurontrace', fixture('refused-argv'));
    assert.equal(refused.status, 4);
    assert.equal(refused.stdout, '');
    assert.match(refused.stderr, /cannot be imported exactly: 6 rules have no exact vigil form/);
    assert.match(
      refused.stderr,
      /refused-argv\.yaml:7:11: rules\[0\] \(exec allow '\/usr\/bin\/git'\): argv/,
    );
    assert.match(refused.stderr, /^hint: nothing was imported/m);
    const invalid = vigil('--from', 'neurontrace', fixture('invalid'));
    assert.equal(invalid.status, 4);
    assert.match(invalid.stderr, /not a valid NeuronTrace policy/);
    const missing = vigil('--from', 'neurontrace', join(dir, 'nope.yaml'));
    assert.equal(missing.status, 4);
    assert.match(missing.stderr, /cannot read profile/);
    assert.equal(vigil(fixture('codex')).status, 2);
    assert.equal(vigil('--from', 'seccomp', fixture('codex')).status, 2);
    assert.equal(vigil('--from', 'neurontrace').status, 2);
  });
});

// ---- generators -------------------------------------------------------------------------------

interface Rnd {
  int(lo: number, hi: number): number;
  pick<T>(list: readonly T[]): T;
}

/** A small seeded generator (mulberry32), so a failure replays. */
function seeded(seed: number): Rnd {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = s;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (list) => list[Math.floor(next() * list.length)] as (typeof list)[number],
  };
}

const NAMES = [
  'home',
  'u',
  '.ssh',
  'id_rsa',
  'etc',
  'shadow',
  'passwd',
  'usr',
  'bin',
  'local',
  'python3',
  'python3.12',
  'node',
  'git',
  'lib',
  'git-core',
  'git-remote-https',
  '.env',
  'project',
  'src',
  'a.py',
  'tmp',
  'x',
  'a',
  'b',
  '.bashrc',
  'nc',
  'ncat',
  'socat',
  'curl',
  'bash',
  'dash',
  'zsh',
  'var',
  'log',
  'syslog.log',
  'k.pem',
  'opt',
  'run',
  'srv',
  'data',
  'proc',
  'self',
  'boot',
  'é',
  '$HOME',
  '*literal',
  'tm',
  'vr',
  'é1',
];
/** What a wildcard is filled with: empty, plain, with `/`, dots. */
const FILLS = [
  '',
  'a',
  'x.py',
  'a/b',
  '/',
  'one/two/three',
  '.ssh',
  '.env',
  'python3.12',
  '..',
  '.',
  'é',
  'sh',
  'bin/x',
];

function randomPath(rnd: Rnd): string {
  const parts: string[] = [];
  for (let n = rnd.int(0, 6); n > 0; n--) parts.push(rnd.pick(NAMES));
  return '/' + parts.join('/');
}

/** A string the glob may match: wildcards filled at random (often with `/`), classes by a member or not. */
function fill(glob: string, rnd: Rnd): string {
  const chars = Array.from(glob);
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === '\\') out += chars[++i] ?? '';
    else if (c === '*') out += rnd.pick(FILLS);
    else if (c === '?') out += rnd.pick(['a', '/', '.', 'Z', '-']);
    else if (c === '[') {
      const end = chars.indexOf(']', i + 2);
      const body = chars.slice(i + 1, end).filter((x) => x !== '!' && x !== '^' && x !== '-');
      out += rnd.int(0, 2) === 0 ? rnd.pick(['q', '/', 'z', 'n']) : rnd.pick(body.length > 0 ? body : ['a']);
      i = end;
    } else if (c === '{') {
      const end = chars.indexOf('}', i);
      out += rnd.pick(
        chars
          .slice(i + 1, end)
          .join('')
          .split(','),
      );
      i = end;
    } else out += c;
  }
  if (rnd.int(0, 4) === 0) out += rnd.pick(['/x', 'x', '/.ssh/k', '']);
  return out.startsWith('/') ? out : rnd.pick(['/', '/home/u/', '/tmp/']) + out;
}

/** The path as vigil sees it (normalised), or undefined when it would be over the bound. */
function normalised(raw: string): string | undefined {
  const p = normalisePath(raw);
  if (p.bytes.length > 4000) return undefined;
  return Buffer.from(p.bytes).toString('utf8');
}

/** A destination: often built from the policy's own connect patterns, else a random address. */
function randomDestination(rnd: Rnd, policyText: string): { ip: string; port: number } {
  const v4 = (): string => {
    const base = rnd.pick([
      '127.0.0.1',
      '127.0.0.53',
      '10.1.2.3',
      '10.200.0.9',
      '10.0.0.1',
      '192.168.1.20',
      '192.168.2.1',
      '169.254.169.254',
      '8.8.8.8',
    ]);
    if (rnd.int(0, 2) > 0) return base;
    return [rnd.int(0, 255), rnd.int(0, 255), rnd.int(0, 255), rnd.int(0, 255)].join('.');
  };
  const v6 = (): string => {
    const fixed = [
      '::1',
      '::',
      'fd00::1',
      'fd00::2',
      '2001:db8::1',
      '2001:db8:1:2::3',
      'fe80::1',
      '2001:db9::1',
      '1:0:0:2::',
    ];
    if (rnd.int(0, 2) > 0) return rnd.pick(fixed);
    return Array.from({ length: 8 }, () => rnd.int(0, 3).toString(16)).join(':');
  };
  const ports = [...policyText.matchAll(/:(\d{1,5})\b/g)].map((m) => Number(m[1]));
  const port =
    rnd.int(0, 1) === 0 && ports.length > 0
      ? rnd.pick(ports)
      : rnd.pick([22, 53, 80, 443, 8080, 8443, 1, 65535, rnd.int(1, 65535)]);
  return { ip: rnd.int(0, 2) === 0 ? v6() : v4(), port };
}
