// RFC 5424 messages for exported lines: PRI from facility and severity, header fields kept to
// PRINTUSASCII and their limits, the event id in structured data with §6.3.3 escaping, MSG as
// UTF-8 JSON after a BOM, octet-counting and LF framing, and a message over its limit cut on a
// UTF-8 character boundary and marked truncated="true".
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  DEFAULT_MAX_MESSAGE_BYTES,
  escapeParamValue,
  formatSyslogMessage,
  frameSyslogMessage,
  headerField,
  sdIdProblem,
  SYSLOG_SEVERITY,
  syslogTimestamp,
  utf8Prefix,
  type SyslogMessageOptions,
} from '../../../src/export/syslog-format.js';
import { SYSLOG_FACILITIES } from '../../../src/config/syslog-facilities.js';
import { checkSyslogMessageOptions } from '../../../src/export/syslog-settings.js';
import { TransportError } from '../../../src/export/transport-error.js';
import type { SpooledLine } from '../../../src/export/types.js';

const BOM = '\uFEFF';

const options: SyslogMessageOptions = {
  facility: 'local0',
  hostname: 'build-7',
  appName: 'vigil',
  procId: '4242',
  sdId: 'vigil@32473',
  maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
};

function line(overrides: Partial<SpooledLine> = {}): SpooledLine {
  return {
    id: '01JEXAMPLE0000000000000000',
    json: '{"event":"exec","action":"BLOCK","path":"/usr/bin/curl"}',
    severity: 'high',
    ts: '2026-12-06T23:40:00.123Z',
    event: 'exec',
    ...overrides,
  };
}

describe('formatSyslogMessage', () => {
  it('writes <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] BOM MSG', () => {
    const text = formatSyslogMessage(line(), options).toString('utf8');
    assert.equal(
      text,
      `<131>1 2026-12-06T23:40:00.123Z build-7 vigil 4242 exec [vigil@32473 eventId="01JEXAMPLE0000000000000000"] ${BOM}` +
        '{"event":"exec","action":"BLOCK","path":"/usr/bin/curl"}',
    );
  });

  it('gives PRI as facility * 8 + severity for every pair', () => {
    for (const [facility, code] of Object.entries(SYSLOG_FACILITIES)) {
      for (const [severity, level] of Object.entries(SYSLOG_SEVERITY)) {
        const text = formatSyslogMessage(line({ severity: severity as SpooledLine['severity'] }), {
          ...options,
          facility: facility as SyslogMessageOptions['facility'],
        }).toString('utf8');
        assert.ok(text.startsWith(`<${code * 8 + level}>1 `), `${facility}.${severity}: ${text.slice(0, 8)}`);
      }
    }
    assert.deepEqual(SYSLOG_SEVERITY, { critical: 2, high: 3, medium: 4, low: 5, info: 6 });
    assert.equal(SYSLOG_FACILITIES.kern, 0);
    assert.equal(SYSLOG_FACILITIES.local7, 23);
  });

  it('escapes ", \\ and ] in the event id, and uses the configured SD-ID', () => {
    const text = formatSyslogMessage(line({ id: 'a"b\\c]d' }), {
      ...options,
      sdId: 'audit@99999',
    }).toString();
    assert.ok(text.includes('[audit@99999 eventId="a\\"b\\\\c\\]d"]'), text);
    assert.equal(escapeParamValue('plain'), 'plain');
  });

  it('keeps header fields to PRINTUSASCII and the RFC 5424 lengths, NILVALUE when empty', () => {
    const text = formatSyslogMessage(line({ event: 'e'.repeat(40) }), {
      ...options,
      hostname: 'héllo wörld',
      appName: 'a'.repeat(60),
      procId: '',
    }).toString('utf8');
    const [, , host, app, proc, msgId] = text.split(' ');
    assert.equal(host, 'h_llo_w_rld');
    assert.equal(app, 'a'.repeat(48));
    assert.equal(proc, '-');
    assert.equal(msgId, 'e'.repeat(32));
    assert.equal(headerField('x'.repeat(300), 255).length, 255);
    assert.equal(headerField('tab\there', 10), 'tab_here');
  });

  it('takes the line time as it is when RFC 5424 allows it, else rewrites it in UTC', () => {
    assert.equal(syslogTimestamp('2026-12-06T23:40:00.123Z'), '2026-12-06T23:40:00.123Z');
    assert.equal(syslogTimestamp('2026-12-06T23:40:00+01:00'), '2026-12-06T23:40:00+01:00');
    // more than 6 fraction digits, or a lower-case t, is outside §6.2.3
    assert.equal(syslogTimestamp('2026-12-06T23:40:00.123456789Z'), '2026-12-06T23:40:00.123Z');
    assert.equal(syslogTimestamp('2026-12-06t23:40:00z'), '2026-12-06T23:40:00.000Z');
    assert.equal(syslogTimestamp('yesterday'), '-');
  });

  it('sends a message at its limit whole, and cuts a longer one on a character boundary, marked', () => {
    const fits = formatSyslogMessage(line(), options);
    const exact = formatSyslogMessage(line(), { ...options, maxMessageBytes: fits.length });
    assert.deepEqual(exact, fits);
    assert.ok(!exact.toString().includes('truncated'));

    // 'é' is two bytes and '😀' four: a cut anywhere must not split one
    const json = JSON.stringify({ event: 'exec', argv: 'é😀'.repeat(400) });
    for (const max of [600, 601, 602, 603, 604, 605]) {
      const cut = formatSyslogMessage(line({ json }), { ...options, maxMessageBytes: max });
      assert.ok(cut.length <= max, `${cut.length} > ${max}`);
      assert.ok(cut.length > max - 4, `${max}: cut ${cut.length} is shorter than a character needs`);
      const text = cut.toString('utf8');
      assert.ok(!text.includes('\uFFFD'), `${max}: a character was split`);
      assert.deepEqual(Buffer.from(text, 'utf8'), cut);
      assert.ok(text.includes(' truncated="true"]'), text.slice(0, 120));
      assert.ok(json.startsWith(text.slice(text.indexOf(BOM) + 1)));
    }
  });

  it('still sends the header, marked, when the limit is below the header', () => {
    const text = formatSyslogMessage(line(), { ...options, maxMessageBytes: 10 }).toString('utf8');
    assert.ok(text.endsWith(`eventId="01JEXAMPLE0000000000000000" truncated="true"] ${BOM}`), text);
  });
});

describe('utf8Prefix', () => {
  it('steps back over continuation bytes only', () => {
    const bytes = Buffer.from('aé€😀', 'utf8'); // 1 + 2 + 3 + 4 bytes
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => utf8Prefix(bytes, n).toString('utf8')),
      ['', 'a', 'a', 'aé', 'aé', 'aé', 'aé€', 'aé€', 'aé€', 'aé€', 'aé€😀'],
    );
  });
});

describe('frameSyslogMessage', () => {
  it('prefixes the byte length (RFC 6587 §3.4.1) or appends a line feed (§3.4.2)', () => {
    const message = Buffer.from(`<134>1 - - - - - - ${BOM}é`, 'utf8');
    assert.equal(
      frameSyslogMessage(message, 'octet-counting').toString('utf8'),
      `${message.length} ${message.toString()}`,
    );
    assert.equal(message.length, 24); // 21 characters: the BOM and é take 5 bytes for 2
    assert.equal(frameSyslogMessage(message, 'lf').toString('utf8'), `${message.toString()}\n`);
  });
});

describe('syslog message settings', () => {
  it('defaults APP-NAME, PROCID, SD-ID and the limit', () => {
    const full = checkSyslogMessageOptions('syslog tcp x:1', { facility: 'local0', hostname: 'h' });
    assert.deepEqual(full, {
      facility: 'local0',
      hostname: 'h',
      appName: 'vigil',
      procId: String(process.pid),
      sdId: 'vigil@32473',
      maxMessageBytes: 8096,
    });
  });

  it('refuses an SD-ID that is no SD-NAME@number, and a limit outside 480 .. one datagram', () => {
    for (const sdId of ['vigil', 'vi gil@1', 'a=b@1', 'vigil@', 'vigil@x', '@32473', 'x'.repeat(30) + '@123'])
      assert.ok(sdIdProblem(sdId) !== undefined, sdId);
    assert.equal(sdIdProblem('vigil@32473'), undefined);
    assert.equal(sdIdProblem('audit@1.3.6'), undefined);
    const check = (settings: object, datagram?: number) => () =>
      checkSyslogMessageOptions('syslog udp x:1', { facility: 'user', hostname: 'h', ...settings }, datagram);
    assert.throws(
      check({ sdId: 'vigil' }),
      (e: unknown) => e instanceof TransportError && e.code === 'VIGIL_EXPORT_DESTINATION',
    );
    assert.throws(check({ maxMessageBytes: 479 }), /at least 480/);
    assert.throws(check({ maxMessageBytes: 70000 }, 65507), /more than one datagram holds \(65507\)/);
    assert.doesNotThrow(check({ maxMessageBytes: 70000 }));
  });
});
