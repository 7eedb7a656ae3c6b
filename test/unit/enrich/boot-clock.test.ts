import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  BootClock,
  formatWallNs,
  parseTimensBootOffset,
  parseUptimeCs,
  type ClockSources,
} from '../../../src/enrich/boot-clock.js';

/**
 * Simulated clocks: monotonic advances 300 ns per read of any clock, realtime and boottime
 * are monotonic plus offsets the test sets, each read truncated as the real ones are.
 */
function simulated(realMinusMono: bigint, bootMinusMono: bigint) {
  const s = { mono: 5_000_000_000n, real: realMinusMono, boot: bootMinusMono, uptimeReads: 0 };
  const tick = () => (s.mono += 300n);
  const sources: ClockSources = {
    monoNs: () => tick(),
    realMs: () => Number((tick() + s.real) / 1_000_000n),
    uptimeCs: () => {
      s.uptimeReads++;
      return Number((tick() + s.boot) / 10_000_000n);
    },
    timensBootOffsetNs: () => 0n,
  };
  return { s, sources };
}

const abs = (n: bigint) => (n < 0n ? -n : n);

describe('boot clock: method', () => {
  it('recovers realtime - boottime from the two edges within the stated uncertainty', () => {
    const R = 1_795_302_828_822_797_189n;
    const B = 3_600_123_456_789n; // an hour of suspend
    const { sources } = simulated(R, B);
    const st = new BootClock({ sources }).state();
    assert.ok(
      abs(st.offsetNs - (R - B)) <= st.uncertaintyNs,
      `${st.offsetNs - (R - B)} > ${st.uncertaintyNs}`,
    );
    assert.ok(st.uncertaintyNs < 2_000n, `uncertainty ${st.uncertaintyNs} ns`);
  });

  it('follows a clock step at the next sync, and re-measures boottime when realtime moved', () => {
    const { s, sources } = simulated(1_000_000_000_000_000_000n, 0n);
    const clock = new BootClock({ sources });
    const before = clock.state().offsetNs;
    const reads = s.uptimeReads;
    clock.sync();
    assert.equal(s.uptimeReads, reads, 'nothing moved: the boottime edge is not measured again');
    s.real += 5_000_000_000n; // settimeofday +5 s
    clock.sync();
    assert.ok(s.uptimeReads > reads, 'realtime moved: boottime measured again');
    assert.ok(abs(clock.state().offsetNs - before - 5_000_000_000n) < 2_000n);
  });

  it('a resume (realtime and boottime both jump) leaves the offset unchanged', () => {
    const { s, sources } = simulated(1_000_000_000_000_000_000n, 0n);
    const clock = new BootClock({ sources });
    const before = clock.state().offsetNs;
    s.real += 60_000_000_000n;
    s.boot += 60_000_000_000n;
    clock.sync();
    assert.ok(abs(clock.state().offsetNs - before) < 2_000n);
    assert.ok(abs(clock.state().bootMinusMonoNs - 60_000_000_000n) < 1_000n);
  });

  it('format() keeps the last millisecond: same text as the full conversion, also after a step', () => {
    const { s, sources } = simulated(1_000_000_000_123_456_789n, 0n);
    const clock = new BootClock({ sources });
    const check = () => {
      // both sides of millisecond edges, in and out of order, as events of several CPUs come
      for (const k of [
        999_999n,
        1_000_000n,
        999_999n,
        1_000_001n,
        1_999_999n,
        2_000_000n,
        500n,
        7_777_777n,
      ]) {
        const ktime = 5_000_000_000n + k;
        assert.equal(clock.format(ktime), formatWallNs(clock.toWallNs(ktime)), `ktime ${ktime}`);
      }
    };
    check();
    s.real += 5_000_400_000n; // a step that moves the offset by a fraction of a millisecond too
    clock.sync();
    check();
  });

  it('formats RFC 3339 UTC with milliseconds, truncating', () => {
    assert.equal(formatWallNs(0n), '1970-01-01T00:00:00.000Z');
    assert.equal(formatWallNs(1_234_999_999n), '1970-01-01T00:00:01.234Z');
    assert.equal(formatWallNs(-1n), '1969-12-31T23:59:59.999Z');
    assert.equal(formatWallNs(1_795_302_871_123_456_789n), '2026-11-21T23:14:31.123Z');
  });

  it('parses /proc/uptime and time-namespace offsets', () => {
    assert.equal(parseUptimeCs('1688.51 2530.12\n'), 168851);
    assert.throws(() => parseUptimeCs('garbage'));
    assert.equal(parseTimensBootOffset('monotonic 0 0\nboottime 10 5\n'), 10_000_000_005n);
    assert.equal(parseTimensBootOffset('monotonic 0 0\n'), 0n);
  });
});

describe('boot clock: this machine', () => {
  const clock = new BootClock();
  const st = clock.state();

  it('converts the current boottime to within 2 ms of Date.now()', (t) => {
    // The method is accurate to microseconds (st.uncertaintyNs); the tolerance covers the
    // time between the two reads here and Date.now()'s own whole milliseconds.
    const wall = Number(clock.toWallNs(clock.nowBootNs()) / 1_000_000n);
    const now = Date.now();
    t.diagnostic(`offset uncertainty ${st.uncertaintyNs} ns; wall - Date.now() = ${wall - now} ms`);
    assert.ok(Math.abs(wall - now) <= 2, `${wall} vs ${now}`);
    assert.match(clock.format(clock.nowBootNs()), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    clock.stop();
  });

  it('agrees with /proc/uptime to its 10 ms resolution', () => {
    const boot = clock.nowBootNs();
    const up = BigInt(parseUptimeCs(readFileSync('/proc/uptime', 'latin1'))) * 10_000_000n;
    const d = up - boot;
    assert.ok(d <= 1_000_000n && d > -11_000_000n, `uptime - estimate = ${d} ns`);
    clock.stop();
  });

  it('agrees with the kernel offsets in /proc/timer_list (when root can read it)', (t) => {
    let text: string;
    try {
      text = readFileSync('/proc/timer_list', 'latin1');
    } catch {
      t.skip('/proc/timer_list is not readable (needs root)');
      return;
    }
    // clock 2 is CLOCK_BOOTTIME; its .offset is boottime - monotonic. Copies on idle CPUs can
    // lag after a resume, so take the largest.
    const offsets = [...text.matchAll(/clock 2:\n(?:.*\n){3}\s+\.offset:\s+(\d+) nsecs/g)].map((m) =>
      BigInt(m[1] ?? '0'),
    );
    if (offsets.length === 0) {
      t.skip('no clock 2 offset in /proc/timer_list');
      return;
    }
    const kernel = offsets.reduce((a, b) => (a > b ? a : b));
    const d = abs(st.bootMinusMonoNs - kernel);
    t.diagnostic(`measured boottime - monotonic ${st.bootMinusMonoNs} ns, kernel ${kernel} ns`);
    assert.ok(d < 200_000n, `differs by ${d} ns`);
  });
});
