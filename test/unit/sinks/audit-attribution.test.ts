// Lines about a refusal the kernel made without naming a rule (Landlock's EACCES), and about a
// failed execve: the kernel's verdict (action, enforcement, backend, result) and vigil's
// attribution (rule, reason, `attribution: "inferred"`) are told apart, keys come in the
// schema's order, the JSON writer matches JSON.stringify, and no attributed line can say KILL.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { AUDIT_SCHEMA_FILE } from '../../../scripts/gen-audit-schema.js';
import { AuditError } from '../../../src/sinks/audit-errors.js';
import { auditLineJson } from '../../../src/sinks/audit-json.js';
import {
  buildAuditLine,
  checkDecision,
  type Decision,
  type LineContext,
} from '../../../src/sinks/audit-line.js';
import {
  auditKeyOrder,
  auditLineErrors,
  validateAuditLine,
  type AuditLine,
} from '../../../src/sinks/audit-schema.js';
import { execEvent, fileEvent } from './fixture-events.js';

const ctx: LineContext = {
  session: { id: 'run-1', profile: 'confined' },
  clock: { format: () => '2026-11-22T03:02:37.592Z' },
  processes: { exe: (tgid) => (tgid === 300 ? '/usr/bin/dash' : undefined) },
};
const validate = new Ajv({ allErrors: true, strict: true }).compile(
  JSON.parse(readFileSync(AUDIT_SCHEMA_FILE, 'utf8')) as object,
);

const attributed: Decision = {
  action: 'BLOCK',
  enforcement: 'inline',
  rule: 'default',
  reason:
    'exec of /tmp/x/prog refused by Landlock (EACCES); attributed by vigil to default: default for paths is deny',
  backend: 'landlock',
  attribution: 'inferred',
};

function assertWellFormed(line: AuditLine): void {
  assert.ok(validate(line), `JSON Schema: ${JSON.stringify(validate.errors)}\n${JSON.stringify(line)}`);
  assert.ok(validateAuditLine(line), `TypeBox: ${auditLineErrors(line)}`);
  assert.deepEqual(
    Object.keys(line),
    auditKeyOrder(line.event).filter((k) => k in line),
  );
  assert.equal(auditLineJson(line), JSON.stringify(line));
}

const failedExec = () => ({ ...execEvent(300, '/tmp/x/prog', ['/tmp/x/prog', '-v']), ret: -13 });

describe('a failed execve', () => {
  it('observed: the error, the tracepoint that saw it, and the program the process still runs', () => {
    const line = buildAuditLine(failedExec(), ctx);
    assertWellFormed(line);
    assert.ok(line.event === 'exec');
    assert.equal(line.action, 'OBSERVE');
    assert.equal(line.result, 'EACCES');
    assert.equal(line.backend, 'tracepoint:syscalls/sys_exit_execve*');
    assert.equal(line.exe, '/usr/bin/dash', 'not the program it failed to run');
    assert.equal(line.path, '/tmp/x/prog');
    assert.equal(line.attribution, undefined);
  });

  it('attributed to Landlock: the kernel’s verdict, and the rule marked as vigil’s inference', () => {
    const line = buildAuditLine(failedExec(), ctx, attributed);
    assertWellFormed(line);
    assert.ok(line.event === 'exec');
    assert.equal(line.action, 'BLOCK');
    assert.equal(line.enforcement, 'inline');
    assert.equal(line.backend, 'landlock');
    assert.equal(line.result, 'EACCES');
    assert.equal(line.rule, 'default');
    assert.equal(line.attribution, 'inferred');
  });

  it('a successful exec has neither key (its line is unchanged)', () => {
    const line = buildAuditLine(execEvent(300, '/usr/bin/git', ['git']), ctx);
    assertWellFormed(line);
    assert.ok(line.event === 'exec');
    assert.ok(!('result' in line) && !('attribution' in line));
    assert.equal(line.exe, '/usr/bin/git');
  });
});

describe('an attributed open', () => {
  it('carries attribution last, after the kernel’s result', () => {
    const line = buildAuditLine(fileEvent(300, '/tmp/x/b.txt', 0, -13), ctx, {
      ...attributed,
      reason: 'open of /tmp/x/b.txt refused by Landlock (EACCES); attributed by vigil to default: ...',
    });
    assertWellFormed(line);
    assert.ok(line.event === 'file_open');
    assert.equal(line.result, 'EACCES');
    assert.equal(line.attribution, 'inferred');
    assert.equal(Object.keys(line).at(-1), 'attribution');
  });

  it('an attributed decision is the kernel’s inline BLOCK: KILL or any other action is refused', () => {
    for (const bad of [
      { ...attributed, action: 'KILL' },
      { ...attributed, action: 'KILL', enforcement: 'reactive' },
      { ...attributed, action: 'ALLOW' },
    ] as const) {
      assert.throws(() => {
        checkDecision(bad);
      }, AuditError);
    }
    checkDecision(attributed);
  });
});
