// Differential test: the kernel matcher (BPF_PROG_RUN of kernel/policy/matcher_test.bpf.c over
// the tables compile-tables.ts makes) and the reference evaluator must agree on every generated
// input, over the built-in profiles and generated adversarial ones. Needs root.
// VIGIL_SEED=<n> replays a run; VIGIL_INPUTS=<n> changes the input count (default 120,000).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { BpfObject } from '../../src/bridge/bpf-object.js';
import { PolicyTables } from '../../src/loader/policy-tables.js';
import { builtinProfileNames, loadBuiltinProfile } from '../../src/policy/builtin-profiles.js';
import { ProfileCompileError } from '../../src/policy/compile-errors.js';
import { compileTables } from '../../src/policy/compile-tables.js';
import { createEvaluator } from '../../src/policy/evaluate.js';
import type { OpenAccess, MatcherInput } from '../../src/policy/evaluate.js';
import { loadProfileText } from '../../src/policy/load-profile.js';
import type { Profile } from '../../src/policy/profile-types.js';
import { requires } from '../support/requires.js';
import { bpfObject } from '../support/paths.js';

const VARS = { home: '/home/agent', workspace: '/work/proj' };
const TOTAL = Number(process.env['VIGIL_INPUTS'] ?? 120_000);

/** mulberry32: small, seedable, good enough to spread inputs. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const int = (r: Rng, n: number): number => Math.floor(r() * n);
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[int(r, xs.length)] as T;

const NAMES = [
  'a',
  'b',
  'ab',
  'abc',
  '.env',
  'x.y',
  'log',
  'é',
  '日本',
  'sub',
  'etc',
  'ssh',
  'key',
  'Z9',
  'a-b',
];
const WILD = ['*', 'a*', '*.log', '?b', '[a-c]x', '[!a]*', 'x?y*z', '*b*', '.env.*', '[0-9]?', 'é*', '*.y'];

function literal(r: Rng): string {
  return r() < 0.1 ? 'long'.repeat(1 + int(r, 70)) : pick(r, NAMES);
}

function pattern(r: Rng): string {
  // a component run anywhere (`/**/.aws/**`, `/**/.config/gcloud/**`): the component-run trie
  if (r() < 0.15) return `/**/${literal(r)}${r() < 0.3 ? '/' + literal(r) : ''}/**`;
  const n = 1 + int(r, 5);
  const parts: string[] = [];
  const style = r();
  if (style < 0.2) parts.push('**');
  for (let i = 0; i < n; i++) {
    const x = r();
    if (x < 0.55) parts.push(literal(r));
    else if (x < 0.93) parts.push(pick(r, WILD));
    else if (parts[parts.length - 1] !== '**') parts.push('**');
  }
  if (style > 0.75 && parts[parts.length - 1] !== '**') parts.push('**');
  if (parts[parts.length - 1] === '**' && parts.length === 1) parts.unshift(literal(r));
  return '/' + parts.join('/');
}

function yamlRule(r: Rng, p: string, deny: boolean, withAccess: boolean): string {
  const access = withAccess
    ? `, access: ${pick(r, ['read', 'write', 'any', 'unlink', 'rename', '[read, unlink]', '[write, rename]', '[read, write]'])}`
    : '';
  const action = deny ? `, action: ${pick(r, ['block', 'block', 'kill', 'audit'])}` : '';
  return `  - {pattern: ${JSON.stringify(p)}${access}${action}}`;
}

const NETS = [
  '10.0.0.0/8',
  '10.1.0.0/16',
  '10.1.2.3',
  '0.0.0.0/0',
  '192.168.0.0/16',
  '::/0',
  '2001:db8::/32',
  '2001:db8:1::/48',
  '::1',
  '::ffff:172.16.0.0/108',
];
const PORTS = ['', ':443', ':80/tcp', ':53/udp', ':8000-9000', ':1-1024/tcp', ':*'];

function netRule(r: Rng, deny: boolean): string {
  let cidr = pick(r, NETS);
  const port = pick(r, PORTS);
  if (cidr.includes(':') && port !== '') cidr = `[${cidr}]`;
  const action = deny ? `, action: ${pick(r, ['block', 'kill', 'audit'])}` : '';
  return `  - {cidr: ${JSON.stringify(cidr + port)}${action}}`.replace('{cidr: ', '{cidr: ');
}

function generatedProfile(r: Rng, i: number): string {
  const lines = [
    `name: gen-${i}`,
    `mode: ${r() < 0.15 ? 'audit' : 'enforce'}`,
    `default_policy: {paths: ${pick(r, ['allow', 'deny', 'audit'])}, networks: ${pick(r, ['allow', 'deny', 'audit'])}, commands: ${pick(r, ['allow', 'deny', 'audit'])}` +
      (r() < 0.5 ? `, unlinks: ${pick(r, ['allow', 'deny', 'audit'])}` : '') +
      (r() < 0.5 ? `, renames: ${pick(r, ['allow', 'deny', 'audit'])}` : '') +
      '}',
  ];
  const many = r() < 0.3 ? 60 : 12;
  lines.push('denied_paths:');
  for (let k = 0; k < 1 + int(r, many); k++) lines.push(yamlRule(r, pattern(r), true, r() < 0.5));
  lines.push('allowed_paths:');
  for (let k = 0; k < 1 + int(r, many); k++) lines.push(yamlRule(r, pattern(r), false, r() < 0.5));
  lines.push('denied_commands:');
  for (let k = 0; k < 1 + int(r, 6); k++) {
    const c =
      r() < 0.5
        ? pick(r, [...NAMES.filter((n) => !n.startsWith('.')), 'nc', 'nc.*', 'py*', '[a-c]?'])
        : pattern(r);
    lines.push(`  - {command: ${JSON.stringify(c)}, action: ${pick(r, ['block', 'kill', 'audit'])}}`);
  }
  lines.push('allowed_commands:');
  for (let k = 0; k < 1 + int(r, 6); k++) {
    const c = r() < 0.5 ? pick(r, ['a', 'ab', 'log', 'git', 'python3*', '*', 'x?y*z']) : pattern(r);
    lines.push(`  - ${JSON.stringify(c)}`);
  }
  lines.push('denied_networks:');
  for (let k = 0; k < int(r, 5); k++) lines.push(netRule(r, true));
  lines.push('allowed_networks:');
  for (let k = 0; k < 1 + int(r, 8); k++) lines.push(netRule(r, false));
  return lines.join('\n') + '\n';
}

/** A path that often matches a pattern: wildcards filled in, with noise and edge cases. */
function instantiate(r: Rng, p: string): string {
  const comps = p.split('/').filter((c) => c !== '');
  const out: string[] = [];
  for (const c of comps) {
    if (c === '**') {
      for (let k = int(r, 3); k > 0; k--) out.push(r() < 0.5 ? literal(r) : pick(r, NAMES));
      continue;
    }
    out.push(
      c
        .replace(/\[!a\]/g, () => pick(r, ['b', 'a', 'z']))
        .replace(/\[a-c\]/g, () => pick(r, ['a', 'c', 'd']))
        .replace(/\[0-9\]/g, () => pick(r, ['0', '9', 'x']))
        .replace(/\*/g, () => pick(r, ['', 'q', 'abc', 'é', '.log', 'b']))
        .replace(/\?/g, () => pick(r, ['x', '1', 'é', ''])),
    );
  }
  return '/' + out.join('/');
}

function noisyPath(r: Rng, patterns: readonly string[]): string | Uint8Array {
  const x = r();
  let p = patterns.length > 0 && x < 0.7 ? instantiate(r, pick(r, patterns)) : randomPath(r);
  if (r() < 0.1) p = p.replace('/', '//');
  if (r() < 0.05) p += '/';
  if (r() < 0.05) p = p + '/./' + literal(r) + '/..';
  if (r() < 0.05) p = p + '/' + literal(r);
  if (r() < 0.03) return boundPath(r, p);
  if (r() < 0.04) {
    const bytes = Buffer.from(p);
    const extra = Buffer.from([0x2f, 0x80 + int(r, 127), 0xff, 0x41]);
    return Buffer.concat([bytes, extra]);
  }
  return p;
}

function randomPath(r: Rng): string {
  const n = int(r, 9);
  const parts: string[] = [];
  for (let i = 0; i < n; i++)
    parts.push(r() < 0.7 ? literal(r) : pick(r, ['home', 'agent', 'work', 'proj', 'etc', 'tmp']));
  return '/' + parts.join('/');
}

/** Paths around the 4095-byte bound (after normalisation). */
function boundPath(r: Rng, base: string): string {
  const target = pick(r, [4094, 4095, 4096, 4097, 5000, 4000]);
  const tail = '/' + pick(r, ['.env', 'key', 'a', 'x.log']);
  let p = base === '/' ? '' : base;
  while (Buffer.byteLength(p + tail) < target) {
    const room = target - Buffer.byteLength(p + tail) - 1;
    p += '/' + 'd'.repeat(Math.max(1, Math.min(room, 1 + int(r, 200))));
  }
  return (p + tail).slice(0, Math.max(2, target));
}

function ipInput(r: Rng): string {
  const x = r();
  if (x < 0.3) return `10.${pick(r, [0, 1, 2])}.${pick(r, [0, 2, 9])}.${pick(r, [0, 3, 200])}`;
  if (x < 0.45) return `192.168.${int(r, 3)}.${int(r, 256)}`;
  if (x < 0.55) return `${int(r, 256)}.${int(r, 256)}.${int(r, 256)}.${int(r, 256)}`;
  if (x < 0.65)
    return `::ffff:${pick(r, ['10.1.2.3', '172.16.5.4', '172.31.0.1', '8.8.8.8', '192.168.1.1'])}`;
  if (x < 0.8) return `2001:db8:${pick(r, ['1', '2', '0'])}::${int(r, 65536).toString(16)}`;
  return pick(r, ['::1', '::', 'fe80::1', '2001:db9::1', '::10.1.2.3', '64:ff9b::a01:203']);
}

function inputs(r: Rng, profile: Profile, n: number): MatcherInput[] {
  const pats = [...profile.paths.denied, ...profile.paths.allowed].map((x) => x.plan.pattern);
  const cmds = [...profile.commands.denied, ...profile.commands.allowed].flatMap((c) =>
    c.match.by === 'path' ? [c.match.plan.pattern] : [],
  );
  const names = [...profile.commands.denied, ...profile.commands.allowed].flatMap((c) =>
    c.match.by === 'basename' ? [c.match.strategy === 'exact' ? c.match.name : c.match.pattern] : [],
  );
  const out: MatcherInput[] = [];
  for (let i = 0; i < n; i++) {
    const x = r();
    if (x < 0.08) {
      out.push({ kind: 'unlink', path: noisyPath(r, pats) });
    } else if (x < 0.16) {
      out.push({ kind: 'rename', path: noisyPath(r, pats), to: noisyPath(r, pats) });
    } else if (x < 0.6) {
      out.push({
        kind: 'open',
        path: noisyPath(r, pats),
        access: pick<OpenAccess>(r, ['read', 'write', 'read-write']),
      });
    } else if (x < 0.8) {
      const base = names.length > 0 && r() < 0.5 ? instantiate(r, '/' + pick(r, names)).slice(1) : literal(r);
      const path = r() < 0.5 ? noisyPath(r, cmds.length > 0 ? cmds : pats) : `/usr/bin/${base}`;
      const requested = pick(r, [
        undefined,
        base,
        `/usr/local/bin/${base}`,
        `./${base}`,
        '/usr/bin/../bin/nc',
        'nc',
        '..',
      ]);
      out.push(requested === undefined ? { kind: 'exec', path } : { kind: 'exec', path, requested });
    } else {
      const port = pick(r, [0, 1, 22, 52, 53, 54, 80, 443, 444, 1024, 1025, 7999, 8000, 9000, 9001, 65535]);
      out.push({ kind: 'connect', ip: ipInput(r), port, proto: r() < 0.5 ? 'tcp' : 'udp' });
    }
  }
  return out;
}

function show(input: MatcherInput): string {
  return JSON.stringify(input, (_k, v: unknown) =>
    v instanceof Uint8Array
      ? `bytes:${Buffer.from(v).toString('hex')}`
      : typeof v === 'string' && v.length > 200
        ? `${v.slice(0, 80)}...(${Buffer.byteLength(v)} bytes)`
        : v,
  );
}

test('the kernel matcher agrees with the reference evaluator on every generated input', async (t) => {
  if (!(await requires(t, 'root', 'prog_run'))) return;
  const seed = Number(process.env['VIGIL_SEED'] ?? Date.now() % 2 ** 31);
  t.diagnostic(`seed ${seed} (replay: VIGIL_SEED=${seed})`);
  console.log(`policy-matcher: seed ${seed} (replay with VIGIL_SEED=${seed})`);
  const r = prng(seed);
  const obj = BpfObject.open(bpfObject('policy/matcher_test.bpf.o'));
  t.after(() => {
    obj.close();
  });
  obj.load();
  const tables = new PolicyTables(obj);

  const profiles: { profile: Profile; text: string }[] = builtinProfileNames().map((n) => ({
    profile: loadBuiltinProfile(n, VARS),
    text: `builtin:${n}`,
  }));
  let refused = 0;
  let invalid = 0;
  for (let i = 0; profiles.length < 22 && i < 300; i++) {
    const text = generatedProfile(r, i);
    let profile: Profile;
    try {
      profile = loadProfileText(text, `gen-${i}.yaml`, VARS);
    } catch {
      invalid++; // a generated pattern the loader refuses (e.g. too long to ever match)
      continue;
    }
    try {
      compileTables(profile, 0);
    } catch (err) {
      if (!(err instanceof ProfileCompileError)) throw err;
      refused++; // over a bound: refused with figures, as it must be
      if (refused <= 3) t.diagnostic(`refused ${profile.name}: ${err.message}`);
      continue;
    }
    profiles.push({ profile, text });
  }

  const started = Date.now();
  const perProfile = Math.ceil(TOTAL / profiles.length);
  let checked = 0;
  const mismatches: string[] = [];
  const figures: string[] = [];
  profiles.forEach(({ profile, text }, handle) => {
    const f = tables.load(handle, profile).figures;
    figures.push(
      `${profile.name}: ${f.prefixEntries}+${f.suffixEntries}+${f.containEntries} trie, ${f.pathStates}/${f.nameStates} states, ${f.networkEntries} nets`,
    );
    const evaluate = createEvaluator(profile);
    const batch = inputs(r, profile, perProfile);
    const kernel = tables.explainMany(handle, batch);
    batch.forEach((input, k) => {
      const want = evaluate(input);
      const got = kernel[k];
      checked++;
      if (got === undefined || got.action !== want.action || got.rule !== want.rule) {
        if (mismatches.length < 10) {
          mismatches.push(
            `profile ${profile.name}\n${text}\ninput ${show(input)}\nkernel    ${got?.action} ${got?.rule}\nevaluator ${want.action} ${want.rule} (${want.reason})`,
          );
        }
      }
    });
    tables.unload(handle);
  });
  const ms = Date.now() - started;
  const summary = `${checked} inputs over ${profiles.length} profiles (${refused} generated ones refused by the table compiler, ${invalid} generated profiles invalid), ${ms} ms, ${mismatches.length === 0 ? 'all agree' : 'MISMATCHES'}`;
  console.log(`policy-matcher: ${summary}`);
  t.diagnostic(summary);
  t.diagnostic(figures.join('; '));
  assert.deepEqual(
    mismatches,
    [],
    `seed ${seed}: kernel and evaluator disagree:\n${mismatches.join('\n---\n')}`,
  );
  assert.ok(checked >= 100_000 || TOTAL < 100_000, `only ${checked} inputs checked`);
});

test('two hundred component-anywhere patterns with a built-in profile load and decide in the kernel', async (t) => {
  if (!(await requires(t, 'root', 'prog_run'))) return;
  const seed = Number(process.env['VIGIL_SEED'] ?? Date.now() % 2 ** 31);
  t.diagnostic(`seed ${seed} (replay: VIGIL_SEED=${seed})`);
  const r = prng(seed);
  const obj = BpfObject.open(bpfObject('policy/matcher_test.bpf.o'));
  t.after(() => {
    obj.close();
  });
  obj.load();
  const tables = new PolicyTables(obj);
  // what real profiles write: a folder name anywhere, runs of two, with access and actions mixed in
  const names = Array.from({ length: 200 }, (_, i) => `.secret-${i.toString(36)}`);
  const rules = names.map((n, i) => {
    const run = i % 10 === 0 ? `.config/${n}` : n;
    const access = pick(r, [
      '',
      ', access: read',
      ', access: write',
      ', access: unlink',
      ', access: [rename, write]',
    ]);
    return `  - {pattern: "/**/${run}/**", action: ${pick(r, ['block', 'kill', 'audit'])}${access}}`;
  });
  const text = `name: many-runs
extends: claude-code
denied_paths:
${rules.join('\n')}
allowed_paths:
  - /**/${names[3]}/ok/**
`;
  const profile = loadProfileText(text, 'many-runs.yaml', VARS);
  const f = tables.load(7, profile).figures;
  t.diagnostic(
    `200 runs + claude-code: ${f.containEntries} component-run entries, ${f.pathStates} path states (bound 4096), ${f.byStrategy.automaton} automaton patterns`,
  );
  assert.ok(f.containEntries >= 200, `${f.containEntries} component-run entries`);
  assert.ok(f.pathStates < 400, `the automaton stays small: ${f.pathStates} states`);
  const evaluate = createEvaluator(profile);
  const batch: MatcherInput[] = [];
  for (let i = 0; i < 20_000; i++) {
    const n = pick(r, names);
    const parts = [pick(r, ['home', 'tmp', 'work']), r() < 0.5 ? 'agent' : literal(r)];
    if (r() < 0.2) parts.push('.config');
    parts.push(r() < 0.8 ? n : n + 'x');
    if (r() < 0.6) parts.push(pick(r, ['key', 'ok', 'a/b', 'é']));
    const path = '/' + parts.join('/');
    const x = r();
    batch.push(
      x < 0.6
        ? { kind: 'open', path, access: pick<OpenAccess>(r, ['read', 'write', 'read-write']) }
        : x < 0.8
          ? { kind: 'unlink', path }
          : { kind: 'rename', path: '/tmp/x', to: path },
    );
  }
  const kernel = tables.explainMany(7, batch);
  const bad = batch.flatMap((input, k) => {
    const want = evaluate(input);
    const got = kernel[k];
    return got?.action === want.action && got.rule === want.rule
      ? []
      : [`${show(input)}: kernel ${got?.action} ${got?.rule}, evaluator ${want.action} ${want.rule}`];
  });
  tables.unload(7);
  assert.deepEqual(bad.slice(0, 5), [], `seed ${seed}: ${bad.length} of ${batch.length} disagree`);
});

test('a reload swaps tables atomically and a refused profile leaves the old one in force', async (t) => {
  if (!(await requires(t, 'root', 'prog_run'))) return;
  const obj = BpfObject.open(bpfObject('policy/matcher_test.bpf.o'));
  t.after(() => {
    obj.close();
  });
  obj.load();
  const tables = new PolicyTables(obj);
  const a = loadProfileText('name: a\ndefault_policy: allow\ndenied_paths: [/secret/**]\n', 'a.yaml');
  const b = loadProfileText('name: b\ndefault_policy: allow\ndenied_paths: [/other]\n', 'b.yaml');
  const first = tables.load(1, a);
  const open = (p: string): MatcherInput => ({ kind: 'open', path: p, access: 'read' });
  assert.equal(tables.explain(1, open('/secret/x')).action, 'BLOCK');
  const second = tables.load(1, b);
  assert.notEqual(second.tableId, first.tableId);
  assert.equal(second.previousTableId, first.tableId);
  assert.equal(tables.explain(1, open('/secret/x')).action, 'ALLOW');
  assert.equal(tables.explain(1, open('/other')).rule, 'denied_paths[0]');
  assert.deepEqual(tables.usedTableIds(), [second.tableId]);
  // the old table's trie entries are gone
  const stale = [...obj.map('policy_prefix').keys()].filter((k) => k.readUInt32LE(4) === first.tableId);
  assert.equal(stale.length, 0);

  // 70 distinct classes cannot fit the automaton: refused, and b stays in force
  const chars = Array.from({ length: 70 }, (_, i) => String.fromCharCode(0x30 + i)).filter(
    (c) => !'[\\]^'.includes(c),
  );
  const huge = loadProfileText(
    `name: huge\ndenied_paths:\n${chars.map((c) => `  - ${JSON.stringify(`/*${c}*`)}`).join('\n')}\n`,
    'huge.yaml',
  );
  assert.throws(
    () => tables.load(1, huge),
    (err: unknown) => err instanceof ProfileCompileError,
  );
  assert.equal(tables.explain(1, open('/other')).rule, 'denied_paths[0]');
  assert.deepEqual(tables.usedTableIds(), [second.tableId]);

  tables.unload(1);
  assert.equal(tables.explain(1, open('/other')).rule, 'error', 'an unknown profile fails closed');
});
