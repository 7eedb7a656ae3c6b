// The kernel table compiler without a kernel: bounds are refused with figures, trie entries carry
// their ancestors' verdicts, networks get port segments. The kernel agreement itself is checked
// by test/kernel/policy-matcher.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { decodeStruct } from '../../../src/wire/struct-layout.js';
import {
  POLICY_RULE_NONE,
  PolicyNet,
  PolicyPathKey,
  PolicyPrefix,
  PolicyTable,
} from '../../../src/wire/wire-layout.js';
import { loadBuiltinProfile, builtinProfileNames } from '../../../src/policy/builtin-profiles.js';
import { ProfileCompileError } from '../../../src/policy/compile-errors.js';
import { compileTables } from '../../../src/policy/compile-tables.js';
import { POLICY_MAPS } from '../../../src/policy/policy-maps.js';
import { loadProfileText } from '../../../src/policy/load-profile.js';

const load = (yaml: string) => loadProfileText(yaml, 'p.yaml', { home: '/h', workspace: '/w' });

function prefixEntries(yaml: string) {
  const out = new Map<string, ReturnType<typeof decodeStruct<typeof PolicyPrefix.specs>>>();
  for (const w of compileTables(load(yaml), 3).writes) {
    if (w.map !== POLICY_MAPS.prefix) continue;
    const k = decodeStruct(PolicyPathKey, w.key);
    assert.equal(k.table, 3);
    const len = (k.prefixlen - 32) / 8;
    out.set(k.path.subarray(0, len).toString(), decodeStruct(PolicyPrefix, w.value));
  }
  return out;
}

test('every built-in profile fits the kernel tables', () => {
  for (const name of builtinProfileNames()) {
    const f = compileTables(loadBuiltinProfile(name, { home: '/h', workspace: '/w' }), 0).figures;
    assert.ok(f.pathStates > 0 && f.pathStates < 200, `${name}: ${f.pathStates} states`);
    assert.ok(f.prefixEntries > 20, `${name}: ${f.prefixEntries} prefix entries`);
  }
});

test('prefix entries fold their ancestors; exact rules only count on a full match', () => {
  const e = prefixEntries(`name: t
default_policy: allow
denied_paths:
  - {pattern: /a/**, action: audit}
  - /a/b/c
  - {pattern: /a/b/**, access: write, action: kill}
allowed_paths:
  - /**
  - {pattern: /a/b/**, access: read}
`);
  assert.deepEqual([...e.keys()].sort(), ['/', '/a/', '/a/b/', '/a/b/c/']);
  const abc = e.get('/a/b/c/');
  assert.ok(abc);
  assert.equal(abc.len, 7);
  // partial (a path below /a/b/c): /a/** audit, /a/b/** kill for writes, allowed /** and /a/b/** (read)
  assert.deepEqual(abc.partial.read, { deny_action: 1, pad: 0, deny_rule: 0, allow_rule: 0, pad2: 0 });
  assert.equal(abc.partial.write.deny_action, 3);
  assert.equal(abc.partial.write.deny_rule, 2);
  assert.equal(abc.partial.rdwr.deny_action, 3);
  // full (/a/b/c itself): the exact block rule joins; kill still wins for writes, block for reads
  assert.equal(abc.full.read.deny_action, 2);
  assert.equal(abc.full.read.deny_rule, 1);
  assert.equal(abc.full.write.deny_action, 3);
  assert.equal(abc.full.exec.deny_action, 0);
  assert.equal(abc.full.exec.allow_rule, POLICY_RULE_NONE);
  const root = e.get('/');
  assert.ok(root);
  assert.equal(root.partial.read.allow_rule, 0);
  assert.equal(root.partial.read.deny_action, 0);
});

test('access: a read-only allowed rule does not allow read-write opens', () => {
  const e = prefixEntries('name: t\nallowed_paths:\n  - {pattern: /usr/**, access: read}\n');
  const usr = e.get('/usr/');
  assert.ok(usr);
  assert.equal(usr.partial.read.allow_rule, 0);
  assert.equal(usr.partial.write.allow_rule, POLICY_RULE_NONE);
  assert.equal(usr.partial.rdwr.allow_rule, POLICY_RULE_NONE);
});

test('literals too long for a trie key go to the automaton', () => {
  const long = '/' + 'x'.repeat(300);
  const f = compileTables(load(`name: t\ndenied_paths: [${long}, ${long}/**, /**${long}]\n`), 0).figures;
  assert.deepEqual(f.byStrategy, { exact: 0, prefix: 0, suffix: 0, contains: 0, automaton: 3 });
  assert.ok(f.pathStates > 300);
});

test('a pattern that does not fit alone is refused naming it, with figures', () => {
  // 70 byte classes: one per distinct literal byte
  const chars = Array.from({ length: 70 }, (_, i) => String.fromCharCode(0x30 + i)).filter(
    (c) => !'[\\]^'.includes(c),
  );
  const yaml = `name: t\ndenied_paths:\n  - /ok\n  - ${JSON.stringify('/*' + chars.join('*') + '*')}\n`;
  assert.throws(
    () => compileTables(load(yaml), 0),
    (err: unknown) =>
      err instanceof ProfileCompileError &&
      err.code === 'VIGIL_PROFILE_PATTERN' &&
      err.exitCode === 4 &&
      /^p\.yaml:4:5: denied_paths\[1\] '.*': this pattern alone needs 6\d automaton classes; the bound is 64/.test(
        err.message,
      ),
  );
});

test('patterns that do not fit together are refused naming the one that tips it over', () => {
  // each `/**/<x>*<y>` pattern keeps its own progress through a component: states multiply
  const pats: string[] = [];
  for (let i = 0; i < 40; i++)
    pats.push(`  - ${JSON.stringify(`/**/${'abcdefghij'.slice(i % 10)}*${'klmnop'.slice(i % 6)}?*/**`)}`);
  assert.throws(
    () => compileTables(load(`name: t\ndenied_paths:\n${pats.join('\n')}\n`), 0),
    (err: unknown) => {
      assert.ok(err instanceof ProfileCompileError, String(err));
      assert.equal(err.code, 'VIGIL_PROFILE_TOO_BIG');
      assert.match(
        err.message,
        /denied_paths\[\d+\] .*with the \d+ automaton pattern\(s\) before it, it needs more than \d+ automaton states; the bound is \d+/,
      );
      return true;
    },
  );
});

test('networks: containing CIDRs fold in, ports become segments, over the bound is refused', () => {
  const tables = compileTables(
    load(`name: t
allowed_networks: ['0.0.0.0/0:443/tcp', '10.0.0.0/8', '0.0.0.0/0:53/udp']
denied_networks: [10.1.0.0/16]
`),
    0,
  );
  const nets = tables.writes
    .filter((w) => w.map === POLICY_MAPS.nets)
    .map((w) => decodeStruct(PolicyNet, w.value));
  assert.equal(nets.length, 3); // 0.0.0.0/0, 10/8, 10.1/16
  assert.equal(tables.figures.networkEntries, 3);
  // 0/0: 53/udp, 443/tcp; 10/8 and 10.1/16: below 443, 443 (rule 0 wins for TCP), above
  const counts = nets.map((n) => n.count).sort();
  assert.deepEqual(counts, [2, 3, 3]);

  const many = Array.from({ length: 40 }, (_, i) => `'0.0.0.0/0:${1000 + 2 * i}'`).join(', ');
  assert.throws(
    () => compileTables(load(`name: t\nallowed_networks: [${many}]\n`), 0),
    /needs 40 port segments; the bound is 32/,
  );
});

test('the header carries defaults, mode and the over-bound verdicts', () => {
  const t = compileTables(
    load(`name: t
mode: audit
default_policy: {paths: allow, networks: deny, commands: allow}
denied_paths:
  - {pattern: /a/**, access: write}
  - {pattern: /b/**/*.log, action: audit}
  - {pattern: /c/*.log, action: kill}
  - /exact
`),
    5,
  );
  const w = t.writes[t.writes.length - 1];
  assert.ok(w);
  assert.equal(w.map, POLICY_MAPS.tables);
  assert.equal(w.key.readUInt32LE(0), 5);
  const h = decodeStruct(PolicyTable, w.value);
  // read: only the audit glob could match a long path (/c/*.log cannot, /exact neither);
  // write/rdwr: the block prefix
  // unlink, rename: the block prefix (`access: write` names neither) is out; the audit glob is in
  assert.deepEqual([...h.bound], [1, 2, 2, 0, 1, 1, 0, 0]);
  assert.equal(h.flags & 0b11111, 0b01011); // valid, audit, nets deny
  // defaults per slot: read, write, rdwr (paths allow), exec (allow), unlink, rename (follow paths), networks (deny)
  assert.deepEqual([...h.dflt], [0, 0, 0, 0, 0, 0, 2, 0]);
  assert.deepEqual([...h.guard], [0, 0, 0, 0]);
  assert.throws(() => compileTables(load('name: t\n'), 8), RangeError);
});

test('on_reactive: audit rules are listed per table; kill (the default) and audit-mode profiles add none', () => {
  const p = load(
    "name: t\nversion: '1'\ndenied_paths: ['/etc/shadow', {pattern: '/proc/*/environ', on_reactive: audit}, {pattern: /x, action: audit, on_reactive: audit}]\n",
  );
  const writes = compileTables(p, 3).writes.filter((w) => w.map === POLICY_MAPS.reactive);
  assert.deepEqual(
    writes.map((w) => [w.key.readUInt32LE(0), w.key.readUInt32LE(4)]),
    [[3, 1]],
  );
  const audit = load(
    "name: t\nversion: '1'\nmode: audit\ndenied_paths: [{pattern: '/proc/*/environ', on_reactive: audit}]\n",
  );
  assert.equal(compileTables(audit, 0).writes.filter((w) => w.map === POLICY_MAPS.reactive).length, 0);
});
