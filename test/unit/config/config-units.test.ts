import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DURATION_PATTERN, SIZE_PATTERN, durationMs, sizeBytes } from '../../../src/config/config-units.js';
import { formatHostPort, parseHostPort } from '../../../src/config/host-port.js';

describe('sizes', () => {
  it('are bytes, or a number with a binary unit', () => {
    assert.equal(sizeBytes(4096), 4096);
    assert.equal(sizeBytes('512B'), 512);
    assert.equal(sizeBytes('64KiB'), 65536);
    assert.equal(sizeBytes('256MiB'), 268435456);
    assert.equal(sizeBytes('2GiB'), 2147483648);
  });

  it('refuse decimal units and spaces', () => {
    for (const bad of ['10MB', '10 MiB', '1.5GiB', 'MiB', '10mib']) {
      assert.ok(!new RegExp(SIZE_PATTERN).test(bad), bad);
    }
  });
});

describe('durations', () => {
  it('carry their unit', () => {
    assert.equal(durationMs('500ms'), 500);
    assert.equal(durationMs('30s'), 30_000);
    assert.equal(durationMs('5m'), 300_000);
    assert.equal(durationMs('2h'), 7_200_000);
    assert.equal(durationMs('7d'), 604_800_000);
  });

  it('refuse a bare number, fractions and other units', () => {
    for (const bad of ['10', '1.5s', '1w', '1h30m', '10 s', 's']) {
      assert.ok(!new RegExp(DURATION_PATTERN).test(bad), bad);
    }
  });
});

describe('host:port', () => {
  it('reads IPv4, bracketed IPv6 and host names', () => {
    assert.deepEqual(parseHostPort('127.0.0.1:9464', false), { host: '127.0.0.1', port: 9464 });
    assert.deepEqual(parseHostPort('[::1]:9464', false), { host: '::1', port: 9464 });
    assert.deepEqual(parseHostPort('[::ffff:127.0.0.1]:1', false), { host: '::ffff:127.0.0.1', port: 1 });
    assert.deepEqual(parseHostPort('siem.example.com:6514', false), { host: 'siem.example.com', port: 6514 });
    assert.deepEqual(parseHostPort('0.0.0.0:0', true), { host: '0.0.0.0', port: 0 });
  });

  it('says what is wrong', () => {
    assert.equal(parseHostPort('[127.0.0.1]:1', false), "'[127.0.0.1]' is not an IPv6 address");
    assert.equal(parseHostPort('300.1.1.1:1', false), "'300.1.1.1' is not an IPv4 address or a host name");
    assert.equal(parseHostPort('-x:1', false), "'-x' is not an IPv4 address or a host name");
    assert.equal(parseHostPort('x:0', false), 'port 0 is out of range (1-65535)');
    assert.equal(parseHostPort('x:99999', true), 'port 99999 is out of range (0-65535)');
  });

  it('writes IPv6 back in brackets', () => {
    assert.equal(formatHostPort({ host: '::1', port: 80 }), '[::1]:80');
    assert.equal(formatHostPort({ host: '10.0.0.1', port: 80 }), '10.0.0.1:80');
  });
});
