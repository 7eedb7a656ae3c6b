// Hand-built AgentEvents, as the decoder would return them, for the sink and enrich tests.
import type {
  AgentEvent,
  ChangeEventData,
  GuardEventData,
  ExecEventData,
  ExitEventData,
  FileEventData,
  KernelVerdict,
  ForkEventData,
  NetEventData,
  SocketEventData,
  SyscallEventData,
  TaskInfo,
} from '../../../src/wire/events.js';

export const KTIME = 1_000_000_000_000n; // 1000 s after boot

export function task(tgid: number, extra: Partial<TaskInfo> = {}): TaskInfo {
  return { pid: tgid, tgid, ppid: 1, uid: 1000, gid: 1000, pad: 0, cgroup_id: 4321n, comm: 'node', ...extra };
}

const base = (tgid: number, t: Partial<TaskInfo> = {}) => ({
  ktime: KTIME,
  flags: 0,
  task: task(tgid, t),
  session: 0x80000001,
});

export function execEvent(
  tgid: number,
  path: string,
  argv: string[],
  t: Partial<TaskInfo> = {},
): ExecEventData {
  return {
    kind: 'exec',
    ...base(tgid, t),
    path,
    argv,
    argvCut: false,
    pathCut: false,
    oldPid: tgid,
    rule: 0,
  };
}

export function sessionStartEvent(
  tgid: number,
  path: string,
  argv: string[],
  t: Partial<TaskInfo> = {},
): ExecEventData {
  return { ...execEvent(tgid, path, argv, t), kind: 'session_start', rule: 1 };
}

export function forkEvent(tgid: number, child: number, t: Partial<TaskInfo> = {}): ForkEventData {
  return { kind: 'fork', ...base(tgid, t), childTgid: child, childStartTicks: 12345n };
}

export function exitEvent(tgid: number, status: number, t: Partial<TaskInfo> = {}): ExitEventData {
  return { kind: 'exit', ...base(tgid, t), exitCode: status };
}

export function fileEvent(
  tgid: number,
  path: string,
  flags: number,
  ret: number,
  t: Partial<TaskInfo> = {},
): FileEventData {
  return {
    kind: 'file_open',
    ...base(tgid, t),
    path,
    resolved: ret >= 0,
    pathCut: false,
    openFlags: flags,
    mode: 0,
    ret,
  };
}

export function netEvent(
  kind: 'net_connect' | 'udp_send',
  tgid: number,
  ip: string,
  port: number,
  t: Partial<TaskInfo> = {},
): NetEventData {
  const v6 = ip.includes(':');
  return {
    kind,
    ...base(tgid, t),
    family: v6 ? 'inet6' : 'inet',
    ip,
    port,
    sockType: kind === 'udp_send' ? 2 : 1,
    protocol: kind === 'udp_send' ? 17 : 6,
  };
}

export function socketEvent(
  tgid: number,
  family: number,
  sockType: number,
  protocol: number,
): SocketEventData {
  return { kind: 'socket_create', ...base(tgid), family, sockType, protocol };
}

/** A system call the hardening filter refused (io_uring_setup, EPERM). */
export function syscallEvent(tgid: number, nr = 425, arg0 = 0x10n): SyscallEventData {
  return { kind: 'syscall', ...base(tgid), nr, ret: -1, arg0 };
}

/** An unlink or rename a profile rule decided. */
export function changeEvent(tgid: number, kind: 'unlink' | 'rename', path: string, to = ''): ChangeEventData {
  return {
    kind,
    ...base(tgid),
    op: kind === 'rename' ? 'rename' : 'unlink',
    path,
    to,
    pathCut: false,
    ret: -1,
  };
}

/** A guard's event: a ptrace or signal of another process, or executable memory. */
export function guardEvent(tgid: number, kind: GuardEventData['kind'], target = 0, arg = 0): GuardEventData {
  const call = kind === 'ptrace' ? 'ptrace' : kind === 'signal' ? 'kill' : 'mprotect';
  return {
    kind,
    ...base(tgid),
    call,
    target,
    targetSession: 0,
    targetComm: target === 0 ? '' : 'sshd',
    arg,
    arg2: 0,
  };
}

/** One event of every kind. */
export function everyKind(): AgentEvent[] {
  return [
    sessionStartEvent(100, '/usr/bin/node', ['node', '/usr/local/bin/claude'], { comm: 'claude' }),
    execEvent(101, '/usr/bin/git', ['git', 'status'], { comm: 'git', ppid: 100 }),
    forkEvent(100, 101),
    exitEvent(101, 0x0100),
    exitEvent(102, 9),
    fileEvent(101, '/home/dev/.ssh/id_rsa', 0o2000000, 3),
    fileEvent(101, '/etc/nope', 0o1101, -2),
    netEvent('net_connect', 100, '93.184.216.34', 443),
    netEvent('net_connect', 100, '2001:db8::1', 443),
    netEvent('udp_send', 100, '8.8.8.8', 53),
    socketEvent(100, 17, 3, 768),
    socketEvent(100, 2, 3, 1),
    syscallEvent(100),
    changeEvent(101, 'unlink', '/home/dev/.ssh/id_rsa'),
    changeEvent(101, 'rename', '/home/dev/.bashrc', '/tmp/x'),
    guardEvent(101, 'ptrace', 4242, 16),
    guardEvent(101, 'signal', 4242, 15),
    guardEvent(101, 'exec_memory', 0, 7),
  ];
}

/** A kernel verdict: ALLOW by the default rule unless `v` says otherwise. */
export function verdict(v: Partial<KernelVerdict>): KernelVerdict {
  return {
    action: 'ALLOW',
    ruleKind: 0,
    rule: 0,
    denied: false,
    killed: false,
    lsm: false,
    inode: false,
    failClosed: false,
    stopped: false,
    truncated: false,
    reactiveAudit: false,
    ...v,
  };
}
