import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { AUDIT_SCHEMA_FILE, renderAuditSchema } from '../../../scripts/gen-audit-schema.js';
import { formatWallNs } from '../../../src/enrich/boot-clock.js';
import { ProcessTable } from '../../../src/enrich/process-table.js';
import { CHAIN_KEYS } from '../../../src/sinks/audit-chain.js';
import { AuditError } from '../../../src/sinks/audit-errors.js';
import {
  buildAuditLine,
  countersDelta,
  fileActivityLine,
  lossLine,
  sessionEndLine,
  sessionStartLine,
  type Decision,
  type LineContext,
} from '../../../src/sinks/audit-line.js';
import {
  auditKeyOrder,
  auditLineErrors,
  validateAuditLine,
  type AuditLine,
} from '../../../src/sinks/audit-schema.js';
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

// A fixed clock: boottime 0 is 2026-11-21T23:00:00Z.
const BOOT_EPOCH_NS = BigInt(Date.parse('2026-11-21T23:00:00Z')) * 1_000_000n;
const clock = { format: (ktime: bigint) => formatWallNs(BOOT_EPOCH_NS + ktime) };
const session = { id: 's1', profile: 'claude-code' };
const ctx: LineContext = { session, clock, processes: new ProcessTable({ proc: false }) };

const ajv = new Ajv({ allErrors: true, strict: true });
const validate = ajv.compile(JSON.parse(readFileSync(AUDIT_SCHEMA_FILE, 'utf8')) as object);

/** The keys of a built line: the schema's, without the chain keys the writer adds. */
function builtKeys(event: AuditLine['event']): string[] {
  return auditKeyOrder(event).filter((k) => !(CHAIN_KEYS as readonly string[]).includes(k));
}

function assertValid(line: unknown): void {
  assert.ok(validate(line), `JSON Schema: ${JSON.stringify(validate.errors)}\n${JSON.stringify(line)}`);
  assert.ok(validateAuditLine(line), `TypeBox: ${auditLineErrors(line)}`);
}

describe('audit lines from kernel events', () => {
  it('every event kind builds a line valid against the published schema and the TypeBox check', () => {
    for (const ev of everyKind()) assertValid(buildAuditLine(ev, ctx));
  });

  it('lines survive a JSON round trip and still validate (what a reader of the log gets)', () => {
    for (const ev of everyKind()) assertValid(JSON.parse(JSON.stringify(buildAuditLine(ev, ctx))));
  });

  it('keys come in the schema order, the same for every line of a kind', () => {
    for (const ev of everyKind()) {
      const line = buildAuditLine(ev, ctx);
      const order = auditKeyOrder(line.event).filter((k) => k in line);
      assert.deepEqual(Object.keys(line), order, line.event);
    }
    const ev = everyKind()[5];
    assert.ok(ev !== undefined);
    assert.equal(JSON.stringify(buildAuditLine(ev, ctx)), JSON.stringify(buildAuditLine(ev, ctx)));
  });

  it('a file open carries the seed keys, flag names, result and the observed defaults', () => {
    const line = buildAuditLine(fileEvent(101, '/home/dev/.ssh/id_rsa', 0o2000000, 3, { pid: 105 }), ctx);
    assert.deepEqual(line, {
      ts: '2026-11-21T23:16:40.000Z',
      event: 'file_open',
      action: 'OBSERVE',
      pid: 101,
      comm: 'node',
      path: '/home/dev/.ssh/id_rsa',
      path_resolved: true,
      path_truncated: false,
      flags: ['O_RDONLY', 'O_CLOEXEC'],
      result: 3,
      reason: 'observed',
      rule: null,
      profile: 'claude-code',
      session: 's1',
      ppid: 1,
      uid: 1000,
      tid: 105,
      exe: null,
      backend: 'tracepoint:syscalls/sys_exit_open*',
      enforcement: 'none',
      schema_version: 1,
    });
  });

  it('a failed open names the error; flags are named', () => {
    const line = buildAuditLine(fileEvent(101, 'nope', 0o1101, -13), ctx);
    assert.equal(line.event, 'file_open');
    assert.equal(line.result, 'EACCES');
    assert.equal(line.path_resolved, false);
    assert.deepEqual(line.flags, ['O_WRONLY', 'O_CREAT', 'O_TRUNC']);
  });

  it('exec lines carry path, argv, cgroup and set exe; later lines of the process get exe from the table', () => {
    const table = new ProcessTable({ proc: false });
    const c: LineContext = { ...ctx, processes: table };
    const exec = execEvent(200, '/usr/bin/python3.12', ['python3', '-c', 'pass'], { comm: 'python3' });
    table.observe(exec);
    const line = buildAuditLine(exec, c);
    assert.equal(line.event, 'exec');
    assert.equal(line.exe, '/usr/bin/python3.12');
    assert.deepEqual(line.argv, ['python3', '-c', 'pass']);
    assert.equal(line.argv_truncated, false);
    assert.equal(line.cgroup_id, '4321');
    assert.equal(line.backend, 'tp_btf:sched_process_exec');
    const open = buildAuditLine(fileEvent(200, '/tmp/x', 0, 4), c);
    assert.equal(open.event === 'file_open' ? open.exe : undefined, '/usr/bin/python3.12');
  });

  it('a kernel session start is origin watch', () => {
    const line = buildAuditLine(sessionStartEvent(100, '/usr/bin/node', ['claude']), ctx);
    assert.equal(line.event === 'session_start' ? line.origin : undefined, 'watch');
  });

  it('exit lines split the wait status', () => {
    const normal = buildAuditLine(exitEvent(101, 3 << 8), ctx);
    const killed = buildAuditLine(exitEvent(101, 9 | 0x80), ctx);
    assert.ok(normal.event === 'exit' && killed.event === 'exit');
    assert.deepEqual([normal.exit_code, normal.signal, normal.core_dumped], [3, null, false]);
    assert.deepEqual([killed.exit_code, killed.signal, killed.core_dumped], [null, 'SIGKILL', true]);
  });

  it('network lines: destination, protocol, family, and the cgroup hook per family', () => {
    const v4 = buildAuditLine(netEvent('net_connect', 100, '10.0.0.1', 443), ctx);
    const v6 = buildAuditLine(netEvent('udp_send', 100, '2001:db8::1', 53), ctx);
    assert.ok(v4.event === 'net_connect' && v6.event === 'udp_send');
    assert.deepEqual(
      [v4.dest_ip, v4.dest_port, v4.protocol, v4.family, v4.backend],
      ['10.0.0.1', 443, 'tcp', 'AF_INET', 'cgroup:connect4'],
    );
    assert.deepEqual([v6.protocol, v6.family, v6.backend], ['udp', 'AF_INET6', 'cgroup:sendmsg6']);
  });

  it('socket lines name family, type and protocol', () => {
    const raw = buildAuditLine(socketEvent(100, 17, 3, 768), ctx);
    const icmp = buildAuditLine(socketEvent(100, 2, 3, 1), ctx);
    assert.ok(raw.event === 'socket_create' && icmp.event === 'socket_create');
    assert.deepEqual([raw.family, raw.type, raw.protocol], ['AF_PACKET', 'SOCK_RAW', '768']);
    assert.deepEqual([icmp.family, icmp.type, icmp.protocol], ['AF_INET', 'SOCK_RAW', 'icmp']);
  });

  it('fork lines name the child', () => {
    const line = buildAuditLine(forkEvent(100, 101), ctx);
    assert.equal(line.event === 'fork' ? line.child_pid : undefined, 101);
  });
});

describe('decisions: the honesty rule', () => {
  const ev = fileEvent(101, '/home/dev/.ssh/id_rsa', 0, 3);

  it('without a decision every line is OBSERVE / none / rule null / observed', () => {
    for (const e of everyKind()) {
      const line = buildAuditLine(e, ctx);
      assert.equal(line.action, 'OBSERVE');
      assert.equal(line.enforcement, 'none');
      assert.equal(line.rule, null);
      assert.equal(line.reason, 'observed');
    }
  });

  it('a decision made by a hook is written as given, with its backend', () => {
    const d: Decision = {
      action: 'BLOCK',
      enforcement: 'inline',
      rule: 'denied_paths: ~/.ssh/**',
      reason: 'path is denied',
      backend: 'lsm:file_open',
    };
    const line = buildAuditLine(ev, ctx, d);
    assertValid(line);
    assert.deepEqual(
      [line.action, line.enforcement, line.rule, line.reason, line.backend],
      ['BLOCK', 'inline', 'denied_paths: ~/.ssh/**', 'path is denied', 'lsm:file_open'],
    );
  });

  it('refuses decisions no hook can have made', () => {
    const bad: Decision[] = [
      { action: 'BLOCK', enforcement: 'none', rule: 'r', reason: 'x' },
      { action: 'BLOCK', enforcement: 'reactive', rule: 'r', reason: 'x' },
      { action: 'ALLOW', enforcement: 'none', rule: null, reason: 'x' },
      { action: 'OBSERVE', enforcement: 'inline', rule: null, reason: 'x' },
      { action: 'OBSERVE', enforcement: 'none', rule: 'r', reason: 'x' },
      { action: 'AUDIT', enforcement: 'inline', rule: 'r', reason: 'x' },
      { action: 'KILL', enforcement: 'audit', rule: 'r', reason: 'x' },
      { action: 'ALLOW', enforcement: 'inline', rule: null, reason: '' },
    ];
    for (const d of bad) {
      assert.throws(
        () => buildAuditLine(ev, ctx, d),
        (e: unknown) => e instanceof AuditError && e.code === 'VIGIL_AUDIT_BAD_DECISION',
        JSON.stringify(d),
      );
    }
  });

  it('the static type only admits the five actions', () => {
    // @ts-expect-error: not an action
    const bad: AuditLine['action'] = 'DENY';
    assert.equal(validateAuditLine({ ...buildAuditLine(ev, ctx), action: bad }), false);
  });
});

describe('session and loss lines', () => {
  it('user-space session lines validate', () => {
    const start = sessionStartLine(
      session,
      { pid: 300, comm: 'vigil', ppid: 299, uid: 0 },
      { origin: 'run' },
    );
    const end = sessionEndLine(
      session,
      { pid: 300, comm: 'claude', exe: '/usr/bin/node' },
      {
        reason: 'root exited',
        waitStatus: 2 << 8,
      },
    );
    assertValid(start);
    assertValid(end);
    assert.equal(end.exit_code, 2);
    assert.equal(start.tid, null);
    assert.deepEqual(Object.keys(end), builtKeys('session_end'));
  });

  it('a loss line counts each counter rise; none when nothing rose', () => {
    const before = { ringbufFull: 5n, readFail: 0n, watchFull: 1n, staleEntry: 0n, alertLost: 0n };
    const now = { ringbufFull: 17n, readFail: 0n, watchFull: 1n, staleEntry: 2n, alertLost: 0n };
    const line = lossLine(countersDelta(before, now), '2026-11-21T23:14:31.123Z');
    assert.ok(line !== undefined);
    assertValid(line);
    assert.deepEqual(line.lost, {
      ringbuf_full: 12,
      read_fail: 0,
      watch_full: 0,
      stale_entry: 2,
      alert_lost: 0,
    });
    assert.match(line.reason, /12 events lost: ring buffer full/);
    assert.deepEqual(Object.keys(line), builtKeys('loss'));
    assert.equal(lossLine(countersDelta(now, now)), undefined);
    assert.deepEqual(countersDelta(undefined, now), now);
  });

  it('a file_activity line reports the rise of what the kernel counted; none when nothing rose', () => {
    const session = { id: 'run-3', profile: 'generic' };
    const before = { repeated: 10n, failedLookups: 4n, unrecorded: 0n };
    const now = { repeated: 25n, failedLookups: 4n, unrecorded: 0n };
    const line = fileActivityLine(session, 'first', before, now, '2026-11-21T23:14:31.123Z');
    assert.ok(line !== undefined);
    assertValid(line);
    assert.deepEqual(line.counted, { repeated_opens: 15, failed_lookups: 0, unrecorded_opens: 0 });
    assert.equal(line.session, 'run-3');
    assert.match(line.reason, /15 opens of files already logged/);
    assert.deepEqual(Object.keys(line), builtKeys('file_activity'));
    assert.equal(fileActivityLine(session, 'first', now, now), undefined);
    assert.equal(fileActivityLine(session, 'none', undefined, now)?.counted.repeated_opens, 25);
  });
});

describe('JSON Schema file', () => {
  it('the committed schemas/audit-line.schema.json is current (run node dist/scripts/gen-audit-schema.js)', async () => {
    assert.equal(readFileSync(AUDIT_SCHEMA_FILE, 'utf8'), await renderAuditSchema());
  });

  it('rejects lines missing a seed key, with an unknown key, or a bad timestamp', () => {
    const ev = everyKind()[5];
    assert.ok(ev !== undefined);
    const good = buildAuditLine(ev, ctx) as Record<string, unknown>;
    const noPid = { ...good };
    delete noPid.pid;
    assert.equal(validate(noPid), false);
    assert.equal(validate({ ...good, extra: 1 }), false);
    assert.equal(validate({ ...good, ts: '2026-11-21 23:14:31Z' }), false);
    assert.equal(validate({ ...good, event: 'file_read' }), false);
  });
});
