// The configuration's copies of the audit line's words (src/config/audit-vocabulary.ts) against
// their source, the audit schema: a new event kind, action or severity fails here until the copy
// has it, so an exporter's filter can always name it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AUDIT_ACTIONS, AUDIT_EVENTS, SEVERITIES } from '../../../src/config/audit-vocabulary.js';
import { SYSLOG_FACILITIES } from '../../../src/config/syslog-facilities.js';
import { ACTIONS } from '../../../src/sinks/audit-actions.js';
import { EVENT_KINDS, auditLineSchemaOf } from '../../../src/sinks/audit-schema.js';

describe('audit vocabulary', () => {
  it('has every event kind of the audit schema, in its order', () => {
    assert.deepEqual([...AUDIT_EVENTS], [...EVENT_KINDS]);
  });

  it('has every action', () => {
    assert.deepEqual([...AUDIT_ACTIONS], [...ACTIONS]);
  });

  it("has the alert line's severities, lowest first", () => {
    const severity = auditLineSchemaOf('alert').properties.severity as unknown as {
      anyOf: { const: string }[];
    };
    assert.deepEqual(
      [...SEVERITIES],
      severity.anyOf.map((m) => m.const),
    );
  });
});

describe('syslog facilities', () => {
  it('are the 24 of RFC 5424, each with its own code', () => {
    assert.deepEqual(
      Object.values(SYSLOG_FACILITIES),
      Array.from({ length: 24 }, (_, i) => i),
    );
  });
});
