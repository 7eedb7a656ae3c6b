// The Landlock plan over a real folder tree made for each test: which grants a profile becomes,
// what a carve-out costs, what is left to the other layers, and, on every entry of the tree,
// that the grants agree with the reference evaluator (allowed => granted; denied by a rule the
// plan does not leave => not granted).
import assert from 'node:assert/strict';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';

import { evaluate, type OpenAccess } from '../../../src/policy/evaluate.js';
import {
  FILE_RIGHTS,
  FS,
  HANDLED_RIGHTS,
  READ_RIGHTS,
  WRITE_RIGHTS,
} from '../../../src/policy/landlock-rights.js';
import { grantIndex, rightsAt } from '../../../src/policy/landlock-grants.js';
import { encodeLandlockPlan, planLandlock, type LandlockPlan } from '../../../src/policy/landlock-plan.js';
import { loadProfileText } from '../../../src/policy/load-profile.js';
import type { Profile } from '../../../src/policy/profile-types.js';

const root = realpathSync(mkdtempSync(join(tmpdir(), 'vigil-llplan-')));
after(() => {
  rmSync(root, { recursive: true, force: true });
});

let counter = 0;
/** A fresh tree: `spec` maps relative paths to file contents, or null for a folder. */
function tree(spec: Record<string, string | null>): string {
  const dir = join(root, `t${counter++}`);
  mkdirSync(dir);
  for (const [rel, content] of Object.entries(spec)) {
    const path = join(dir, rel);
    mkdirSync(content === null ? path : dirname(path), { recursive: true });
    if (content !== null) writeFileSync(path, content);
  }
  return dir;
}

const load = (ws: string, yaml: string): Profile =>
  loadProfileText(`name: t\n${yaml}`, 'p.yaml', { home: join(ws, 'home'), workspace: ws });

const grantOf = (plan: LandlockPlan, path: string): number | undefined =>
  plan.grants.find((g) => g.path === path)?.rights;

const leftRules = (plan: LandlockPlan): string[] => [...new Set(plan.left.map((l) => l.rule))];

/** Every entry of `dir`, recursively, with whether it is a folder. */
function entries(dir: string): { path: string; isDir: boolean }[] {
  const out = [{ path: dir, isDir: true }];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...entries(path));
    else if (!e.isSymbolicLink()) out.push({ path, isDir: false });
  }
  return out;
}

/**
 * The plan against the evaluator on every existing entry: what the profile allows is granted,
 * what a rule denies is refused unless the plan lists that rule as left to the other layers.
 */
function assertAgrees(profile: Profile, plan: LandlockPlan, dir: string): void {
  const index = grantIndex(plan.grants);
  const left = new Set(leftRules(plan));
  for (const { path, isDir } of entries(dir)) {
    const accesses: [OpenAccess, number][] = isDir
      ? [['read', FS.READ_DIR]]
      : [
          ['read', FS.READ_FILE],
          ['write', FS.WRITE_FILE],
        ];
    for (const [access, needed] of accesses) {
      const d = evaluate(profile, { kind: 'open', path, access });
      const granted = (rightsAt(index, path) & needed) === needed;
      if (d.action === 'ALLOW')
        assert.ok(granted, `${access} of ${path} is allowed (${d.reason}) but not granted`);
      else if (!left.has(d.rule) && d.rule !== 'default')
        assert.ok(!granted, `${access} of ${path} is denied by ${d.rule}, not left, yet granted`);
      else if (d.rule === 'default')
        assert.ok(!granted, `${access} of ${path} is denied by default, yet granted`);
    }
  }
}

describe('default-deny profiles: one grant per allowed pattern', () => {
  it("grants each pattern's literal prefix with its access, and installs under auto", () => {
    const ws = tree({ 'src/a.ts': 'x', 'docs/r.md': 'y', 'data/big.bin': 'z' });
    const p = load(
      ws,
      `default_policy: deny
allowed_paths:
  - \${WORKSPACE}/src/**
  - pattern: \${WORKSPACE}/docs/**
    access: read
  - pattern: \${WORKSPACE}/data/*.bin
    access: write
`,
    );
    const plan = planLandlock(p, 'auto');
    assert.equal(plan.install, true, plan.summary);
    assert.equal(grantOf(plan, join(ws, 'src')), HANDLED_RIGHTS);
    assert.equal(grantOf(plan, join(ws, 'docs')), READ_RIGHTS);
    assert.equal(grantOf(plan, join(ws, 'data')), WRITE_RIGHTS, 'a final wildcard is granted on its folder');
    assert.ok(
      plan.notes.some((n) => n.includes("the pattern's literal part")),
      plan.notes.join('\n'),
    );
    assert.equal(grantOf(plan, ws), undefined, 'nothing above the allowed trees');
    assert.deepEqual(plan.chains, []);
    assertAgrees(p, plan, ws);
  });

  it('a pattern whose folder does not exist yet is granted on its nearest existing folder', () => {
    const ws = tree({ 'build/': null });
    const p = load(ws, 'default_policy: deny\nallowed_paths:\n  - ${WORKSPACE}/build/out/cache/**\n');
    const plan = planLandlock(p, 'auto');
    assert.equal(grantOf(plan, join(ws, 'build')), HANDLED_RIGHTS);
    assert.ok(
      plan.notes.some((n) => n.includes('does not exist now')),
      plan.notes.join('\n'),
    );
  });

  it('a file pattern keeps only the file rights', () => {
    const ws = tree({ 'one.txt': 'x' });
    const p = load(ws, 'default_policy: deny\nallowed_paths:\n  - ${WORKSPACE}/one.txt\n');
    assert.equal(grantOf(planLandlock(p, 'auto'), join(ws, 'one.txt')), FILE_RIGHTS);
  });

  it('a denied tree above an allowed one takes its rights off, without carving', () => {
    const ws = tree({ 'a/f': 'x' });
    const p = load(
      ws,
      `default_policy: deny
allowed_paths: ['\${WORKSPACE}/a/**']
denied_paths:
  - pattern: '\${WORKSPACE}/**'
    access: write
`,
    );
    const plan = planLandlock(p, 'auto');
    assert.equal(grantOf(plan, join(ws, 'a')), READ_RIGHTS);
    assert.deepEqual(plan.left, []);
    assertAgrees(p, plan, ws);
  });

  it('a write deny inside a read-only grant needs nothing', () => {
    const ws = tree({ 'ro/conf': 'x' });
    const p = load(
      ws,
      `default_policy: deny
allowed_paths:
  - pattern: '\${WORKSPACE}/ro/**'
    access: read
denied_paths:
  - pattern: '\${WORKSPACE}/ro/conf'
    access: write
`,
    );
    for (const mode of ['auto', 'strict'] as const) {
      const plan = planLandlock(p, mode);
      assert.deepEqual(plan.left, [], mode);
      assert.deepEqual(plan.chains, [], mode);
      assert.equal(grantOf(plan, join(ws, 'ro')), READ_RIGHTS);
    }
  });
});

describe('a denied path inside an allowed tree', () => {
  const spec = {
    'a.txt': 'a',
    'src/main.c': 'm',
    'secret/key': 'k',
    'secret/deeper/k2': 'k',
    'conf.ini': 'c',
  };
  const yaml = `default_policy: deny
allowed_paths: ['\${WORKSPACE}/**']
denied_paths:
  - '\${WORKSPACE}/secret/**'
  - pattern: '\${WORKSPACE}/conf.ini'
    access: write
`;

  it('auto grants the tree whole and leaves the denies to the other layers', () => {
    const ws = tree(spec);
    const p = load(ws, yaml);
    const plan = planLandlock(p, 'auto');
    assert.equal(plan.install, true);
    assert.equal(grantOf(plan, ws), HANDLED_RIGHTS);
    assert.deepEqual(leftRules(plan).sort(), ['denied_paths[0]', 'denied_paths[1]']);
    assert.match(plan.left[0]?.why ?? '', /--landlock strict/);
    assertAgrees(p, plan, ws);
  });

  it('strict carves them out: siblings granted, the chain folder only what no deny beneath needs', () => {
    const ws = tree(spec);
    const p = load(ws, yaml);
    const plan = planLandlock(p, 'strict');
    assert.deepEqual(plan.chains, [ws]);
    // read rights are denied by nothing but secret/**, so the chain keeps READ_DIR only
    assert.equal(grantOf(plan, ws), FS.READ_DIR);
    assert.equal(grantOf(plan, join(ws, 'a.txt')), FILE_RIGHTS);
    assert.equal(grantOf(plan, join(ws, 'src')), HANDLED_RIGHTS);
    assert.equal(grantOf(plan, join(ws, 'conf.ini')), FS.READ_FILE, 'read, not write');
    assert.equal(grantOf(plan, join(ws, 'secret')), undefined);
    assert.equal(grantOf(plan, join(ws, 'secret/key')), undefined);
    // what stays: listing the denied folder through the chain's READ_DIR
    assert.deepEqual(leftRules(plan), ['denied_paths[0]']);
    assert.match(plan.left[0]?.why ?? '', /listing .*secret \(names only\)/);
    assertAgrees(p, plan, ws);
    // the cost: a file created later directly in the chain folder has no write or read right
    const later = join(ws, 'new.txt');
    assert.equal(rightsAt(grantIndex(plan.grants), later) & (FS.READ_FILE | FS.WRITE_FILE | FS.MAKE_REG), 0);
  });

  it('a deny that does not exist yet makes its nearest folder a chain, so it cannot be created', () => {
    const ws = tree({ 'home/notes': 'n', 'home/proj/x': 'x' });
    const p = load(ws, "default_policy: deny\nallowed_paths: ['${HOME}/**']\ndenied_paths: ['~/.aws/**']\n");
    const plan = planLandlock(p, 'strict');
    const home = join(ws, 'home');
    assert.deepEqual(plan.chains, [home]);
    assert.equal(grantOf(plan, home), FS.READ_DIR);
    assert.equal(grantOf(plan, join(home, 'proj')), HANDLED_RIGHTS);
    assert.equal(rightsAt(grantIndex(plan.grants), join(home, '.aws/credentials')) & FS.MAKE_REG, 0);
  });

  it('a final wildcard is listed at start; its folder stays a chain for later matches', () => {
    const ws = tree({ shadow: 's', 'shadow-': 's', 'shadowy.d/x': 'x', passwd: 'p' });
    const p = load(ws, "default_policy: allow\ndenied_paths: ['${WORKSPACE}/shadow*']\n");
    const plan = planLandlock(p, 'strict');
    assert.ok(plan.chains.includes(ws));
    assert.equal(grantOf(plan, join(ws, 'passwd')), FILE_RIGHTS);
    assert.equal(grantOf(plan, join(ws, 'shadow')), undefined);
    assert.equal(grantOf(plan, join(ws, 'shadow-')), undefined);
    // the folder itself is denied (it matches), its content is not
    assert.equal((grantOf(plan, join(ws, 'shadowy.d')) ?? 0) & FS.READ_DIR, 0);
    assert.equal(grantOf(plan, join(ws, 'shadowy.d/x')), FILE_RIGHTS);
    assertAgrees(p, plan, ws);
  });

  it('a symlink among the siblings gets no rule (opening through it is judged where it leads)', () => {
    const ws = tree({ 'secret/k': 'k', 'plain/f': 'f' });
    symlinkSync('/etc', join(ws, 'to-etc'));
    const p = load(
      ws,
      "default_policy: deny\nallowed_paths: ['${WORKSPACE}/**']\ndenied_paths: ['${WORKSPACE}/secret/**']\n",
    );
    const plan = planLandlock(p, 'strict');
    assert.equal(grantOf(plan, join(ws, 'to-etc')), undefined);
    assert.equal(grantOf(plan, join(ws, 'plain')), HANDLED_RIGHTS);
  });
});

describe('what Landlock cannot express', () => {
  it('wildcards before the last component and /**/name are left, with the reason', () => {
    const ws = tree({ 'a/x': 'x', 'b/.env': 'e' });
    const p = load(
      ws,
      "default_policy: deny\nallowed_paths: ['${WORKSPACE}/**']\ndenied_paths: ['/**/.env', '${WORKSPACE}/*/x']\n",
    );
    const plan = planLandlock(p, 'strict');
    assert.deepEqual(leftRules(plan), ['denied_paths[0]', 'denied_paths[1]']);
    for (const l of plan.left) assert.match(l.why, /cannot be listed at start/);
    assert.equal(grantOf(plan, ws), HANDLED_RIGHTS, 'nothing to carve: the tree is granted whole');
  });

  it('a default-allow profile: auto installs nothing; strict carves from /', () => {
    const ws = tree({ 'home/.ssh/id_rsa': 'k', 'home/notes': 'n' });
    const p = load(ws, "default_policy: allow\ndenied_paths: ['~/.ssh/**']\n");
    const auto = planLandlock(p, 'auto');
    assert.equal(auto.install, false);
    assert.match(auto.summary, /strict/);
    const strict = planLandlock(p, 'strict');
    assert.equal(strict.install, true);
    assert.equal(grantOf(strict, '/'), FS.READ_DIR);
    assert.ok(strict.chains.includes(join(ws, 'home')));
    assert.equal(grantOf(strict, join(ws, 'home/notes')), FILE_RIGHTS);
    assert.equal(grantOf(strict, join(ws, 'home/.ssh')), undefined);
    assertAgrees(p, strict, ws);
  });

  it('audit mode and --audit-only install nothing', () => {
    const ws = tree({ f: 'x' });
    const p = load(ws, "mode: audit\ndefault_policy: deny\nallowed_paths: ['${WORKSPACE}/**']\n");
    assert.equal(planLandlock(p, 'strict').install, false);
    const q = load(ws, "default_policy: deny\nallowed_paths: ['${WORKSPACE}/**']\n");
    assert.equal(planLandlock(q, 'auto', { auditOnly: true }).install, false);
  });

  it('audit-action denies are not refused, so not carved', () => {
    const ws = tree({ 'logs/a': 'x' });
    const p = load(
      ws,
      "default_policy: deny\nallowed_paths: ['${WORKSPACE}/**']\ndenied_paths:\n  - pattern: '${WORKSPACE}/logs/**'\n    action: audit\n",
    );
    const plan = planLandlock(p, 'strict');
    assert.deepEqual(plan.chains, []);
    assert.equal(grantOf(plan, ws), HANDLED_RIGHTS);
  });
});

describe('the launcher format and the daemon lookup', () => {
  it('encodes NUL-separated fields: magic, mode, handled, then rights and path pairs', () => {
    const ws = tree({ 'a b/c': 'x' });
    const p = load(ws, "default_policy: deny\nallowed_paths: ['${WORKSPACE}/a b/**']\n");
    const plan = planLandlock(p, 'auto');
    const fields = encodeLandlockPlan(plan).toString('utf8').split('\0');
    assert.equal(fields.pop(), '', 'every field ends with NUL');
    assert.deepEqual(fields, [
      'vigil-landlock-1',
      'auto',
      String(HANDLED_RIGHTS),
      String(HANDLED_RIGHTS),
      join(ws, 'a b'),
    ]);
  });

  it('rightsAt unions the grants on a path and every folder above it', () => {
    const index = grantIndex([
      { path: '/', rights: FS.READ_DIR },
      { path: '/w', rights: FS.READ_FILE },
      { path: '/w/x', rights: FS.WRITE_FILE },
    ]);
    assert.equal(rightsAt(index, '/w/x/y'), FS.READ_DIR | FS.READ_FILE | FS.WRITE_FILE);
    assert.equal(rightsAt(index, '/wx'), FS.READ_DIR, 'a name prefix is not a folder');
    assert.equal(rightsAt(index, '/'), FS.READ_DIR);
  });
});
