// Which lines an exporter ships: each key narrows; lines about loss always pass.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatWallNs } from '../../../src/enrich/boot-clock.js';
import { exportFilter } from '../../../src/export/filter.js';
import { buildAuditLine, lossLine, type Decision, type LineContext } from '../../../src/sinks/audit-line.js';
import { AUDIT_SCHEMA_VERSION, type AuditLine } from '../../../src/sinks/audit-schema.js';
import { execEvent, fileEvent } from '../sinks/fixture-events.js';

const ctx: LineContext = {
  session: { id: 's1', profile: 'generic' },
  clock: { format: (k: bigint) => formatWallNs(1_795_000_000_000_000_000n + k) },
};
const deny = (action: 'BLOCK' | 'KILL' | 'AUDIT'): Decision => ({
  action,
  enforcement: action === 'AUDIT' ? 'audit' : 'inline',
  rule: 'denied_paths[0]',
  reason: 'path is denied',
});
const opened = buildAuditLine(fileEvent(100, '/tmp/a', 0, 3), ctx);
const blocked = buildAuditLine(fileEvent(100, '/etc/shadow', 0, -13), ctx, deny('BLOCK'));
const audited = buildAuditLine(fileEvent(100, '/etc/shadow', 0, 3), ctx, deny('AUDIT'));
const exec = buildAuditLine(execEvent(100, '/usr/bin/curl', ['curl']), ctx);
const loss = lossLine({
  ringbufFull: 1n,
  readFail: 0n,
  watchFull: 0n,
  staleEntry: 0n,
  alertLost: 0n,
}) as AuditLine;
const exportDrop: AuditLine = {
  ts: '2026-12-01T00:00:00.000Z',
  event: 'export_drop',
  action: 'OBSERVE',
  exporter: 'siem',
  destination: 'syslog tcp 127.0.0.1:6514',
  drop_reason: 'full',
  dropped_lines: 3,
  dropped_bytes: 900,
  first_event_id: 'a',
  last_event_id: 'b',
  first_ts: '2026-12-01T00:00:00.000Z',
  last_ts: '2026-12-01T00:00:00.000Z',
  reason: '3 lines dropped',
  rule: null,
  profile: null,
  session: null,
  backend: 'vigil:export',
  enforcement: 'none',
  schema_version: AUDIT_SCHEMA_VERSION,
};
const all = [opened, blocked, audited, exec];
const passing = (pass: (l: AuditLine) => boolean) => all.filter(pass);

describe('export filter', () => {
  it('lets every line through when it has no key', () => {
    assert.deepEqual(passing(exportFilter({})), all);
  });

  it('actions: the line must carry one of them', () => {
    assert.deepEqual(passing(exportFilter({ actions: ['BLOCK', 'AUDIT'] })), [blocked, audited]);
  });

  it('events: the line must be one of them', () => {
    assert.deepEqual(passing(exportFilter({ events: ['exec'] })), [exec]);
  });

  it('min_severity: the export severity must be at least that', () => {
    assert.deepEqual(passing(exportFilter({ min_severity: 'low' })), [blocked, audited]);
    assert.deepEqual(passing(exportFilter({ min_severity: 'medium' })), [blocked]);
  });

  it('keys narrow together', () => {
    assert.deepEqual(passing(exportFilter({ events: ['file_open'], actions: ['OBSERVE', 'BLOCK'] })), [
      opened,
      blocked,
    ]);
    assert.deepEqual(
      passing(exportFilter({ events: ['file_open'], min_severity: 'low', actions: ['AUDIT'] })),
      [audited],
    );
  });

  it('an empty list lets nothing through, but lines about loss always pass', () => {
    const none = exportFilter({ events: [], actions: [], min_severity: 'critical' });
    assert.deepEqual(passing(none), []);
    assert.ok(none(loss));
    assert.ok(none(exportDrop));
  });
});
