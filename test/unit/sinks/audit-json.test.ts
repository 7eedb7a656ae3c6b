import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgentEvent, KernelVerdict } from '../../../src/wire/events.js';
import { auditLineJson } from '../../../src/sinks/audit-json.js';
import {
  buildAuditLine,
  lossLine,
  sessionEndLine,
  sessionStartLine,
  type Decision,
  type LineContext,
} from '../../../src/sinks/audit-line.js';
import { readFileSync } from 'node:fs';
import { kindsWithWriter } from '../../../scripts/audit-json-codegen.js';
import { AUDIT_JSON_KINDS_FILE, renderAuditJsonKindsFile } from '../../../scripts/gen-audit-schema.js';
import { EVENT_KINDS, KERNEL_RECORDS, type AuditLine } from '../../../src/sinks/audit-schema.js';
import {
  everyKind,
  execEvent,
  exitEvent,
  fileEvent,
  forkEvent,
  netEvent,
  sessionStartEvent,
  socketEvent,
} from './fixture-events.js';

// A small seeded generator (mulberry32): the same lines on every run.
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Pieces that take every path of the string writer: plain ASCII, what JSON escapes (quote,
// backslash, control characters), what it does not (DEL, non-ASCII, U+2028), a surrogate
// pair, and lone surrogates (escaped by JSON.stringify).
const PIECES = [
  '/home/dev',
  'a',
  ' ',
  '"',
  '\\',
  '\n',
  '\t',
  '\u0000',
  '\u001f',
  '\u007f',
  'é',
  '日本',
  '\u2028',
  '😀',
  '\ud800',
  '\udfff',
  '/x\\"y',
];

function generator(seed: number) {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const text = (plain = 0.5): string => {
    if (r() < plain) return `/tmp/work/file-${int(1000)}.txt`;
    let s = '';
    for (let n = int(8); n >= 0; n--) s += pick(PIECES);
    return s;
  };
  const task = () => ({ comm: r() < 0.5 ? 'ops' : text(0.3), ppid: int(5000), uid: pick([0, 1000, 65534]) });
  const verdict = (): KernelVerdict => ({
    action: pick(['ALLOW', 'BLOCK', 'KILL', 'AUDIT'] as const),
    ruleKind: 0,
    rule: 0,
    denied: r() < 0.5,
    killed: false,
    lsm: r() < 0.5,
    inode: r() < 0.3,
    failClosed: false,
    stopped: false,
    truncated: false,
    reactiveAudit: false,
  });
  const event = (): AgentEvent => {
    const pid = 100 + int(20);
    const t = task();
    const ev: AgentEvent = pick([
      () =>
        fileEvent(pid, text(), pick([0, 0o2000000, 0o1101, 0o100002, 0x40000000]), pick([3, -2, -13, -999])),
      () => execEvent(pid, text(), [text(0.7), text(0.7)], t),
      () => sessionStartEvent(pid, text(), [text(0.7)], t),
      () => forkEvent(pid, pid + 1, t),
      () => exitEvent(pid, pick([0, 0x0100, 9, 0x8b, 0xff00]), t),
      () =>
        netEvent('net_connect', pid, pick(['93.184.216.34', '2001:db8::1', '::ffff:1.2.3.4']), int(65536), t),
      () => netEvent('udp_send', pid, '8.8.8.8', 53, t),
      () => socketEvent(pid, pick([2, 10, 17, 99]), pick([1, 2, 3, 42]), pick([0, 1, 6, 17, 768])),
    ])();
    if (ev.kind === 'file_open' && r() < 0.5) ev.verdict = verdict();
    return ev;
  };
  const decision = (): Decision | undefined =>
    r() < 0.4
      ? undefined
      : pick<Decision>([
          {
            action: 'ALLOW',
            enforcement: 'inline',
            rule: 'allowed_paths[0]',
            reason: `open of ${text()} allowed`,
          },
          { action: 'BLOCK', enforcement: 'inline', rule: text(0.7), reason: text(0.3) },
          {
            action: 'KILL',
            enforcement: 'reactive',
            rule: 'denied_commands[2]',
            reason: text(),
            backend: text(0.8),
          },
          {
            action: 'AUDIT',
            enforcement: 'audit',
            rule: 'audit_paths[1]',
            reason: 'matches: allowed and audited',
          },
        ]);
  const exes = new Map<number, string>();
  const ctx = (): LineContext => ({
    session: { id: r() < 0.7 ? 'attach-1' : text(0.3), profile: r() < 0.7 ? 'generic' : text(0.3) },
    clock: { format: () => (r() < 0.95 ? '2026-11-22T03:02:37.592Z' : text(0.2)) },
    processes: { exe: (tgid) => exes.get(tgid) },
  });
  return {
    line(): AuditLine {
      const kind = int(20);
      const s = { id: 'run-3', profile: text(0.6) };
      const proc = { pid: 7, comm: text(0.5), ppid: 1, uid: 0, exe: r() < 0.5 ? undefined : text() };
      if (kind === 0) return sessionStartLine(s, proc, { origin: 'run', argv: [text(), text()] });
      if (kind === 1) return sessionEndLine(s, proc, { reason: text(0.3), waitStatus: int(0x10000) });
      if (kind === 2) {
        const one = BigInt(1 + int(100));
        const c = { ringbufFull: one, readFail: 0n, watchFull: one, staleEntry: 0n, alertLost: 0n };
        const l = lossLine(c);
        assert.ok(l);
        return l;
      }
      const ev = event();
      const tgid = ev.task.tgid;
      if (r() < 0.5) exes.set(tgid, text());
      else exes.delete(tgid);
      const d = decision();
      return d === undefined ? buildAuditLine(ev, ctx()) : buildAuditLine(ev, ctx(), d);
    },
  };
}

describe('audit line JSON text', () => {
  it('is byte-identical to JSON.stringify for every kind of the fixture', () => {
    const ctx: LineContext = {
      session: { id: 's1', profile: 'claude-code' },
      clock: { format: () => '2026-11-22T03:02:37.592Z' },
    };
    for (const ev of everyKind()) {
      const line = buildAuditLine(ev, ctx);
      assert.equal(auditLineJson(line), JSON.stringify(line));
    }
  });

  it('is byte-identical to JSON.stringify on 20 000 generated lines with odd strings', () => {
    const gen = generator(8);
    const kinds = new Map<string, number>();
    let escaped = 0;
    for (let i = 0; i < 20_000; i++) {
      const line = gen.line();
      const want = JSON.stringify(line);
      assert.equal(auditLineJson(line), want, `line ${i}`);
      // the same line again (the repeated parts come from the kept fragments now)
      assert.equal(auditLineJson(line), want, `line ${i}, again`);
      // as a reader of the log has it: fresh arrays, not frozen
      const parsed = JSON.parse(want) as AuditLine;
      assert.equal(auditLineJson(parsed), want, `line ${i}, parsed`);
      kinds.set(line.event, (kinds.get(line.event) ?? 0) + 1);
      if (/\\[u"\\nt]/.test(want)) escaped++;
    }
    // every kind was generated, and many lines needed escaping
    assert.equal(kinds.size, 10, [...kinds.keys()].join(' '));
    assert.ok(escaped > 5000, `${escaped} lines with escapes`);
  });

  it('a line that has the chain keys (read back from a log) is written as JSON.stringify writes it', () => {
    const ctx: LineContext = { session: { id: 's1', profile: 'p' }, clock: { format: () => 'now' } };
    for (const ev of everyKind()) {
      const line = { ...buildAuditLine(ev, ctx), seq: 7, prev: '0'.repeat(64) } as AuditLine;
      assert.equal(auditLineJson(line), JSON.stringify(line));
      const torn = { ...line, chain_break: 'torn_line' } as AuditLine;
      assert.equal(auditLineJson(torn), JSON.stringify(torn));
    }
  });

  it('a line with a value of an unexpected type is written as JSON.stringify writes it', () => {
    const ctx: LineContext = { session: { id: 's1', profile: 'p' }, clock: { format: () => 'now' } };
    const line = buildAuditLine(fileEvent(1, '/a', 0, 3), ctx);
    const odd: unknown[] = [undefined, NaN, Infinity, -0, 1e21, 'x', null, true, { a: 1 }, [1], 12n];
    for (const key of Object.keys(line)) {
      for (const v of odd) {
        const copy: Record<string, unknown> = { ...line, [key]: v };
        let want: string;
        try {
          want = JSON.stringify(copy);
        } catch (err) {
          assert.throws(() => auditLineJson(copy as AuditLine), { name: (err as Error).name });
          continue;
        }
        assert.equal(auditLineJson(copy as AuditLine), want, `${key}: ${String(v)}`);
      }
    }
  });
});

describe('the per-kind writers follow the schema', () => {
  it('the committed src/sinks/audit-json-kinds.ts is current (run node dist/scripts/gen-audit-schema.js)', async () => {
    assert.equal(readFileSync(AUDIT_JSON_KINDS_FILE, 'utf8'), await renderAuditJsonKindsFile());
  });

  it('every kind the kernel reports has a writer, and the fixture has an event of each', () => {
    const kernelKinds = EVENT_KINDS.filter((k) => KERNEL_RECORDS[k].length > 0);
    const fast = new Set(kindsWithWriter());
    // session_start comes from the kernel under watch, but its line is a rare one
    assert.deepEqual(
      kernelKinds.filter((k) => !fast.has(k)),
      ['session_start'],
    );
    const ctx: LineContext = { session: { id: 's1', profile: 'p' }, clock: { format: () => 'now' } };
    const inFixture = new Set(everyKind().map((ev) => buildAuditLine(ev, ctx).event));
    assert.deepEqual(
      kernelKinds.filter((k) => !inFixture.has(k)),
      [],
    );
  });
});
