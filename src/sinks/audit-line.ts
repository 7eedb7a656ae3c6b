// Builds audit lines: pure functions from a decoded kernel event (plus the session it belongs
// to, the decision if a hook made one, and what the process table knows) to one AuditLine.
// Keys are written in the schema's order (audit-schema.ts), so lines are byte-identical for
// identical input.
//
// The honesty rule: a line says ALLOW, BLOCK, KILL or AUDIT only when the caller hands in the
// decision a hook made. Without one, the event was only seen: OBSERVE, enforcement 'none',
// rule null, reason 'observed'. Impossible decisions (BLOCK that was not inline, OBSERVE with
// a rule, ...) throw instead of being written.
import type { AgentEvent } from '../wire/events.js';
import type { LossCounters } from '../wire/kernel-counters.js';
import type { OpenVolumeCounts } from '../wire/file-events.js';
import {
  decodeWaitStatus,
  errnoName,
  openFlagNames,
  protNames,
  protocolName,
  ptraceRequestName,
  signalName,
  socketFamilyName,
  syscallName,
  socketTypeName,
} from '../enrich/linux-names.js';
import { MSG_FLAG } from '../wire/wire-layout.js';
import {
  LINEAGE_BACKENDS,
  OTHER_BACKENDS,
  PROTECTIONS,
  cgroupBackend,
  lsmBackendOf,
  protection,
  type ProtectionId,
} from '../protections.js';
import { AuditError } from './audit-errors.js';
import {
  AUDIT_SCHEMA_VERSION,
  type AuditAction,
  type AuditAttribution,
  type AuditEnforcement,
  type AuditLine,
  type AuditLineOf,
} from './audit-schema.js';

export interface SessionInfo {
  /** the session id users see (vigil status) */
  id: string;
  /** the name of the session's profile */
  profile: string;
}

export interface Decision {
  action: AuditAction;
  enforcement: AuditEnforcement;
  /** the profile rule that decided, as written; null when none did */
  rule: string | null;
  reason: string;
  /** the hook or backend that decided; defaults to the hook that reported the event */
  backend?: string;
  /**
   * set when the kernel refused without naming a rule (Landlock): `rule` and the explanation
   * in `reason` are vigil's inference, and the line says so
   */
  attribution?: AuditAttribution;
}

/** Converts kernel CLOCK_BOOTTIME ns to RFC 3339 (BootClock does). */
export interface WallClock {
  format(ktime: bigint): string;
}

/** What the builder asks the process table (ProcessTable does). */
export interface ProcessLookup {
  exe(tgid: number): string | undefined;
}

export interface LineContext {
  session: SessionInfo;
  clock: WallClock;
  processes?: ProcessLookup;
}

export const OBSERVED: Readonly<Decision> = Object.freeze({
  action: 'OBSERVE',
  enforcement: 'none',
  rule: null,
  reason: 'observed',
});

/** Which enforcement each action may claim (see docs/audit.md, "Actions"). */
const ALLOWED_ENFORCEMENT: Readonly<Record<AuditAction, readonly AuditEnforcement[]>> = {
  OBSERVE: ['none'],
  ALLOW: ['inline', 'reactive', 'audit'],
  BLOCK: ['inline'],
  KILL: ['inline', 'reactive'],
  AUDIT: ['audit'],
};

/** Throws unless the decision is one a hook can have made. */
export function checkDecision(d: Decision): void {
  if (!ALLOWED_ENFORCEMENT[d.action].includes(d.enforcement)) {
    throw new AuditError(
      'VIGIL_AUDIT_BAD_DECISION',
      `an audit line cannot say ${d.action} with enforcement '${d.enforcement}' (allowed: ${ALLOWED_ENFORCEMENT[d.action].join(', ')})`,
    );
  }
  if (d.action === 'OBSERVE' && d.rule !== null) {
    throw new AuditError('VIGIL_AUDIT_BAD_DECISION', `an OBSERVE line names no rule (got '${d.rule}')`);
  }
  if (d.reason === '') throw new AuditError('VIGIL_AUDIT_BAD_DECISION', 'a decision needs a reason');
  // an attributed line reports a refusal the kernel made: vigil did nothing more (no kill)
  if (d.attribution !== undefined && (d.action !== 'BLOCK' || d.enforcement !== 'inline')) {
    throw new AuditError(
      'VIGIL_AUDIT_BAD_DECISION',
      `an attributed decision reports the kernel's inline refusal: BLOCK, inline (got ${d.action}, ${d.enforcement})`,
    );
  }
}

/** The BPF-LSM hook behind each event kind a protection decides (src/protections.ts). */
const LSM_HOOK: Readonly<Partial<Record<AgentEvent['kind'], string>>> = Object.fromEntries(
  PROTECTIONS.flatMap((p) => p.events.map((kind) => [kind, lsmBackendOf(p.id)])),
);

/** A fallback's cgroup hook per address family. */
function cgroupByFamily(id: ProtectionId): Record<'inet' | 'inet6', string> {
  const hooks = protection(id).cgroup;
  const of = (family: 'inet' | 'inet6') => {
    const c = hooks.find((x) => x.family === family);
    if (c === undefined) throw new RangeError(`protection '${id}' has no cgroup hook for ${family}`);
    return cgroupBackend(c.hook);
  };
  return { inet: of('inet'), inet6: of('inet6') };
}

const FILE_OPEN = protection('file_open').fallback.backend;
const EXEC = protection('exec').fallback.backend;
const CONNECT = cgroupByFamily('connect');
const UDP_SEND = cgroupByFamily('udp_send');
const SOCKET_CREATE = protection('raw_socket').fallback.backend;
const UNLINK = protection('unlink').fallback.backend;
const RENAME = protection('rename').fallback.backend;
const PTRACE = protection('ptrace').fallback.backend;
const SIGNAL = protection('signals').fallback.backend;
const EXEC_MEMORY = protection('exec_memory').fallback.backend;

/**
 * The hook that reported (and, for a decision, decided) the event: a BPF-LSM hook when the
 * kernel flagged it so (VIGIL_F_LSM; an exec that bprm_check_security allowed is reported by
 * sched_process_exec with its verdict), else the tracepoint or cgroup hook of its kind.
 */
export function reportingBackend(ev: AgentEvent): string {
  const lsm = (ev.flags & MSG_FLAG.VIGIL_F_LSM) !== 0 ? LSM_HOOK[ev.kind] : undefined;
  if (lsm !== undefined) return lsm;
  switch (ev.kind) {
    case 'exec':
    case 'session_start':
      return ev.ret === undefined ? EXEC : LINEAGE_BACKENDS.failedExec;
    case 'fork':
      return LINEAGE_BACKENDS.fork;
    case 'exit':
      return LINEAGE_BACKENDS.exit;
    case 'file_open':
      return FILE_OPEN;
    case 'net_connect':
      return ev.family === 'inet6' ? CONNECT.inet6 : CONNECT.inet;
    case 'udp_send':
      return ev.family === 'inet6' ? UDP_SEND.inet6 : UDP_SEND.inet;
    case 'socket_create':
      return SOCKET_CREATE;
    case 'syscall':
      return OTHER_BACKENDS.hardening;
    case 'unlink':
      return UNLINK;
    case 'rename':
      return RENAME;
    case 'ptrace':
      return PTRACE;
    case 'signal':
      return SIGNAL;
    case 'exec_memory':
      return EXEC_MEMORY;
  }
}

/**
 * What became of an unlink or rename: BPF-LSM knows (it refused, or let it go ahead); an entry
 * tracepoint decided before the call ran and never sees how it ended.
 */
function changeResult(ev: { flags: number; ret: number }): string {
  if ((ev.flags & MSG_FLAG.VIGIL_F_LSM) === 0) return 'unknown';
  return ev.ret < 0 ? errnoName(-ev.ret) : 'done';
}

/**
 * One audit line for one kernel event. Each kind's object is written out key by key, in the
 * schema's order: one allocation per line and one object shape per kind, which keeps the
 * builder and JSON.stringify on V8's fast paths (spreads of partial objects did not).
 */
export function buildAuditLine(ev: AgentEvent, ctx: LineContext, decision: Decision = OBSERVED): AuditLine {
  if (decision !== OBSERVED) checkDecision(decision);
  const ts = ctx.clock.format(ev.ktime);
  const { action, reason, rule, enforcement } = decision;
  const t = ev.task;
  const profile = ctx.session.profile;
  const session = ctx.session.id;
  const backend = decision.backend ?? reportingBackend(ev);
  const schema_version = AUDIT_SCHEMA_VERSION;
  if (ev.kind === 'exec' || ev.kind === 'session_start') {
    const cgroup_id = t.cgroup_id.toString();
    if (ev.kind === 'exec') {
      // exe is the program this exec started; after a failed execve, the one still running
      const line: AuditLineOf<'exec'> = {
        ts,
        event: 'exec',
        action,
        pid: t.tgid,
        comm: t.comm,
        path: ev.path,
        path_truncated: ev.pathCut,
        argv: ev.argv,
        argv_truncated: ev.argvCut,
        cgroup_id,
        reason,
        rule,
        profile,
        session,
        ppid: t.ppid,
        uid: t.uid,
        tid: t.pid,
        exe: ev.ret === undefined ? ev.path : (ctx.processes?.exe(t.tgid) ?? null),
        backend,
        enforcement,
        schema_version,
      };
      if (ev.ret !== undefined) line.result = errnoName(ev.ret);
      if (decision.attribution !== undefined) line.attribution = decision.attribution;
      return line;
    }
    return {
      ts,
      event: 'session_start',
      action,
      pid: t.tgid,
      comm: t.comm,
      origin: 'watch',
      path: ev.path,
      path_truncated: ev.pathCut,
      argv: ev.argv,
      argv_truncated: ev.argvCut,
      cgroup_id,
      reason,
      rule,
      profile,
      session,
      ppid: t.ppid,
      uid: t.uid,
      tid: t.pid,
      exe: ev.path,
      backend,
      enforcement,
      schema_version,
    };
  }
  const exe = ctx.processes?.exe(t.tgid) ?? null;
  switch (ev.kind) {
    case 'fork':
      return {
        ts,
        event: 'fork',
        action,
        pid: t.tgid,
        comm: t.comm,
        child_pid: ev.childTgid,
        reason,
        rule,
        profile,
        session,
        ppid: t.ppid,
        uid: t.uid,
        tid: t.pid,
        exe,
        backend,
        enforcement,
        schema_version,
      };
    case 'exit': {
      const w = decodeWaitStatus(ev.exitCode);
      return {
        ts,
        event: 'exit',
        action,
        pid: t.tgid,
        comm: t.comm,
        exit_code: w.exitCode,
        signal: w.signal,
        core_dumped: w.coreDumped,
        reason,
        rule,
        profile,
        session,
        ppid: t.ppid,
        uid: t.uid,
        tid: t.pid,
        exe,
        backend,
        enforcement,
        schema_version,
      };
    }
    case 'file_open': {
      const line: AuditLineOf<'file_open'> = {
        ts,
        event: 'file_open',
        action,
        pid: t.tgid,
        comm: t.comm,
        path: ev.path,
        path_resolved: ev.resolved,
        path_truncated: ev.pathCut,
        flags: cachedOpenFlagNames(ev.openFlags),
        result: ev.ret >= 0 ? ev.ret : errnoName(ev.ret),
        reason,
        rule,
        profile,
        session,
        ppid: t.ppid,
        uid: t.uid,
        tid: t.pid,
        exe,
        backend,
        enforcement,
        schema_version,
      };
      // the denied-inode table decided: a denied file opened through another name (a hard link)
      if (ev.verdict?.inode === true) line.matched_by = 'inode';
      // a reactive kill after O_TRUNC: the open itself emptied the file
      if (ev.verdict?.truncated === true) line.effect = 'truncated';
      if (decision.attribution !== undefined) line.attribution = decision.attribution;
      return line;
    }
    case 'net_connect':
    case 'udp_send':
      return {
        ts,
        event: ev.kind,
        action,
        pid: t.tgid,
        comm: t.comm,
        dest_ip: ev.ip,
        dest_port: ev.port,
        protocol: protocolName(ev.family === 'inet6' ? 10 : 2, ev.sockType, ev.protocol),
        family: ev.family === 'inet6' ? 'AF_INET6' : 'AF_INET',
        reason,
        rule,
        profile,
        session,
        ppid: t.ppid,
        uid: t.uid,
        tid: t.pid,
        exe,
        backend,
        enforcement,
        schema_version,
      };
    case 'socket_create':
      return {
        ts,
        event: 'socket_create',
        action,
        pid: t.tgid,
        comm: t.comm,
        family: socketFamilyName(ev.family),
        type: socketTypeName(ev.sockType),
        protocol: protocolName(ev.family, ev.sockType, ev.protocol),
        reason,
        rule,
        profile,
        session,
        ppid: t.ppid,
        uid: t.uid,
        tid: t.pid,
        exe,
        backend,
        enforcement,
        schema_version,
      };
    case 'unlink':
      return {
        ts,
        event: 'unlink',
        action,
        pid: t.tgid,
        comm: t.comm,
        path: ev.path,
        op: ev.op === 'rmdir' ? 'rmdir' : 'unlink',
        result: changeResult(ev),
        reason,
        rule,
        profile,
        session,
        ppid: t.ppid,
        uid: t.uid,
        tid: t.pid,
        exe,
        backend,
        enforcement,
        schema_version,
      };
    case 'rename':
      return {
        ts,
        event: 'rename',
        action,
        pid: t.tgid,
        comm: t.comm,
        path: ev.path,
        target: ev.to,
        result: changeResult(ev),
        reason,
        rule,
        profile,
        session,
        ppid: t.ppid,
        uid: t.uid,
        tid: t.pid,
        exe,
        backend,
        enforcement,
        schema_version,
      };
    case 'ptrace':
      return {
        ts,
        event: 'ptrace',
        action,
        pid: t.tgid,
        comm: t.comm,
        target_pid: ev.target === 0 ? null : ev.target,
        target_comm: ev.targetComm === '' ? null : ev.targetComm,
        target_in_session: ev.targetSession !== 0 && ev.targetSession === ev.session,
        request: ptraceRequestName(ev.arg, (ev.flags & MSG_FLAG.VIGIL_F_LSM) !== 0),
        reason,
        rule,
        profile,
        session,
        ppid: t.ppid,
        uid: t.uid,
        tid: t.pid,
        exe,
        backend,
        enforcement,
        schema_version,
      };
    case 'signal':
      return {
        ts,
        event: 'signal',
        action,
        pid: t.tgid,
        comm: t.comm,
        target_pid: ev.target === 0 ? null : ev.target,
        target_comm: ev.targetComm === '' ? null : ev.targetComm,
        target_in_session: ev.targetSession !== 0 && ev.targetSession === ev.session,
        signal: signalName(ev.arg),
        reason,
        rule,
        profile,
        session,
        ppid: t.ppid,
        uid: t.uid,
        tid: t.pid,
        exe,
        backend,
        enforcement,
        schema_version,
      };
    case 'exec_memory':
      return {
        ts,
        event: 'exec_memory',
        action,
        pid: t.tgid,
        comm: t.comm,
        call: ev.call === 'mmap' ? 'mmap' : 'mprotect',
        prot: protNames(ev.arg),
        reason,
        rule,
        profile,
        session,
        ppid: t.ppid,
        uid: t.uid,
        tid: t.pid,
        exe,
        backend,
        enforcement,
        schema_version,
      };
    case 'syscall':
      return {
        ts,
        event: 'syscall',
        action,
        pid: t.tgid,
        comm: t.comm,
        syscall: syscallName(ev.nr),
        arg0: `0x${ev.arg0.toString(16)}`,
        result: errnoName(ev.ret),
        reason,
        rule,
        profile,
        session,
        ppid: t.ppid,
        uid: t.uid,
        tid: t.pid,
        exe,
        backend,
        enforcement,
        schema_version,
      };
  }
}

// Open flags repeat (a process opens with a handful of flag sets): name each set once. The
// arrays are frozen because every line with those flags shares one.
const flagNames = new Map<number, string[]>();
const FLAG_NAMES_MAX = 1024;

function cachedOpenFlagNames(flags: number): string[] {
  let names = flagNames.get(flags);
  if (names === undefined) {
    names = Object.freeze(openFlagNames(flags)) as string[];
    if (flagNames.size >= FLAG_NAMES_MAX) flagNames.clear();
    flagNames.set(flags, names);
  }
  return names;
}

/** The process a session line is about (from the process table, or /proc). */
export interface SessionProcess {
  pid: number;
  comm: string;
  ppid?: number | undefined;
  uid?: number | undefined;
  exe?: string | undefined;
}

/** What session_start and session_end lines end with, in the schema's key order. */
function sessionTail(session: SessionInfo, proc: SessionProcess) {
  return {
    rule: null,
    profile: session.profile,
    session: session.id,
    ppid: proc.ppid ?? null,
    uid: proc.uid ?? null,
    tid: null,
    exe: proc.exe ?? null,
    backend: OTHER_BACKENDS.session,
    enforcement: 'none',
    schema_version: AUDIT_SCHEMA_VERSION,
  } as const;
}

/**
 * A session_start line made in user space (vigil run / attach; `watch` sessions begin in the
 * kernel and come through buildAuditLine). `ts` defaults to now.
 */
export function sessionStartLine(
  session: SessionInfo,
  proc: SessionProcess,
  options: { origin: 'run' | 'attach' | 'watch'; reason?: string; ts?: string; argv?: string[] },
): AuditLineOf<'session_start'> {
  return {
    ts: options.ts ?? new Date().toISOString(),
    event: 'session_start',
    action: 'OBSERVE',
    pid: proc.pid,
    comm: proc.comm,
    origin: options.origin,
    ...(options.argv === undefined ? {} : { argv: options.argv, argv_truncated: false }),
    reason: options.reason ?? `vigil ${options.origin}`,
    ...sessionTail(session, proc),
  };
}

/** A session_end line: `reason` says why (root exited, detached, daemon stopped). */
export function sessionEndLine(
  session: SessionInfo,
  proc: SessionProcess,
  options: { reason: string; waitStatus?: number; ts?: string },
): AuditLineOf<'session_end'> {
  const w = options.waitStatus === undefined ? undefined : decodeWaitStatus(options.waitStatus);
  return {
    ts: options.ts ?? new Date().toISOString(),
    event: 'session_end',
    action: 'OBSERVE',
    pid: proc.pid,
    comm: proc.comm,
    exit_code: w?.exitCode ?? null,
    signal: w?.signal ?? null,
    reason: options.reason,
    ...sessionTail(session, proc),
  };
}

const ZERO: LossCounters = { ringbufFull: 0n, readFail: 0n, watchFull: 0n, staleEntry: 0n, alertLost: 0n };

/** now - before, per counter (a counter that went down, e.g. after a reload, counts from 0). */
export function countersDelta(before: LossCounters | undefined, now: LossCounters): LossCounters {
  const b = before ?? ZERO;
  const d = (k: keyof LossCounters): bigint => (now[k] >= b[k] ? now[k] - b[k] : now[k]);
  return {
    ringbufFull: d('ringbufFull'),
    readFail: d('readFail'),
    watchFull: d('watchFull'),
    staleEntry: d('staleEntry'),
    alertLost: d('alertLost'),
  };
}

/**
 * A loss line for a rise of the kernel's counters (see countersDelta); undefined when nothing
 * rose. Counts beyond 2^53 would lose precision as JSON numbers; they cannot occur in practice.
 */
export function lossLine(
  delta: LossCounters,
  ts: string = new Date().toISOString(),
): AuditLineOf<'loss'> | undefined {
  const lost = {
    ringbuf_full: Number(delta.ringbufFull),
    read_fail: Number(delta.readFail),
    watch_full: Number(delta.watchFull),
    stale_entry: Number(delta.staleEntry),
    alert_lost: Number(delta.alertLost),
  };
  const parts: string[] = [];
  if (lost.ringbuf_full > 0) parts.push(`${lost.ringbuf_full} events lost: ring buffer full`);
  if (lost.watch_full > 0) parts.push(`${lost.watch_full} processes not watched: table full`);
  if (lost.read_fail > 0) parts.push(`${lost.read_fail} kernel reads failed`);
  if (lost.stale_entry > 0) parts.push(`${lost.stale_entry} stale process entries dropped`);
  if (lost.alert_lost > 0) {
    parts.push(`${lost.alert_lost} decisions enforced but not reported one by one: alerts ring full`);
  }
  if (parts.length === 0) return undefined;
  return {
    ts,
    event: 'loss',
    action: 'OBSERVE',
    lost,
    reason: parts.join('; '),
    rule: null,
    profile: null,
    session: null,
    backend: OTHER_BACKENDS.loss,
    enforcement: 'none',
    schema_version: AUDIT_SCHEMA_VERSION,
  };
}

/**
 * A file_activity line for what a session's --file-events mode counted since `before`;
 * undefined when nothing rose.
 */
export function fileActivityLine(
  session: SessionInfo,
  mode: 'first' | 'none',
  before: OpenVolumeCounts | undefined,
  now: OpenVolumeCounts,
  ts: string = new Date().toISOString(),
): AuditLineOf<'file_activity'> | undefined {
  const d = (k: keyof OpenVolumeCounts): number => Number(now[k] - (before?.[k] ?? 0n));
  const counted = {
    repeated_opens: d('repeated'),
    failed_lookups: d('failedLookups'),
    unrecorded_opens: d('unrecorded'),
  };
  const parts: string[] = [];
  if (counted.repeated_opens > 0) parts.push(`${counted.repeated_opens} opens of files already logged`);
  if (counted.failed_lookups > 0) parts.push(`${counted.failed_lookups} failed lookups (ENOENT)`);
  if (counted.unrecorded_opens > 0) parts.push(`${counted.unrecorded_opens} allowed opens`);
  if (parts.length === 0) return undefined;
  return {
    ts,
    event: 'file_activity',
    action: 'OBSERVE',
    file_events: mode,
    counted,
    reason: `counted in the kernel, not logged one by one (--file-events ${mode}): ${parts.join(', ')}`,
    rule: null,
    profile: session.profile,
    session: session.id,
    backend: OTHER_BACKENDS.fileActivity,
    enforcement: 'none',
    schema_version: AUDIT_SCHEMA_VERSION,
  };
}

/** A dns_query line for one question the session's DNS proxy answered (egress/dns-proxy.ts). */
export function dnsQueryLine(
  session: SessionInfo,
  q: {
    name: string;
    qtype: string;
    transport: 'udp' | 'tcp';
    upstream: string;
    verdict: 'ALLOW' | 'BLOCK';
    rule: string | null;
    rcode: string;
    answers: readonly { address: string }[];
    reason?: string;
  },
  ts: string = new Date().toISOString(),
): AuditLineOf<'dns_query'> {
  const what = q.name === '' ? 'a packet that is not DNS' : `${q.qtype} ${q.name}`;
  const reason =
    q.verdict === 'BLOCK'
      ? `${what} refused by vigil's DNS proxy (${q.rcode}): ${q.reason ?? 'not allowed'}${q.rule === null ? '' : ` (${q.rule})`}`
      : q.rcode === 'SERVFAIL'
        ? `${what} allowed by ${q.rule ?? 'a host rule'}; ${q.reason ?? 'the resolver failed'}`
        : `${what} allowed by ${q.rule ?? 'a host rule'}: ${q.answers.length} address(es) allowed in the kernel for the answer's TTL`;
  return {
    ts,
    event: 'dns_query',
    action: q.verdict,
    name: q.name,
    qtype: q.qtype,
    transport: q.transport,
    resolver: q.upstream,
    rcode: q.rcode,
    answers: q.answers.map((a) => a.address),
    reason,
    rule: q.rule,
    profile: session.profile,
    session: session.id,
    backend: OTHER_BACKENDS.dnsProxy,
    enforcement: q.verdict === 'BLOCK' ? 'inline' : 'none',
    schema_version: AUDIT_SCHEMA_VERSION,
  };
}

/** An sni_check line for one connection the session's SNI proxy decided (egress/sni-proxy.ts). */
export function sniCheckLine(
  session: SessionInfo,
  r: {
    action: 'ALLOW' | 'BLOCK' | 'AUDIT';
    serverName: string | null;
    protocol: 'tls' | 'http' | null;
    address: string;
    port: number;
    learnedFor: readonly string[];
    rule: string | null;
    reason: string;
  },
  ts: string = new Date().toISOString(),
): AuditLineOf<'sni_check'> {
  const where = `${r.address.includes(':') ? `[${r.address}]` : r.address}:${r.port}`;
  const reason =
    r.action === 'ALLOW'
      ? `${r.reason}: the connection to ${where} went on through vigil's SNI proxy`
      : r.action === 'AUDIT'
        ? `${r.reason}: audit-only, the connection to ${where} went on`
        : `${r.reason}: vigil's SNI proxy reset the connection before anything reached ${where}`;
  return {
    ts,
    event: 'sni_check',
    action: r.action,
    server_name: r.serverName,
    protocol: r.protocol,
    dest_ip: r.address,
    dest_port: r.port,
    learned_for: [...r.learnedFor],
    reason,
    rule: r.rule,
    profile: session.profile,
    session: session.id,
    backend: OTHER_BACKENDS.sniProxy,
    enforcement: r.action === 'BLOCK' ? 'inline' : 'none',
    schema_version: AUDIT_SCHEMA_VERSION,
  };
}
