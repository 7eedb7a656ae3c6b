// An exported line: the audit line's canonical JSON with event_id and host first, its severity
// from one table, and the same line read back from the JSON.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatWallNs } from '../../../src/enrich/boot-clock.js';
import {
  exportSeverity,
  exportUrgent,
  fromSpooledJson,
  SEVERITY_SOURCES,
  toSpooled,
} from '../../../src/export/export-line.js';
import { auditLineJson } from '../../../src/sinks/audit-json.js';
import { buildAuditLine, lossLine, type Decision, type LineContext } from '../../../src/sinks/audit-line.js';
import { AUDIT_SCHEMA_VERSION, type AuditLine, type AuditLineOf } from '../../../src/sinks/audit-schema.js';
import { fileEvent } from '../sinks/fixture-events.js';

const ctx: LineContext = {
  session: { id: 's1', profile: 'generic' },
  clock: { format: (k: bigint) => formatWallNs(1_795_000_000_000_000_000n + k) },
};
const decided = (action: Decision['action']): AuditLine =>
  buildAuditLine(
    fileEvent(100, '/etc/shadow', 0, action === 'ALLOW' || action === 'OBSERVE' ? 3 : -13),
    ctx,
    {
      action,
      enforcement: action === 'OBSERVE' ? 'none' : action === 'AUDIT' ? 'audit' : 'inline',
      rule: action === 'OBSERVE' ? null : 'denied_paths[0]',
      reason: 'path is denied',
      backend: 'lsm:file_open',
    },
  );
const loss = lossLine(
  { ringbufFull: 3n, readFail: 0n, watchFull: 0n, staleEntry: 0n, alertLost: 0n },
  '2026-12-01T00:00:00.000Z',
) as AuditLine;

function alert(severity: AuditLineOf<'alert'>['severity']): AuditLineOf<'alert'> {
  return {
    ts: '2026-12-01T00:00:00.000Z',
    event: 'alert',
    action: 'OBSERVE',
    detector: 'secrets',
    kind: 'github_token',
    severity,
    masked: 'ghp_…abcd',
    source: 'argv',
    where: null,
    pid: 100,
    comm: 'node',
    detector_rule: '@secretlint/secretlint-rule-github',
    reason: 'github token found',
    rule: null,
    profile: 'generic',
    session: 's1',
    backend: 'vigil:secrets',
    enforcement: 'none',
    schema_version: AUDIT_SCHEMA_VERSION,
  };
}

describe('exported lines', () => {
  it('are the canonical JSON with event_id and host inserted first', () => {
    const line = decided('BLOCK');
    const out = toSpooled(line, 'build-7');
    assert.equal(out.json, `{"event_id":"${out.id}","host":"build-7",${auditLineJson(line).slice(1)}`);
    const parsed = JSON.parse(out.json) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed), ['event_id', 'host', ...Object.keys(line)]);
    assert.deepEqual(
      { ...parsed, event_id: undefined, host: undefined },
      { ...line, event_id: undefined, host: undefined },
    );
    assert.equal(out.ts, line.ts);
    assert.equal(out.event, 'file_open');
    assert.equal(out.severity, 'medium');
  });

  it('escape the host name as JSON', () => {
    const out = toSpooled(decided('ALLOW'), 'odd"host\\');
    assert.equal((JSON.parse(out.json) as { host: string }).host, 'odd"host\\');
  });

  it('get a new event id each time', () => {
    const line = decided('ALLOW');
    assert.notEqual(toSpooled(line, 'h').id, toSpooled(line, 'h').id);
  });

  it('read back from their JSON as spooled', () => {
    for (const line of [decided('KILL'), loss, alert('critical')]) {
      const out = toSpooled(line, 'h');
      assert.deepEqual(fromSpooledJson(out.json), out);
    }
    assert.equal(fromSpooledJson('{"event_id":"x","ts":"t"'), undefined);
    assert.equal(fromSpooledJson('[1]'), undefined);
    assert.equal(fromSpooledJson('{"event_id":1,"ts":"t","event":"exec"}'), undefined);
  });
});

describe('export severity', () => {
  it('comes from the action: KILL high, BLOCK medium, AUDIT low, ALLOW and OBSERVE info', () => {
    const got = (['KILL', 'BLOCK', 'AUDIT', 'ALLOW', 'OBSERVE'] as const).map((a) =>
      exportSeverity(decided(a)),
    );
    assert.deepEqual(got, ['high', 'medium', 'low', 'info', 'info']);
    assert.deepEqual(SEVERITY_SOURCES.byAction, {
      KILL: 'high',
      BLOCK: 'medium',
      AUDIT: 'low',
      ALLOW: 'info',
      OBSERVE: 'info',
    });
  });

  it("is the line's own severity when it has one, whatever its action", () => {
    assert.equal(exportSeverity(alert('critical')), 'critical');
    assert.equal(exportSeverity(alert('low')), 'low');
  });

  it('is high for lines about loss (loss, export_drop), info for anything else', () => {
    assert.equal(exportSeverity(loss), 'high');
    assert.equal(exportSeverity({ event: 'export_drop', action: 'OBSERVE' }), 'high');
    assert.equal(exportSeverity({ event: 'something_new' }), 'info');
    assert.equal(exportSeverity({ event: 'something_new', severity: 'urgent!' }), 'info');
  });

  it('marks BLOCK, KILL and loss lines urgent (fsynced before append returns)', () => {
    assert.deepEqual(
      [decided('BLOCK'), decided('KILL'), loss, decided('ALLOW'), decided('AUDIT')].map(exportUrgent),
      [true, true, true, false, false],
    );
  });
});
