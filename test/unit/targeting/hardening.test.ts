// The launcher's hardening arguments and its report line (native/launcher/vigil-launch.c).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { DROPPED_CAPS, hardeningArgs, hardeningWhy } from '../../../src/targeting/hardening.js';
import { parseReport } from '../../../src/targeting/launch.js';

describe('hardening', () => {
  it('drops every listed capability; packet sockets only when raw sockets are allowed', () => {
    const args = hardeningArgs(false, false, false);
    assert.equal(args[0], '--harden');
    assert.ok(!args.includes('--allow-packet'));
    const caps = (args[args.indexOf('--drop-caps') + 1] ?? '').split(',').map(Number);
    for (const c of DROPPED_CAPS) assert.ok(caps.includes(c.bit), c.name);
    assert.ok(!caps.includes(13), 'CAP_NET_RAW stays: the socket hooks refuse raw sockets with a line');
    assert.ok(hardeningArgs(false, true, false).includes('--allow-packet'));
  });

  it('--keep-caps keeps capabilities but not the filter; --audit-only refuses nothing', () => {
    assert.deepEqual(hardeningArgs(true, false, false), ['--harden']);
    assert.deepEqual(hardeningArgs(false, false, true), []);
  });

  it('capability numbers are distinct and within the kernel range', () => {
    const bits = DROPPED_CAPS.map((c) => c.bit);
    assert.equal(new Set(bits).size, bits.length);
    for (const b of bits) assert.ok(b >= 0 && b <= 40);
  });

  it('parses the launcher report, hardening included', () => {
    assert.deepEqual(parseReport('landlock on abi=7 rules=12 skipped=0 harden=1 pidns=1 caps=19'), {
      landlock: 'on',
      abi: 7,
      rules: 12,
      skipped: 0,
      hardening: { seccomp: true, pidns: true, caps: 19, readonly: 0 },
    });
    assert.deepEqual(parseReport('landlock off harden=1 pidns=-1 caps=0 ro=-13'), {
      landlock: 'off',
      hardening: { seccomp: true, pidns: 1, caps: 0, readonly: -13 },
    });
    assert.equal(parseReport('landlock off harden=0 pidns=0 caps=0 ro=0')?.hardening.pidns, false);
  });

  it('says why a refusal was made, clone by its flags', () => {
    assert.match(hardeningWhy('clone', 0x411n), /fd table/);
    assert.match(hardeningWhy('clone', 0x10000000n), /namespaces/);
    assert.match(hardeningWhy('io_uring_setup', 8n), /open tracepoint/);
    assert.match(hardeningWhy('kill', 0n), /signal/);
  });
});
