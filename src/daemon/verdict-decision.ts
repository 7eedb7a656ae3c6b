// What the kernel decided about an event, as the audit line's decision: the rule by its id and
// text, and honestly what was done (refused inline, killed, or only audited). Reads the verdict
// the hook recorded; decides nothing itself.
import type { AgentEvent, KernelVerdict } from '../wire/events.js';
import { DNS_PROXY_RULE, ruleIdOf } from '../policy/rule-id.js';
import type { Profile, RuleListName } from '../policy/profile-types.js';
import type { Decision } from '../sinks/audit-line.js';
import { syscallName } from '../enrich/linux-names.js';
import { hardeningWhy } from '../targeting/hardening.js';

type PolicyKind = 'open' | 'exec' | 'connect' | 'unlink' | 'rename';

function policyKind(ev: AgentEvent): PolicyKind | undefined {
  switch (ev.kind) {
    case 'file_open':
      return 'open';
    case 'exec':
    case 'session_start':
      return 'exec';
    case 'net_connect':
    case 'udp_send':
      return 'connect';
    case 'unlink':
      return 'unlink';
    case 'rename':
      return 'rename';
    default:
      return undefined;
  }
}

/** A guard's rule, as profiles write it (VIGIL_RULE_GUARD: rule is enum vigil_policy_guard). */
const GUARD_RULES = ['ptrace', 'signals', 'exec_memory'] as const;

function guardRule(profile: Profile, index: number): { id: string; rule: string } {
  const id = GUARD_RULES[index] ?? 'guard';
  if (id === 'exec_memory') return { id, rule: `exec_memory: ${profile.execMemory}` };
  if (id === 'guard') return { id, rule: id };
  const g = profile[id];
  return { id, rule: `${id}: ${g.action} (targets ${g.targets === 'any' ? 'any' : 'outside the session'})` };
}

/**
 * What a reactive kill leaves behind, per kind: the call has been made (a tracepoint cannot refuse
 * it); for an open or exec the process dies before it can use what it got.
 */
function afterTheFact(ev: AgentEvent): string | undefined {
  // the kill comes at the call's entry: the call still runs, and nothing here sees how it ended
  const still = (what: string) =>
    `this backend cannot refuse the call: the process was killed at it, and the ${what} still went ahead unless the kernel refused it for another reason`;
  switch (ev.kind) {
    case 'unlink':
      return still(ev.op);
    case 'rename':
      return still('rename');
    case 'ptrace':
      return still('ptrace request');
    case 'signal':
      return still('signal');
    case 'exec_memory':
      return 'this backend cannot refuse the call: the mapping was made, and the process was killed before it ran another instruction';
    default:
      return undefined;
  }
}

// Every event a rule decides names it: the text is made once per profile and rule.
const ruleTexts = new WeakMap<Profile, Map<string, string>>();

/** `denied_paths[3] '~/.ssh/**'`: the id and the rule as written in the profile. */
function ruleText(profile: Profile, id: string): string {
  let texts = ruleTexts.get(profile);
  if (texts === undefined) {
    texts = new Map();
    ruleTexts.set(profile, texts);
  }
  let text = texts.get(id);
  if (text === undefined) {
    text = makeRuleText(profile, id);
    texts.set(id, text);
  }
  return text;
}

function makeRuleText(profile: Profile, id: string): string {
  if (id === DNS_PROXY_RULE) return "vigil's DNS proxy (the session's DNS to its resolvers goes through it)";
  const m = /^(\w+)\[(\d+)\]$/.exec(id);
  if (m === null) return id;
  const list = m[1] as RuleListName;
  const group = list.endsWith('paths')
    ? profile.paths
    : list.endsWith('networks')
      ? profile.networks
      : list.endsWith('hosts')
        ? profile.hosts
        : profile.commands;
  const rules: readonly { written: string }[] = list.startsWith('denied') ? group.denied : group.allowed;
  const rule = rules[Number(m[2])];
  return rule === undefined ? id : `${id} '${rule.written}'`;
}

function subject(ev: AgentEvent): string {
  switch (ev.kind) {
    case 'file_open':
      return `open of ${ev.path}`;
    case 'exec':
    case 'session_start':
      return `exec of ${ev.path}`;
    case 'net_connect':
      return `connect to ${ev.ip}:${ev.port}`;
    case 'udp_send':
      return `UDP send to ${ev.ip}:${ev.port}`;
    case 'socket_create':
      return 'raw socket';
    case 'unlink':
      return `${ev.op} of ${ev.path === '' ? '(a path that could not be resolved)' : ev.path}`;
    case 'rename':
      return `rename of ${ev.path === '' ? '(unresolved)' : ev.path} to ${ev.to === '' ? '(unresolved)' : ev.to}`;
    case 'ptrace':
      return `ptrace of ${targetText(ev)}`;
    case 'signal':
      return `signal ${ev.arg} to ${targetText(ev)}`;
    case 'exec_memory':
      return `${ev.call} making memory executable`;
    default:
      return ev.kind;
  }
}

function targetText(ev: AgentEvent & { target: number; targetSession: number; targetComm: string }): string {
  const who =
    ev.target === 0
      ? 'a process of its own PID namespace'
      : `pid ${ev.target}${ev.targetComm === '' ? '' : ` (${ev.targetComm})`}`;
  return `${who}, ${ev.targetSession !== 0 && ev.targetSession === ev.session ? 'inside' : 'outside'} the session`;
}

// Events come in runs decided by one rule: the last rule's id and text are kept.
const last = {
  profile: undefined as Profile | undefined,
  kind: '',
  ruleKind: -1,
  rule: -1,
  id: '',
  text: '',
};

/** The deciding rule's id and its text (with the rule as written). */
function named(
  profile: Profile,
  kind: PolicyKind | undefined,
  v: KernelVerdict,
): { id: string; rule: string } {
  if (kind === undefined) return { id: 'raw_sockets', rule: `raw_sockets: ${profile.rawSockets}` };
  if (
    last.profile !== profile ||
    last.kind !== kind ||
    last.ruleKind !== v.ruleKind ||
    last.rule !== v.rule
  ) {
    last.profile = profile;
    last.kind = kind;
    last.ruleKind = v.ruleKind;
    last.rule = v.rule;
    last.id = ruleIdOf(kind, v.ruleKind, v.rule);
    last.text = ruleText(profile, last.id);
  }
  return { id: last.id, rule: last.text };
}

const HARDENING_RULE = 'hardening';

/** The decision for an event the kernel decided; undefined when it only observed it. */
export function kernelDecision(ev: AgentEvent, profile: Profile): Decision | undefined {
  const v: KernelVerdict | undefined = ev.verdict;
  if (v === undefined) return undefined;
  if (ev.kind === 'syscall') {
    return {
      action: 'BLOCK',
      enforcement: 'inline',
      rule: HARDENING_RULE,
      reason: `${syscallName(ev.nr)} refused by vigil run's hardening filter (seccomp): ${hardeningWhy(syscallName(ev.nr), ev.arg0)}`,
    };
  }
  const d = ruleDecision(ev, profile, v);
  if (!v.failClosed) return d;
  // the kernel decided while no daemon read the session's events (kernel/lib/decide.h)
  const gone = `no vigil daemon was reading the session's events (fail-closed: ${profile.failClosed})`;
  if (v.stopped)
    return {
      ...d,
      reason: `${d.reason}; ${gone}: the process was stopped (SIGSTOP) until a daemon took the session over`,
    };
  return { ...d, reason: `${d.reason}; ${gone}` };
}

const FAIL_CLOSED_RULE = 'fail_closed';

function ruleDecision(ev: AgentEvent, profile: Profile, v: KernelVerdict): Decision {
  const kind = policyKind(ev);
  const { id, rule } =
    v.ruleKind === 5
      ? {
          id: FAIL_CLOSED_RULE,
          rule:
            kind === 'connect' || kind === undefined
              ? 'the fail-closed rule (no network while no daemon runs)'
              : 'the fail-closed rule (only what an allowed rule names while no daemon runs)',
        }
      : v.ruleKind === 7
        ? guardRule(profile, v.rule)
        : named(profile, kind, v);
  const what = subject(ev);
  switch (v.action) {
    case 'ALLOW':
      return {
        action: 'ALLOW',
        enforcement: v.denied || v.lsm || kind === 'connect' || kind === undefined ? 'inline' : 'reactive',
        rule: id,
        reason: `${what} allowed by ${rule}`,
      };
    case 'AUDIT':
      if (v.reactiveAudit)
        return {
          action: 'AUDIT',
          enforcement: 'audit',
          rule: id,
          reason: `${what} denied by ${rule} (on_reactive: audit): this backend could only kill the process after the open, so the open went on and is audited`,
        };
      return {
        action: 'AUDIT',
        enforcement: 'audit',
        rule: id,
        reason: `${what} matches ${rule}: allowed and audited`,
      };
    case 'BLOCK':
    case 'KILL':
      if (v.killed && v.denied) {
        return {
          action: 'KILL',
          enforcement: 'inline',
          rule: id,
          reason: `${what} refused by ${rule}, and the process was killed`,
        };
      }
      if (v.killed) {
        const why = v.truncated
          ? 'this backend cannot refuse the call: the open had already truncated the file (O_TRUNC acts inside the open), then the process was killed before it could write'
          : afterTheFact(ev) !== undefined
            ? (afterTheFact(ev) as string)
            : v.action === 'BLOCK'
              ? 'this backend cannot refuse the call, so the process was killed before it could use it'
              : 'the rule kills the process';
        return {
          action: 'KILL',
          enforcement: 'reactive',
          rule: id,
          reason: `${what} denied by ${rule}: ${why}`,
        };
      }
      if (v.action === 'KILL') {
        return {
          action: 'KILL',
          enforcement: 'inline',
          rule: id,
          reason: `${what} refused by ${rule}; vigil killed the process`,
        };
      }
      return { action: 'BLOCK', enforcement: 'inline', rule: id, reason: `${what} refused by ${rule}` };
  }
}
