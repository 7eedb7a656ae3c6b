// Synthetic audit lines and a UiSource over them, for the UI's unit tests and throughput check.
import type { ProfileRef, StatusResult } from '../../../src/daemon/control-protocol.js';
import type { AuditLine, AuditLineOf } from '../../../src/sinks/audit-schema.js';
import type { UiSource } from '../../../src/ui/ui-source.js';

const TAIL = { backend: 'tp_btf:sched_process_exec', enforcement: 'none', schema_version: 1 } as const;

export function fileOpen(i: number, session = 'run-1', action: 'OBSERVE' | 'BLOCK' = 'OBSERVE'): AuditLine {
  const line: AuditLineOf<'file_open'> = {
    ts: new Date(1_700_000_000_000 + i).toISOString(),
    event: 'file_open',
    action,
    pid: 1000 + (i % 7),
    comm: 'node',
    path: `/home/dev/project/src/file-${i}.ts`,
    path_resolved: true,
    path_truncated: false,
    flags: ['O_RDONLY', 'O_CLOEXEC'],
    result: action === 'BLOCK' ? 'EPERM' : 3,
    reason: action === 'BLOCK' ? 'denied by ~/.ssh/**' : 'observed',
    rule: action === 'BLOCK' ? '~/.ssh/**' : null,
    profile: 'generic',
    session,
    ppid: 999,
    uid: 1000,
    tid: 1000 + (i % 7),
    exe: '/usr/bin/node',
    backend: action === 'BLOCK' ? 'lsm:file_open' : 'tracepoint:syscalls/sys_exit_openat',
    enforcement: action === 'BLOCK' ? 'inline' : 'none',
    schema_version: 1,
  };
  return line;
}

export function sessionStart(session: string, pid: number): AuditLine {
  return {
    ts: new Date().toISOString(),
    event: 'session_start',
    action: 'OBSERVE',
    pid,
    comm: 'sh',
    origin: 'run',
    reason: 'vigil run started the session',
    rule: null,
    profile: 'generic',
    session,
    ppid: null,
    uid: 0,
    tid: null,
    exe: '/usr/bin/sh',
    ...TAIL,
  };
}

export function fork(session: string, pid: number, child: number): AuditLine {
  return {
    ts: new Date().toISOString(),
    event: 'fork',
    action: 'OBSERVE',
    pid,
    comm: 'sh',
    child_pid: child,
    reason: 'observed',
    rule: null,
    profile: 'generic',
    session,
    ppid: 1,
    uid: 0,
    tid: pid,
    exe: '/usr/bin/sh',
    ...TAIL,
  };
}

export function exec(session: string, pid: number, ppid: number, argv: string[]): AuditLine {
  return {
    ts: new Date().toISOString(),
    event: 'exec',
    action: 'OBSERVE',
    pid,
    comm: argv[0]?.split('/').pop()?.slice(0, 15) ?? 'x',
    path: argv[0] ?? '/bin/x',
    path_truncated: false,
    argv,
    argv_truncated: false,
    cgroup_id: '1234',
    reason: 'observed',
    rule: null,
    profile: 'generic',
    session,
    ppid,
    uid: 0,
    tid: pid,
    exe: argv[0] ?? null,
    ...TAIL,
  };
}

export function emptyStatus(): StatusResult {
  return {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    version: 1,
    sessions: [],
    watchRules: [],
    kernel: {
      ringbufFull: '0',
      readFail: '0',
      watchFull: '0',
      staleEntry: '0',
      policyNoTable: '0',
      policyLookup: '0',
      alertLost: '0',
      selfProtect: '0',
      failClosed: '0',
    },
    ring: { records: 0, batches: 0, stalls: 0, handlerErrors: 0 },
    failClosedAfterMs: null,
    adoption: {
      adopted: false,
      pinned: null,
      gapMs: null,
      sessions: 0,
      rules: 0,
      resumed: 0,
      endedMeanwhile: 0,
      problem: null,
      replaced: [],
    },
    backends: {
      pinned: null,
      lsm: { state: 'refused', reason: 'EPERM at load' },
      protections: {
        file_open: { backend: 'tracepoint:syscalls/sys_exit_open*', enforcement: 'reactive' },
        exec: { backend: 'tp_btf:sched_process_exec', enforcement: 'reactive' },
        connect: { backend: 'cgroup:connect4/connect6', enforcement: 'inline' },
        udp_send: { backend: 'cgroup:sendmsg4/sendmsg6', enforcement: 'inline' },
        raw_socket: { backend: 'cgroup:sock_create', enforcement: 'inline' },
        unlink: { backend: 'tracepoint:syscalls/sys_enter_unlink*,sys_enter_rmdir', enforcement: 'reactive' },
        rename: { backend: 'tracepoint:syscalls/sys_enter_rename*', enforcement: 'reactive' },
        ptrace: {
          backend: 'tracepoint:syscalls/sys_enter_ptrace,sys_enter_process_vm_*',
          enforcement: 'reactive',
        },
        signals: {
          backend: 'tracepoint:syscalls/sys_enter_*kill,sys_enter_rt_*sigqueueinfo',
          enforcement: 'reactive',
        },
        exec_memory: {
          backend: 'tracepoint:syscalls/sys_enter_mmap,sys_enter_*mprotect',
          enforcement: 'reactive',
        },
        self_protection: { backend: 'seccomp:vigil-launch (vigil run sessions only)', enforcement: 'inline' },
      },
      hooks: [{ program: 'vigil_connect4', hook: 'cgroup/connect4', cgroup: '/sys/fs/cgroup/unified' }],
    },
  };
}

/** A source the test feeds by calling emit(). */
export class FakeSource implements UiSource {
  readonly kind = 'in-process';
  #onLine: ((line: AuditLine) => void) | undefined;
  closed = false;
  status$: StatusResult = emptyStatus();
  profileRefs: ProfileRef[] = [];

  emit(line: AuditLine): void {
    this.#onLine?.(line);
  }
  subscribe(onLine: (line: AuditLine) => void): Promise<() => void> {
    this.#onLine = onLine;
    return Promise.resolve(() => {
      this.#onLine = undefined;
    });
  }
  status(): Promise<StatusResult> {
    return Promise.resolve(this.status$);
  }
  ancestry(): undefined {
    return undefined;
  }
  doctor(): Promise<unknown> {
    return Promise.resolve({ fake: true });
  }
  profiles(): Promise<ProfileRef[]> {
    return Promise.resolve(this.profileRefs);
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

// --- lines of the detectors and the agent's log (alert, install, tool_call) ---

type ToolCallRef = NonNullable<AuditLineOf<'exec'>['tool_call']>;

const at = (ms: number): string => new Date(1_700_000_000_000 + ms).toISOString();

/** A credential found in an exec's argv, masked as the secrets detector masks it. */
export function alert(
  session: string,
  ms: number,
  severity: AuditLineOf<'alert'>['severity'] = 'high',
  toolCall?: ToolCallRef,
): AuditLineOf<'alert'> {
  return {
    ts: at(ms),
    event: 'alert',
    action: 'OBSERVE',
    detector: 'secrets',
    kind: 'aws_access_key_id',
    severity,
    masked: 'AKIA…WXYZ',
    source: 'argv',
    where: null,
    pid: 4242,
    comm: 'sh',
    detector_rule: '@secretlint/secretlint-rule-aws',
    reason:
      'a aws access key id (AKIA…WXYZ) in the argv of pid 4242 (sh); nothing was refused: rotate it if it was real',
    rule: null,
    profile: 'generic',
    session,
    backend: 'vigil:secrets',
    enforcement: 'none',
    schema_version: 1,
    ...(toolCall === undefined ? {} : { tool_call: toolCall }),
  };
}

/** An `npm install` of one package; flagged as a typosquat unless `severity` is 'info'. */
export function install(
  session: string,
  ms: number,
  severity: AuditLineOf<'install'>['severity'] = 'high',
  action: 'ALLOW' | 'AUDIT' | 'KILL' | 'OBSERVE' = 'AUDIT',
): AuditLineOf<'install'> {
  const flagged = severity !== 'info';
  const name = flagged ? 'lodahs' : 'lodash';
  return {
    ts: at(ms),
    event: 'install',
    action: flagged ? action : 'ALLOW',
    pid: 5151,
    comm: 'npm',
    tool: 'npm',
    ecosystem: 'npm',
    subcommand: 'install',
    packages: [
      {
        ecosystem: 'npm',
        name,
        spec: null,
        source: 'registry',
        raw: name,
        severity,
        reasons: flagged ? [{ code: 'typosquat', detail: `${name} is one edit from lodash` }] : [],
        similar_to: flagged ? 'lodash' : null,
      },
    ],
    severity,
    risk_reasons: [],
    argv: ['npm', 'install', name],
    argv_truncated: false,
    reason: flagged ? `${name} looks like lodash` : 'nothing flagged',
    rule: null,
    profile: 'generic',
    session,
    ppid: 5150,
    uid: 1000,
    tid: 5151,
    exe: '/usr/bin/node',
    backend: 'vigil:installs',
    enforcement: flagged && action === 'KILL' ? 'reactive' : 'none',
    schema_version: 1,
  };
}

/** The agent's logged tool call (a shell command), as the transcript reader writes it. */
export function toolCall(
  session: string,
  ref: ToolCallRef,
  startMs: number,
  endMs: number | null,
  command: string,
  isError: boolean | null = false,
  late: { pids: number[]; count: number } = { pids: [], count: 0 },
): AuditLineOf<'tool_call'> {
  return {
    ts: at(startMs),
    event: 'tool_call',
    action: 'OBSERVE',
    agent: 'claude-code',
    id: ref.id,
    name: ref.name,
    tool_kind: 'shell',
    turn: ref.turn,
    ended_at: endMs === null ? null : at(endMs),
    is_error: isError,
    command,
    paths: [],
    url: null,
    linked: { exec: 1, file_open: 1, net_connect: 0, other: 0, denied: 1, late: late.count },
    pids: late.pids,
    transcript: '/home/dev/.claude/projects/p/session.jsonl',
    reason: 'a tool call the agent logged',
    rule: null,
    profile: 'generic',
    session,
    backend: 'transcript:claude-code',
    enforcement: 'none',
    schema_version: 1,
  };
}

/** A line of a process at `ms`, linked to the tool call `ref` when given. */
export function linked(line: AuditLine, ms: number, ref?: ToolCallRef): AuditLine {
  const out = { ...line, ts: at(ms) };
  if (ref !== undefined && (out.event === 'exec' || out.event === 'file_open')) out.tool_call = ref;
  return out;
}

// --- posture_change lines (an agent's guard surface changed; src/daemon/posture-line.ts) ---

const BYPASS = {
  code: 'bypass_permissions',
  points: 40,
  file: '/home/dev/.claude/settings.json',
  detail: 'permissions.defaultMode is "bypassPermissions" (user scope): no tool call asks',
  snippet: '"permissions": { "defaultMode": "bypassPermissions" },',
};

/**
 * Claude Code's user settings changed: bypass mode switched on (`raised`, the default), or off.
 * `evidence` as the watcher says it.
 */
export function postureChange(
  ms: number,
  raised = true,
  evidence: 'definitive' | 'coalesced' = 'definitive',
): AuditLineOf<'posture_change'> {
  const before = { blake3: 'a'.repeat(64), size: 120 };
  const after = { blake3: 'b'.repeat(64), size: 180 };
  const [from, to] = raised ? [35, 75] : [75, 35];
  return {
    ts: at(ms),
    event: 'posture_change',
    action: 'OBSERVE',
    agent: 'claude-code',
    path: BYPASS.file,
    change: 'modified',
    before: raised ? before : after,
    after: raised ? after : before,
    score: to,
    score_before: from,
    reasons_added: raised ? [BYPASS] : [],
    reasons_removed: raised ? [] : [BYPASS],
    evidence,
    home: '/home/dev',
    reason: `claude-code: ${BYPASS.file} modified; posture score ${to} (${raised ? 'raised' : 'lowered'} by 40)${raised ? '; new: bypass_permissions' : '; gone: bypass_permissions'}`,
    rule: null,
    profile: null,
    session: null,
    backend: 'vigil:posture',
    enforcement: 'none',
    schema_version: 1,
  };
}
