// Decodes the agent-tracking records of the main kernel object into plain events: the fixed
// part by its layout, then the variable part (paths, argv) by the lengths the kernel wrote.
import { decodeStruct, type Decoded } from './struct-layout.js';
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
  /** resolved path of the binary that runs (for a script: its interpreter) */
  path: string;
  argv: string[];
  argvCut: boolean;
  pathCut: boolean;
  oldPid: number;
  rule: number;
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
export type AgentEvent =
  ExecEventData | ForkEventData | ExitEventData | FileEventData | NetEventData | SocketEventData;

const AF_INET = 2;
const AF_INET6 = 10;

function base(head: Decoded<typeof EventHead.specs>): Base {
  const f = head.hdr.flags;
  const b: Base = { ktime: head.hdr.ktime, flags: f, task: head.task, session: head.session };
  if ((f & MSG_FLAG.VIGIL_F_DECIDED) !== 0) {
    b.verdict = {
      action: VERDICTS[head.action] ?? 'BLOCK',
      ruleKind: head.rule_kind,
      rule: head.rule,
      denied: (f & MSG_FLAG.VIGIL_F_DENIED) !== 0,
      killed: (f & MSG_FLAG.VIGIL_F_KILLED) !== 0,
      lsm: (f & MSG_FLAG.VIGIL_F_LSM) !== 0,
    };
  }
  return b;
}

function bytesText(buf: Buffer, start: number, len: number): string {
  if (start + len > buf.length)
    throw new RangeError(`variable part overruns the record (${start}+${len} > ${buf.length})`);
  return buf.subarray(start, start + len).toString('utf8');
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
      const e = decodeStruct(ExecEvent, raw);
      const path = bytesText(raw, ExecEvent.size, e.path_len);
      const argvRaw = bytesText(raw, ExecEvent.size + e.path_len, e.argv_len);
      const argv = argvRaw === '' ? [] : argvRaw.replace(/\0$/, '').split('\0');
      const flags = e.head.hdr.flags;
      return {
        kind: type === MSG_TYPE.VIGIL_MSG_EXEC ? 'exec' : 'session_start',
        ...base(e.head),
        path,
        argv,
        argvCut: (flags & MSG_FLAG.VIGIL_F_ARGV_CUT) !== 0,
        pathCut: (flags & MSG_FLAG.VIGIL_F_PATH_CUT) !== 0,
        oldPid: e.old_pid,
        rule: e.rule,
      };
    }
    case MSG_TYPE.VIGIL_MSG_FORK: {
      const e = decodeStruct(ForkEvent, raw);
      return { kind: 'fork', ...base(e.head), childTgid: e.child_tgid, childStartTicks: e.child_start_ticks };
    }
    case MSG_TYPE.VIGIL_MSG_EXIT: {
      const e = decodeStruct(ExitEvent, raw);
      return { kind: 'exit', ...base(e.head), exitCode: e.exit_code };
    }
    case MSG_TYPE.VIGIL_MSG_FILE_OPEN: {
      const e = decodeStruct(FileEvent, raw);
      return {
        kind: 'file_open',
        ...base(e.head),
        path: bytesText(raw, FileEvent.size, e.path_len),
        resolved: e.ret >= 0 && (e.head.hdr.flags & MSG_FLAG.VIGIL_F_PATH_ERROR) === 0,
        pathCut: (e.head.hdr.flags & MSG_FLAG.VIGIL_F_PATH_CUT) !== 0,
        openFlags: e.open_flags,
        mode: e.mode,
        ret: e.ret,
      };
    }
    case MSG_TYPE.VIGIL_MSG_NET_CONNECT:
    case MSG_TYPE.VIGIL_MSG_UDP_SEND: {
      const e = decodeStruct(NetEvent, raw);
      return {
        kind: type === MSG_TYPE.VIGIL_MSG_NET_CONNECT ? 'net_connect' : 'udp_send',
        ...base(e.head),
        family: e.family === AF_INET6 ? 'inet6' : 'inet',
        ip: formatIp(e.family, e.addr),
        port: e.port,
        sockType: e.sock_type,
        protocol: e.protocol,
      };
    }
    case MSG_TYPE.VIGIL_MSG_SOCKET_CREATE: {
      const e = decodeStruct(SocketEvent, raw);
      return {
        kind: 'socket_create',
        ...base(e.head),
        family: e.family,
        sockType: e.sock_type,
        protocol: e.protocol,
      };
    }
    default:
      return undefined;
  }
}
