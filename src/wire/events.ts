// Decodes the agent-tracking records of the main kernel object into plain events: the fixed
// part by its layout, then the variable part (paths, argv) by the lengths the kernel wrote.
import { InternalError } from '../errors.js';
import { fieldAt, type Decoded, type FieldSpec, type FieldType, type StructLayout } from './struct-layout.js';
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
  SyscallEvent,
  ChangeEvent,
  GuardEvent,
} from './wire-layout.js';

export type TaskInfo = Decoded<typeof EventHead.specs>['task'];

/** What the hook decided from the session's profile, and what it did about it. */
export interface KernelVerdict {
  action: 'ALLOW' | 'AUDIT' | 'BLOCK' | 'KILL';
  /** enum vigil_policy_rule_kind: default, denied, allowed, path-bound, error */
  ruleKind: number;
  /** index in the denied or allowed list */
  rule: number;
  /** the call was refused inline (the caller got EPERM) */
  denied: boolean;
  /** the hook sent SIGKILL to the caller */
  killed: boolean;
  /** decided by a BPF-LSM hook */
  lsm: boolean;
  /** the file was denied by its inode (a denied file reached through another name, e.g. a hard link) */
  inode: boolean;
  /** decided while no daemon beat: the session's fail-closed action was in force */
  failClosed: boolean;
  /** fail-closed `freeze`: the hook stopped the caller (SIGSTOP) */
  stopped: boolean;
  /** killed after an O_TRUNC open for writing: the file was already truncated inside the open */
  truncated: boolean;
  /** the denied rule says on_reactive: audit: this hook could only kill, so it audited instead */
  reactiveAudit: boolean;
}

interface Base {
  /** CLOCK_BOOTTIME nanoseconds of the event. */
  ktime: bigint;
  flags: number;
  task: TaskInfo;
  session: number;
  /** absent when no profile decided (the session only observes, or the event is not a decision) */
  verdict?: KernelVerdict;
}

const VERDICTS = ['ALLOW', 'AUDIT', 'BLOCK', 'KILL'] as const;

export interface ExecEventData extends Base {
  kind: 'exec' | 'session_start';
  /** resolved path of the binary that runs (for a script: its interpreter); as requested when ret is set */
  path: string;
  argv: string[];
  argvCut: boolean;
  pathCut: boolean;
  oldPid: number;
  rule: number;
  /** -errno when the execve itself failed (hooks/exec_failed.h: EACCES); absent when it ran */
  ret?: number;
}
export interface ForkEventData extends Base {
  kind: 'fork';
  childTgid: number;
  childStartTicks: bigint;
}
export interface ExitEventData extends Base {
  kind: 'exit';
  /** wait(2) status: exit code << 8 | terminating signal */
  exitCode: number;
}
export interface FileEventData extends Base {
  kind: 'file_open';
  /** resolved absolute path when the open succeeded; as requested when it failed */
  path: string;
  resolved: boolean;
  pathCut: boolean;
  openFlags: number;
  mode: number;
  ret: number;
}
export interface NetEventData extends Base {
  kind: 'net_connect' | 'udp_send';
  family: 'inet' | 'inet6';
  ip: string;
  port: number;
  sockType: number;
  protocol: number;
}
export interface SocketEventData extends Base {
  kind: 'socket_create';
  family: number;
  sockType: number;
  protocol: number;
}
/** A system call `vigil run`'s hardening filter refused (kernel/hooks/hardening.h). */
export interface SyscallEventData extends Base {
  kind: 'syscall';
  /** x86_64 system call number */
  nr: number;
  /** what the caller got (-errno) */
  ret: number;
  /** its first argument */
  arg0: bigint;
}
/** An unlink/rmdir or a rename a profile rule decided (kernel/lsm/changes_guards.h, hooks/changes.h). */
export interface ChangeEventData extends Base {
  kind: 'unlink' | 'rename';
  op: 'unlink' | 'rmdir' | 'rename';
  /** the path (a rename's source); '' when it could not be resolved */
  path: string;
  /** a rename's target; '' for unlink */
  to: string;
  pathCut: boolean;
  /** 0: the call went on (or, from a tracepoint, was made); -EPERM: refused */
  ret: number;
}
/** A ptrace or a signal of another process, or memory made executable, that a guard decided. */
export interface GuardEventData extends Base {
  kind: 'ptrace' | 'signal' | 'exec_memory';
  call: 'ptrace' | 'kill' | 'mmap' | 'mprotect';
  /** the target's tgid (0: not known as a tgid, e.g. a pid of the caller's own PID namespace) */
  target: number;
  /** the target's session, 0 when it is not watched */
  targetSession: number;
  targetComm: string;
  /** ptrace: request or PTRACE_MODE_*; signal: its number; memory: prot */
  arg: number;
  /** memory: mmap flags, or the mapping's VM_* flags for mprotect */
  arg2: number;
}
export type AgentEvent =
  | ChangeEventData
  | GuardEventData
  | ExecEventData
  | ForkEventData
  | ExitEventData
  | FileEventData
  | NetEventData
  | SocketEventData
  | SyscallEventData;

const AF_INET = 2;
const AF_INET6 = 10;

// The decoder reads each field where its layout puts it, straight into the final event object:
// no intermediate objects per struct, no subarray per string. Offsets and widths come from
// the layouts (wire-layout.ts), so a changed layout moves them too.
type NumReader = (buf: Buffer, offset: number) => number;
type BigReader = (buf: Buffer, offset: number) => bigint;

function num(layout: StructLayout<readonly FieldSpec[]>, path: string): { at: number; read: NumReader } {
  const f = fieldAt(layout, path);
  return { at: f.offset, read: numReader(f.type, `${layout.cName}.${path}`) };
}

function numReader(type: FieldType, what: string): NumReader {
  switch (type) {
    case 'u8':
      return (b, o) => b.readUInt8(o);
    case 'u16':
      return (b, o) => b.readUInt16LE(o);
    case 'u32':
      return (b, o) => b.readUInt32LE(o);
    case 's8':
      return (b, o) => b.readInt8(o);
    case 's16':
      return (b, o) => b.readInt16LE(o);
    case 's32':
      return (b, o) => b.readInt32LE(o);
    default:
      throw new InternalError(`${what} is not a number of 32 bits or less`);
  }
}

function big(layout: StructLayout<readonly FieldSpec[]>, path: string): { at: number; read: BigReader } {
  const f = fieldAt(layout, path);
  if (f.type === 'u64') return { at: f.offset, read: (b, o) => b.readBigUInt64LE(o) };
  if (f.type === 's64') return { at: f.offset, read: (b, o) => b.readBigInt64LE(o) };
  throw new InternalError(`${layout.cName}.${path} is not a 64-bit number`);
}

const H = {
  flags: num(EventHead, 'hdr.flags'),
  ktime: big(EventHead, 'hdr.ktime'),
  pid: num(EventHead, 'task.pid'),
  tgid: num(EventHead, 'task.tgid'),
  ppid: num(EventHead, 'task.ppid'),
  uid: num(EventHead, 'task.uid'),
  gid: num(EventHead, 'task.gid'),
  pad: num(EventHead, 'task.pad'),
  cgroupId: big(EventHead, 'task.cgroup_id'),
  comm: fieldAt(EventHead, 'task.comm'),
  session: num(EventHead, 'session'),
  action: num(EventHead, 'action'),
  ruleKind: num(EventHead, 'rule_kind'),
  rule: num(EventHead, 'rule'),
};
const EXEC = {
  oldPid: num(ExecEvent, 'old_pid'),
  rule: num(ExecEvent, 'rule'),
  pathLen: num(ExecEvent, 'path_len'),
  argvLen: num(ExecEvent, 'argv_len'),
  ret: num(ExecEvent, 'ret'),
};
const FORK = { child: num(ForkEvent, 'child_tgid'), start: big(ForkEvent, 'child_start_ticks') };
const EXIT = { code: num(ExitEvent, 'exit_code') };
const FILE = {
  openFlags: num(FileEvent, 'open_flags'),
  mode: num(FileEvent, 'mode'),
  ret: num(FileEvent, 'ret'),
  pathLen: num(FileEvent, 'path_len'),
};
const NET = {
  addr: fieldAt(NetEvent, 'addr'),
  family: num(NetEvent, 'family'),
  port: num(NetEvent, 'port'),
  sockType: num(NetEvent, 'sock_type'),
  protocol: num(NetEvent, 'protocol'),
};
const SOCK = {
  family: num(SocketEvent, 'family'),
  sockType: num(SocketEvent, 'sock_type'),
  protocol: num(SocketEvent, 'protocol'),
};
const SYSCALL = {
  nr: num(SyscallEvent, 'nr'),
  ret: num(SyscallEvent, 'ret'),
  arg0: fieldAt(SyscallEvent, 'arg0'),
};
const CHANGE = {
  op: num(ChangeEvent, 'op'),
  pathLen: num(ChangeEvent, 'path_len'),
  toLen: num(ChangeEvent, 'to_len'),
  ret: num(ChangeEvent, 'ret'),
};
const GUARD = {
  target: num(GuardEvent, 'target'),
  targetSession: num(GuardEvent, 'target_session'),
  arg: num(GuardEvent, 'arg'),
  arg2: num(GuardEvent, 'arg2'),
  call: num(GuardEvent, 'call'),
  comm: fieldAt(GuardEvent, 'target_comm'),
};
const CHANGE_OPS: Readonly<Record<number, ChangeEventData['op']>> = { 1: 'unlink', 2: 'rmdir', 3: 'rename' };
const GUARD_CALLS: Readonly<Record<number, GuardEventData['call']>> = {
  1: 'ptrace',
  2: 'kill',
  3: 'mmap',
  4: 'mprotect',
};
const GUARD_KINDS: Readonly<Record<number, GuardEventData['kind']>> = {
  [MSG_TYPE.VIGIL_MSG_PTRACE]: 'ptrace',
  [MSG_TYPE.VIGIL_MSG_SIGNAL]: 'signal',
  [MSG_TYPE.VIGIL_MSG_EXEC_MEMORY]: 'exec_memory',
};
const { VIGIL_F_DECIDED, VIGIL_F_DENIED, VIGIL_F_KILLED, VIGIL_F_LSM } = MSG_FLAG;

const rd = (f: { at: number; read: NumReader }, buf: Buffer): number => f.read(buf, f.at);

/** A char array: up to its first NUL, as UTF-8 (what decodeStruct returns for it). */
function charArray(buf: Buffer, at: number, size: number): string {
  let end = at;
  const limit = at + size;
  while (end < limit && buf[end] !== 0) end++;
  return buf.toString('utf8', at, end);
}

function task(buf: Buffer): TaskInfo {
  // keys in layout order, as decodeStruct makes them
  return {
    pid: rd(H.pid, buf),
    tgid: rd(H.tgid, buf),
    ppid: rd(H.ppid, buf),
    uid: rd(H.uid, buf),
    gid: rd(H.gid, buf),
    pad: rd(H.pad, buf),
    cgroup_id: H.cgroupId.read(buf, H.cgroupId.at),
    comm: charArray(buf, H.comm.offset, H.comm.size),
  };
}

function verdict(buf: Buffer, f: number): KernelVerdict {
  return {
    action: VERDICTS[rd(H.action, buf)] ?? 'BLOCK',
    ruleKind: rd(H.ruleKind, buf),
    rule: rd(H.rule, buf),
    denied: (f & VIGIL_F_DENIED) !== 0,
    killed: (f & VIGIL_F_KILLED) !== 0,
    lsm: (f & VIGIL_F_LSM) !== 0,
    inode: (f & MSG_FLAG.VIGIL_F_INODE) !== 0,
    failClosed: (f & MSG_FLAG.VIGIL_F_FAIL_CLOSED) !== 0,
    stopped: (f & MSG_FLAG.VIGIL_F_STOPPED) !== 0,
    truncated: (f & MSG_FLAG.VIGIL_F_TRUNCATED) !== 0,
    reactiveAudit: (f & MSG_FLAG.VIGIL_F_REACTIVE_AUDIT) !== 0,
  };
}

/** The common part of every event, the verdict only when a profile decided. */
function base(buf: Buffer): Base {
  const f = rd(H.flags, buf);
  const b: Base = {
    ktime: H.ktime.read(buf, H.ktime.at),
    flags: f,
    task: task(buf),
    session: rd(H.session, buf),
  };
  if ((f & VIGIL_F_DECIDED) !== 0) b.verdict = verdict(buf, f);
  return b;
}

function need(buf: Buffer, layout: StructLayout<readonly FieldSpec[]>): void {
  if (layout.size > buf.length) {
    throw new RangeError(`${layout.cName}: need ${layout.size} bytes at 0, buffer has ${buf.length}`);
  }
}

function bytesText(buf: Buffer, start: number, len: number): string {
  if (start + len > buf.length)
    throw new RangeError(`variable part overruns the record (${start}+${len} > ${buf.length})`);
  return buf.toString('utf8', start, start + len);
}

export function formatIp(family: number, addr: Buffer): string {
  if (family === AF_INET) return [...addr.subarray(0, 4)].join('.');
  // IPv4-mapped (::ffff:a.b.c.d), written as inet_ntop does.
  if (addr.subarray(0, 10).every((b) => b === 0) && addr.readUInt16BE(10) === 0xffff) {
    return `::ffff:${[...addr.subarray(12, 16)].join('.')}`;
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(addr.readUInt16BE(i).toString(16));
  // Compress the longest run of zero groups, as inet_ntop does.
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  if (best === -1) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** Decodes one record of the main object; undefined for a type that is not an agent event. */
export function decodeAgentEvent(raw: Buffer): AgentEvent | undefined {
  const type = raw.readUInt16LE(0);
  switch (type) {
    case MSG_TYPE.VIGIL_MSG_EXEC:
    case MSG_TYPE.VIGIL_MSG_SESSION_START: {
      need(raw, ExecEvent);
      const pathLen = rd(EXEC.pathLen, raw);
      const argvLen = rd(EXEC.argvLen, raw);
      const path = bytesText(raw, ExecEvent.size, pathLen);
      const argvRaw = bytesText(raw, ExecEvent.size + pathLen, argvLen);
      const argv = argvRaw === '' ? [] : argvRaw.replace(/\0$/, '').split('\0');
      const b = base(raw);
      const ev: ExecEventData = {
        kind: type === MSG_TYPE.VIGIL_MSG_EXEC ? 'exec' : 'session_start',
        ...b,
        path,
        argv,
        argvCut: (b.flags & MSG_FLAG.VIGIL_F_ARGV_CUT) !== 0,
        pathCut: (b.flags & MSG_FLAG.VIGIL_F_PATH_CUT) !== 0,
        oldPid: rd(EXEC.oldPid, raw),
        rule: rd(EXEC.rule, raw),
      };
      const ret = rd(EXEC.ret, raw);
      if (ret < 0) ev.ret = ret;
      return ev;
    }
    case MSG_TYPE.VIGIL_MSG_FORK: {
      need(raw, ForkEvent);
      return {
        kind: 'fork',
        ...base(raw),
        childTgid: rd(FORK.child, raw),
        childStartTicks: FORK.start.read(raw, FORK.start.at),
      };
    }
    case MSG_TYPE.VIGIL_MSG_EXIT: {
      need(raw, ExitEvent);
      return { kind: 'exit', ...base(raw), exitCode: rd(EXIT.code, raw) };
    }
    case MSG_TYPE.VIGIL_MSG_FILE_OPEN: {
      // the hot path (one per open of a watched process): no spread, one object
      need(raw, FileEvent);
      const f = rd(H.flags, raw);
      const ret = rd(FILE.ret, raw);
      const ev: FileEventData = {
        kind: 'file_open',
        ktime: H.ktime.read(raw, H.ktime.at),
        flags: f,
        task: task(raw),
        session: rd(H.session, raw),
        path: bytesText(raw, FileEvent.size, rd(FILE.pathLen, raw)),
        resolved: ret >= 0 && (f & MSG_FLAG.VIGIL_F_PATH_ERROR) === 0,
        pathCut: (f & MSG_FLAG.VIGIL_F_PATH_CUT) !== 0,
        openFlags: rd(FILE.openFlags, raw),
        mode: rd(FILE.mode, raw),
        ret,
      };
      if ((f & VIGIL_F_DECIDED) !== 0) ev.verdict = verdict(raw, f);
      return ev;
    }
    case MSG_TYPE.VIGIL_MSG_NET_CONNECT:
    case MSG_TYPE.VIGIL_MSG_UDP_SEND: {
      need(raw, NetEvent);
      const family = rd(NET.family, raw);
      return {
        kind: type === MSG_TYPE.VIGIL_MSG_NET_CONNECT ? 'net_connect' : 'udp_send',
        ...base(raw),
        family: family === AF_INET6 ? 'inet6' : 'inet',
        ip: formatIp(family, raw.subarray(NET.addr.offset, NET.addr.offset + NET.addr.size)),
        port: rd(NET.port, raw),
        sockType: rd(NET.sockType, raw),
        protocol: rd(NET.protocol, raw),
      };
    }
    case MSG_TYPE.VIGIL_MSG_SOCKET_CREATE: {
      need(raw, SocketEvent);
      return {
        kind: 'socket_create',
        ...base(raw),
        family: rd(SOCK.family, raw),
        sockType: rd(SOCK.sockType, raw),
        protocol: rd(SOCK.protocol, raw),
      };
    }
    case MSG_TYPE.VIGIL_MSG_UNLINK:
    case MSG_TYPE.VIGIL_MSG_RENAME: {
      need(raw, ChangeEvent);
      const pathLen = rd(CHANGE.pathLen, raw);
      const b = base(raw);
      return {
        kind: type === MSG_TYPE.VIGIL_MSG_UNLINK ? 'unlink' : 'rename',
        ...b,
        op: CHANGE_OPS[rd(CHANGE.op, raw)] ?? 'unlink',
        path: bytesText(raw, ChangeEvent.size, pathLen),
        to: bytesText(raw, ChangeEvent.size + pathLen, rd(CHANGE.toLen, raw)),
        pathCut: (b.flags & (MSG_FLAG.VIGIL_F_PATH_CUT | MSG_FLAG.VIGIL_F_PATH_ERROR)) !== 0,
        ret: rd(CHANGE.ret, raw),
      };
    }
    case MSG_TYPE.VIGIL_MSG_PTRACE:
    case MSG_TYPE.VIGIL_MSG_SIGNAL:
    case MSG_TYPE.VIGIL_MSG_EXEC_MEMORY: {
      need(raw, GuardEvent);
      return {
        kind: GUARD_KINDS[type] ?? 'ptrace',
        ...base(raw),
        call: GUARD_CALLS[rd(GUARD.call, raw)] ?? 'ptrace',
        target: rd(GUARD.target, raw),
        targetSession: rd(GUARD.targetSession, raw),
        targetComm: charArray(raw, GUARD.comm.offset, GUARD.comm.size),
        arg: rd(GUARD.arg, raw),
        arg2: rd(GUARD.arg2, raw),
      };
    }
    case MSG_TYPE.VIGIL_MSG_SYSCALL_REFUSED: {
      need(raw, SyscallEvent);
      return {
        kind: 'syscall',
        ...base(raw),
        nr: rd(SYSCALL.nr, raw),
        ret: rd(SYSCALL.ret, raw),
        arg0: raw.readBigUInt64LE(SYSCALL.arg0.offset),
      };
    }
    default:
      return undefined;
  }
}
