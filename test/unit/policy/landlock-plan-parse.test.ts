// The Landlock plan as encodeLandlockPlan writes it must be what the launcher's own parser
// (native/launcher/landlock-plan.c) reads: build/landlock-plan-dump runs that parser on stdin and
// prints the result (test/launcher/plan-dump.c), without installing a ruleset. Needs `make native`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import {
  FS,
  HANDLED_RIGHTS,
  LANDLOCK_MAX_RULES,
  READ_RIGHTS,
  WRITE_RIGHTS,
  type LandlockGrant,
} from '../../../src/policy/landlock-rights.js';
import { encodeLandlockPlan, planLandlock, type LandlockPlan } from '../../../src/policy/landlock-plan.js';
import { loadProfileText } from '../../../src/policy/load-profile.js';
import { repoRoot } from '../../support/paths.js';

const driver = `${repoRoot}build/landlock-plan-dump`;

interface Parsed {
  status: number | null;
  mode?: string;
  handled?: number;
  rules: LandlockGrant[];
  malformed: boolean;
}

function parse(input: Buffer): Parsed {
  assert.ok(existsSync(driver), `${driver} is missing: run make native (or scripts/setup.sh) first`);
  const r = spawnSync(driver, { input, maxBuffer: 1 << 30 });
  const out: Parsed = { status: r.status, rules: [], malformed: false };
  for (const line of r.stdout.toString('utf8').split('\n')) {
    const [word, a, b] = line.split(' ');
    if (word === 'mode') out.mode = Buffer.from(a ?? '', 'hex').toString('utf8');
    else if (word === 'handled') out.handled = Number(a);
    else if (word === 'rule')
      out.rules.push({ rights: Number(a), path: Buffer.from(b ?? '', 'hex').toString('utf8') });
    else if (word === 'malformed') out.malformed = true;
  }
  return out;
}

function plan(mode: 'auto' | 'strict', handled: number, grants: LandlockGrant[]): LandlockPlan {
  return { mode, install: true, summary: '', handled, grants, chains: [], left: [], notes: [] };
}

/** Encodes, parses with the C parser, and checks it read back exactly what was encoded. */
function roundTrip(p: LandlockPlan): void {
  const got = parse(encodeLandlockPlan(p));
  assert.equal(got.status, 0);
  assert.equal(got.malformed, false);
  assert.equal(got.mode, p.mode);
  assert.equal(got.handled, p.handled);
  assert.deepEqual(
    got.rules,
    p.grants.map((g) => ({ rights: g.rights, path: g.path })),
  );
}

const MAGIC = 'vigil-landlock-1';
const raw = (...fields: string[]): Buffer => Buffer.from(fields.map((f) => `${f}\0`).join(''), 'utf8');

describe('the Landlock plan, encoded in TypeScript, parsed by the launcher', () => {
  it('reads back a plan of a few grants, in order', () => {
    roundTrip(
      plan('auto', HANDLED_RIGHTS, [
        { path: '/', rights: FS.READ_DIR },
        { path: '/usr', rights: READ_RIGHTS },
        { path: '/home/agent/work', rights: HANDLED_RIGHTS },
        { path: '/tmp/out.log', rights: FS.WRITE_FILE | FS.TRUNCATE },
      ]),
    );
    roundTrip(plan('strict', READ_RIGHTS | WRITE_RIGHTS, [{ path: '/srv', rights: WRITE_RIGHTS }]));
  });

  it('reads an empty plan (no grants): only the header', () => {
    roundTrip(plan('strict', HANDLED_RIGHTS, []));
  });

  it('keeps any byte but NUL in a path: spaces, newlines, UTF-8, a path of 4095 bytes', () => {
    roundTrip(
      plan('auto', HANDLED_RIGHTS, [
        { path: '/a b/c\td', rights: READ_RIGHTS },
        { path: '/line\nbreak', rights: READ_RIGHTS },
        { path: '/données/日本', rights: WRITE_RIGHTS },
        { path: '/' + 'x'.repeat(4094), rights: HANDLED_RIGHTS },
        { path: '/' + 'y/'.repeat(3000) + 'z', rights: FS.READ_FILE },
      ]),
    );
  });

  it(`reads ${LANDLOCK_MAX_RULES} grants (a plan of several MiB)`, () => {
    const grants = Array.from({ length: LANDLOCK_MAX_RULES }, (_, i) => ({
      path: `/work/${'d'.repeat(40)}/${i}`,
      rights: i % 2 === 0 ? READ_RIGHTS : HANDLED_RIGHTS,
    }));
    const p = plan('strict', HANDLED_RIGHTS, grants);
    assert.ok(encodeLandlockPlan(p).length > 1 << 16, 'larger than the first read buffer');
    roundTrip(p);
  });

  it('reads a plan planLandlock made from a profile', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-ll-parse-'));
    after(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    const text = `name: t\ndefault_policy: deny\nallowed_paths:\n  - '${dir}/**'\n  - pattern: /usr/**\n    access: read\n`;
    const p = planLandlock(loadProfileText(text, 'test.yaml'), 'auto');
    assert.ok(p.install && p.grants.length >= 2);
    roundTrip(p);
  });
});

describe('the launcher refuses a plan that is not one', () => {
  const refused = (input: Buffer, why: string): void => {
    const got = parse(input);
    assert.equal(got.status, 2, why);
    assert.equal(got.malformed, true, why);
  };

  it('refuses a bad header', () => {
    refused(Buffer.alloc(0), 'no bytes at all');
    refused(raw('vigil-landlock-2', 'auto', '6'), 'another format version');
    refused(raw(MAGIC, 'auto'), 'no handled rights');
    refused(raw(MAGIC), 'no mode');
    refused(raw(MAGIC, 'auto', ''), 'empty handled rights');
    refused(raw(MAGIC, 'auto', '6x'), 'handled rights with trailing text');
  });

  it('refuses a bad rule', () => {
    refused(raw(MAGIC, 'auto', '6', '4'), 'rights without a path');
    refused(raw(MAGIC, 'auto', '6', 'read', '/tmp'), 'rights not a number');
    refused(raw(MAGIC, 'auto', '6', '-1', '/tmp'), 'negative rights');
    refused(raw(MAGIC, 'auto', '6', ' 4', '/tmp'), 'rights with a leading space');
    refused(raw(MAGIC, 'auto', '6', '99999999999999999999', '/tmp'), 'rights over 64 bits');
    refused(
      Buffer.concat([raw(MAGIC, 'auto', '6', '4', '/tmp'), Buffer.from('4\0/cut-off')]),
      'a path cut off',
    );
    refused(Buffer.concat([raw(MAGIC, 'auto', '6'), Buffer.from('4')]), 'trailing bytes without a NUL');
  });
});
