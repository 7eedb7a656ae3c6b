// The agent-event decoder reads fields at their layout offsets directly (for speed); these
// golden records, written with encodeStruct as the kernel would lay them out, pin it to the
// field-by-field decode of the same layouts (decodeStruct).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { decodeAgentEvent, formatIp } from '../../../src/wire/events.js';
import { decodeStruct, encodeStruct } from '../../../src/wire/struct-layout.js';
import { EVENT_KINDS, KERNEL_RECORDS } from '../../../src/sinks/audit-schema.js';
import {
  EventHead,
  ExecEvent,
  ExitEvent,
  FileEvent,
  ForkEvent,
  MSG_FLAG,
  MSG_TYPE,
  NetEvent,
  SocketEvent,
} from '../../../src/wire/wire-layout.js';

const F = MSG_FLAG;

function head(
  type: number,
  flags: number,
  extra: { action?: number; rule_kind?: number; rule?: number } = {},
) {
  return {
    hdr: { type, flags, size: 0, ktime: 123_456_789_012_345n },
    task: {
      pid: 4242,
      tgid: 4240,
      ppid: 1,
      uid: 1000,
      gid: 1001,
      cgroup_id: 0xabcdefn,
      comm: 'näme-15-bytes!',
    },
    session: 0x80000007,
    action: extra.action ?? 0,
    rule_kind: extra.rule_kind ?? 0,
    rule: extra.rule ?? 0,
  };
}

/** The decision part as the layout says it, for comparison. */
function expectedBase(raw: Buffer) {
  const h = decodeStruct(EventHead, raw); // every event starts with it
  const f = h.hdr.flags;
  const base: Record<string, unknown> = { ktime: h.hdr.ktime, flags: f, task: h.task, session: h.session };
  if ((f & F.VIGIL_F_DECIDED) !== 0) {
    base.verdict = {
      action: (['ALLOW', 'AUDIT', 'BLOCK', 'KILL'] as const)[h.action] ?? 'BLOCK',
      ruleKind: h.rule_kind,
      rule: h.rule,
      denied: (f & F.VIGIL_F_DENIED) !== 0,
      killed: (f & F.VIGIL_F_KILLED) !== 0,
      lsm: (f & F.VIGIL_F_LSM) !== 0,
      inode: (f & F.VIGIL_F_INODE) !== 0,
      failClosed: (f & F.VIGIL_F_FAIL_CLOSED) !== 0,
      stopped: (f & F.VIGIL_F_STOPPED) !== 0,
      truncated: (f & F.VIGIL_F_TRUNCATED) !== 0,
      reactiveAudit: (f & F.VIGIL_F_REACTIVE_AUDIT) !== 0,
    };
  }
  return base;
}

function fileRecord(path: string, flags: number, ret: number, extra = {}): Buffer {
  const fixed = encodeStruct(FileEvent, {
    head: head(MSG_TYPE.VIGIL_MSG_FILE_OPEN, flags, extra),
    open_flags: 0o2000101,
    mode: 0o644,
    ret,
    path_len: Buffer.byteLength(path),
  });
  return Buffer.concat([fixed, Buffer.from(path)]);
}

test('file_open: every field where the layout puts it, with and without a verdict', () => {
  const decided = F.VIGIL_F_DECIDED | F.VIGIL_F_DENIED | F.VIGIL_F_LSM | F.VIGIL_F_INODE;
  for (const [flags, ret] of [
    [0, 3],
    [F.VIGIL_F_PATH_CUT, 5],
    [F.VIGIL_F_PATH_ERROR, 4],
    [decided, -13],
    // decided while no daemon ran; fail-closed `freeze` stopped the caller
    [F.VIGIL_F_DECIDED | F.VIGIL_F_FAIL_CLOSED | F.VIGIL_F_STOPPED, 3],
  ] as const) {
    const raw = fileRecord('/tmp/é/a b', flags, ret, { action: 2, rule_kind: 1, rule: 7 });
    const fixed = decodeStruct(FileEvent, raw);
    assert.deepEqual(decodeAgentEvent(raw), {
      kind: 'file_open',
      ...expectedBase(raw),
      path: '/tmp/é/a b',
      resolved: ret >= 0 && (flags & F.VIGIL_F_PATH_ERROR) === 0,
      pathCut: (flags & F.VIGIL_F_PATH_CUT) !== 0,
      openFlags: fixed.open_flags,
      mode: fixed.mode,
      ret,
    });
  }
  const ev = decodeAgentEvent(fileRecord('/x', F.VIGIL_F_DECIDED | F.VIGIL_F_INODE, 3, { action: 3 }));
  assert.equal(ev?.verdict?.action, 'KILL');
  assert.equal(ev.verdict.inode, true);
  assert.equal(ev.task.comm, 'näme-15-bytes!', 'UTF-8, filling the 16 bytes but the NUL');
});

test('exec and session_start: path and argv from the variable part', () => {
  const path = '/usr/bin/git';
  const argv = 'git\0status\0--short\0';
  for (const type of [MSG_TYPE.VIGIL_MSG_EXEC, MSG_TYPE.VIGIL_MSG_SESSION_START]) {
    const fixed = encodeStruct(ExecEvent, {
      head: head(type, F.VIGIL_F_ARGV_CUT),
      old_pid: 4241,
      rule: 9,
      path_len: path.length,
      argv_len: argv.length,
      argc: 3,
    });
    const raw = Buffer.concat([fixed, Buffer.from(path), Buffer.from(argv)]);
    assert.deepEqual(decodeAgentEvent(raw), {
      kind: type === MSG_TYPE.VIGIL_MSG_EXEC ? 'exec' : 'session_start',
      ...expectedBase(raw),
      path,
      argv: ['git', 'status', '--short'],
      argvCut: true,
      pathCut: false,
      oldPid: 4241,
      rule: 9,
    });
  }
});

test('a failed exec (sys_exit_execve*): ret set, the path as requested, argv as read from the caller', () => {
  const path = 'outside/prog';
  const argv = 'outside/prog\0-v\0';
  const fixed = encodeStruct(ExecEvent, {
    head: head(MSG_TYPE.VIGIL_MSG_EXEC, 0),
    old_pid: 0,
    rule: 0,
    path_len: path.length,
    argv_len: argv.length,
    argc: 0,
    ret: -13,
  });
  const raw = Buffer.concat([fixed, Buffer.from(path), Buffer.from(argv)]);
  assert.deepEqual(decodeAgentEvent(raw), {
    kind: 'exec',
    ...expectedBase(raw),
    path,
    argv: ['outside/prog', '-v'],
    argvCut: false,
    pathCut: false,
    oldPid: 0,
    rule: 0,
    ret: -13,
  });
});

test('fork, exit, connect, udp_send and socket_create', () => {
  const fork = encodeStruct(ForkEvent, {
    head: head(MSG_TYPE.VIGIL_MSG_FORK, 0),
    child_tgid: 5000,
    child_start_ticks: 987_654n,
  });
  assert.deepEqual(decodeAgentEvent(fork), {
    kind: 'fork',
    ...expectedBase(fork),
    childTgid: 5000,
    childStartTicks: 987_654n,
  });

  const exit = encodeStruct(ExitEvent, { head: head(MSG_TYPE.VIGIL_MSG_EXIT, 0), exit_code: -1 });
  assert.deepEqual(decodeAgentEvent(exit), { kind: 'exit', ...expectedBase(exit), exitCode: -1 });

  const addr = Buffer.from('20010db8000000000000000000000001', 'hex');
  for (const type of [MSG_TYPE.VIGIL_MSG_NET_CONNECT, MSG_TYPE.VIGIL_MSG_UDP_SEND]) {
    const net = encodeStruct(NetEvent, {
      head: head(type, F.VIGIL_F_DECIDED, { action: 2 }),
      addr,
      family: 10,
      port: 443,
      sock_type: 1,
      protocol: 6,
    });
    assert.deepEqual(decodeAgentEvent(net), {
      kind: type === MSG_TYPE.VIGIL_MSG_NET_CONNECT ? 'net_connect' : 'udp_send',
      ...expectedBase(net),
      family: 'inet6',
      ip: formatIp(10, addr),
      port: 443,
      sockType: 1,
      protocol: 6,
    });
  }

  const sock = encodeStruct(SocketEvent, {
    head: head(MSG_TYPE.VIGIL_MSG_SOCKET_CREATE, 0),
    family: 17,
    sock_type: 3,
    protocol: 768,
  });
  assert.deepEqual(decodeAgentEvent(sock), {
    kind: 'socket_create',
    ...expectedBase(sock),
    family: 17,
    sockType: 3,
    protocol: 768,
  });
});

test('short records and overrunning lengths are errors; other types are not agent events', () => {
  const raw = fileRecord('/etc/passwd', 0, 3);
  assert.throws(() => decodeAgentEvent(raw.subarray(0, FileEvent.size - 1)), RangeError);
  assert.throws(() => decodeAgentEvent(raw.subarray(0, raw.length - 1)), /overruns the record/);
  const probe = Buffer.alloc(16);
  probe.writeUInt16LE(MSG_TYPE.VIGIL_MSG_PROBE, 0);
  assert.equal(decodeAgentEvent(probe), undefined);
});

test('each kernel record type decodes to the event kind the audit schema declares for it', () => {
  const kindOf = new Map<string, string>();
  for (const kind of EVENT_KINDS) for (const rec of KERNEL_RECORDS[kind]) kindOf.set(rec, kind);
  for (const [name, type] of Object.entries(MSG_TYPE)) {
    // a record of this type, every field zero (no path, no argv)
    const raw = Buffer.alloc(1024);
    raw.writeUInt16LE(type, 0);
    assert.equal(decodeAgentEvent(raw)?.kind, kindOf.get(name), name);
  }
});
