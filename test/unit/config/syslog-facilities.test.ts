// The syslog facilities an exporter may name: RFC 5424's table, one code each.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SYSLOG_FACILITIES } from '../../../src/config/syslog-facilities.js';

describe('syslog facilities', () => {
  it('are the 24 of RFC 5424, each with its own code', () => {
    assert.deepEqual(
      Object.values(SYSLOG_FACILITIES),
      Array.from({ length: 24 }, (_, i) => i),
    );
  });
});
