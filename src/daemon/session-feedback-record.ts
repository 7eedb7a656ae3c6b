// One violation of the feedback stream from one audit line: the line's own facts (action,
// enforcement, backend, process, rule id, reason) in a shape an agent framework reads without
// knowing every event kind, with the rule as written in the profile and what to do instead.
// User space only explains here: a line that is not a BLOCK, KILL or AUDIT gives nothing.
import type { Profile } from '../policy/profile-types.js';
import type { AuditLine } from '../sinks/audit-schema.js';
import { explainArgs, hostPort, profileArg } from './feedback-explain.js';
import { FEEDBACK_SCHEMA_VERSION, type FeedbackViolation } from './session-feedback-schema.js';

/** What the record needs of the session beside the line. */
export interface ViolationContext {
  /** the session's profile as loaded (its rules, where each is written) */
  profile: Profile;
  /** where it came from: a file path or builtin:NAME (for the explain command) */
  profileSource: string;
  seq: number;
}

type Violating = AuditLine & {
  action: 'BLOCK' | 'KILL' | 'AUDIT';
  enforcement: 'inline' | 'reactive' | 'audit';
};

/** Whether a line is one the stream carries: a decision that refused, killed or audited. */
export function isViolation(l: AuditLine): l is Violating {
  return (
    (l.action === 'BLOCK' || l.action === 'KILL' || l.action === 'AUDIT') &&
    l.enforcement !== 'none' &&
    l.session !== null
  );
}

/** The violation for a line of the session; undefined for a line that is none. */
export function violationOf(l: AuditLine, ctx: ViolationContext): FeedbackViolation | undefined {
  if (!isViolation(l) || l.session === null) return undefined;
  const args = explainArgs(l);
  return {
    type: 'violation',
    schema_version: FEEDBACK_SCHEMA_VERSION,
    ts: l.ts,
    session: l.session,
    profile: l.profile,
    seq: ctx.seq,
    kind: l.event,
    action: l.action,
    refused: l.action !== 'AUDIT',
    enforcement: l.enforcement,
    backend: l.backend,
    target: targetOf(l),
    process: {
      pid: 'pid' in l ? l.pid : null,
      comm: 'comm' in l ? l.comm : null,
      exe: 'exe' in l ? (l.exe ?? null) : null,
    },
    rule: ruleOf(ctx.profile, l.rule),
    ...('attribution' in l ? { attribution: l.attribution } : {}),
    reason: l.reason,
    suggestion: {
      text: suggestion(l),
      explain: args === undefined ? null : `vigil profile explain ${profileArg(ctx.profileSource)} ${args}`,
    },
  };
}

function targetOf(l: Violating): string {
  switch (l.event) {
    case 'file_open':
    case 'exec':
    case 'unlink':
      return l.path;
    case 'rename':
      return `${l.path} -> ${l.target}`;
    case 'net_connect':
    case 'udp_send':
      return hostPort(l);
    case 'sni_check':
      return `${l.server_name ?? l.dest_ip}:${l.dest_port}`;
    case 'dns_query':
      return l.name;
    case 'ptrace':
    case 'signal':
      return `pid ${l.target_pid ?? '(own namespace)'}${l.target_comm === null ? '' : ` (${l.target_comm})`}`;
    case 'exec_memory':
      return `${l.call} ${l.prot.join('|')}`;
    case 'socket_create':
      return `${l.family} ${l.type}`;
    case 'syscall':
      return l.syscall;
    default:
      return '';
  }
}

/** What the thing refused is, for the advice: the same file, program, host, ... */
function noun(l: Violating): string {
  switch (l.event) {
    case 'exec':
      return 'program';
    case 'net_connect':
    case 'udp_send':
    case 'sni_check':
    case 'dns_query':
      return 'host';
    case 'ptrace':
    case 'signal':
      return 'process';
    case 'file_open':
    case 'unlink':
    case 'rename':
      return 'file';
    default:
      return 'capability';
  }
}

function suggestion(l: Violating): string {
  const profile = `the user's vigil profile '${l.profile ?? ''}'`;
  if (l.action === 'AUDIT')
    return `Not refused: ${profile} records this (${l.rule ?? 'no rule'}) and the call went ahead. Nothing to retry; if the task did not need it, avoid it: an enforcing profile would refuse it.`;
  const killed = l.action === 'KILL' ? ', and the process that tried was killed' : '';
  return `Refused by ${profile} (${l.rule ?? 'no rule'})${killed}. This is a policy decision, not a transient error: do not retry it or look for another way to reach the same ${noun(l)}. If the task needs it, tell the user what was refused and ask them to change their vigil profile.`;
}

/** The rule by its id: as written and where, for a rule of one of the profile's lists. */
function ruleOf(p: Profile, id: string | null): FeedbackViolation['rule'] {
  const none = { id, pattern: null, origin: null };
  if (id === null) return none;
  for (const pair of [p.paths, p.commands, p.networks, p.hosts]) {
    const r = pair.denied.find((x) => x.id === id) ?? pair.allowed.find((x) => x.id === id);
    if (r === undefined) continue;
    const o = r.origin;
    return { id, pattern: r.written, origin: o.line === undefined ? o.file : `${o.file}:${o.line}` };
  }
  return none;
}
