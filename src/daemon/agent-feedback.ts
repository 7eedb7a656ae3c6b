// What the daemon tells an agent about its own session, through the agent's hooks (vigil hook)
// and MCP tools (vigil mcp): the refusals the kernel made during a tool call, and what the
// session's profile would say about a path, a program or a host. Read-only: it explains the
// kernel's decisions and the profile, and never changes either.
import { decideName } from '../egress/name-policy.js';
import { evaluate, type OpenAccess } from '../policy/evaluate.js';
import type { Profile } from '../policy/profile-types.js';
import type { AuditLine } from '../sinks/audit-schema.js';
import { readStat } from '../system/proc-fs.js';
import { RecentDecisions } from './recent-decisions.js';
import type { Session, SessionRegistry } from './sessions.js';

/** Something an agent may ask about before it tries it. */
export type ExplainTarget =
  | { kind: 'exec'; path: string }
  | { kind: 'open'; path: string; access: OpenAccess }
  | { kind: 'host'; name: string; port: number };

export interface ExplainAnswer {
  target: ExplainTarget;
  action: string;
  rule: string;
  reason: string;
}

export interface SessionRef {
  session: string;
  profile: string;
  /** where the profile came from: a file path, or builtin:NAME */
  profileSource: string;
  rootPid: number | null;
}

/** How far up the process tree a caller's session is looked for (hook -> sh -> agent). */
const MAX_HOPS = 32;

export function explainTarget(profile: Profile, t: ExplainTarget): ExplainAnswer {
  if (t.kind === 'host') {
    if (profile.hosts.allowed.length + profile.hosts.denied.length === 0)
      return {
        target: t,
        action: 'UNKNOWN',
        rule: 'default',
        reason: `profile '${profile.name}' decides connects by address only; ${t.name} is decided when its address is known`,
      };
    const rule = (r: Profile['hosts']['allowed'][number]) => ({
      id: r.id,
      index: r.index,
      pattern: r.pattern,
    });
    const v = decideName(
      { denied: profile.hosts.denied.map(rule), allowed: profile.hosts.allowed.map(rule) },
      t.name,
    );
    if (!v.allow)
      return {
        target: t,
        action: 'BLOCK',
        rule: v.rule?.id ?? 'allowed_hosts',
        reason: `${t.name} does not resolve in this session: ${v.rule === null ? 'no allowed_hosts rule names it' : `${v.rule.id} denies it`}`,
      };
    const ports = v.rule.pattern.ports;
    if (ports.length > 0 && !ports.includes(t.port))
      return {
        target: t,
        action: 'BLOCK',
        rule: v.rule.id,
        reason: `${t.name} resolves (${v.rule.id}), but only ports ${ports.join(', ')} are allowed, not ${t.port}`,
      };
    return {
      target: t,
      action: 'ALLOW',
      rule: v.rule.id,
      reason: `${t.name}:${t.port} is allowed by ${v.rule.id}`,
    };
  }
  const d =
    t.kind === 'exec'
      ? evaluate(profile, { kind: 'exec', path: t.path })
      : evaluate(profile, { kind: 'open', path: t.path, access: t.access });
  return { target: t, action: d.action, rule: d.rule, reason: d.reason };
}

export interface ProfileSummary {
  name: string;
  description: string | null;
  /** enforce, or audit (nothing refused, everything recorded) */
  mode: string;
  defaults: { paths: string; networks: string; commands: string };
  deniedPaths: string[];
  deniedCommands: string[];
  allowedNetworks: string[];
  /** null: the profile decides connects by address only */
  allowedHosts: string[] | null;
  verifySni: boolean;
  rawSockets: string;
}

export function profileSummary(p: Profile, auditOnly: boolean): ProfileSummary {
  return {
    name: p.name,
    description: p.description ?? null,
    mode: auditOnly || p.mode === 'audit' ? 'audit' : 'enforce',
    defaults: { paths: p.defaults.paths, networks: p.defaults.networks, commands: p.defaults.commands },
    deniedPaths: p.paths.denied.map((r) => r.written),
    deniedCommands: p.commands.denied.map((r) => r.written),
    allowedNetworks: p.networks.allowed.map((r) => r.written),
    allowedHosts:
      p.hosts.allowed.length + p.hosts.denied.length === 0 ? null : p.hosts.allowed.map((r) => r.written),
    verifySni: p.dns.verifySni,
    rawSockets: p.rawSockets,
  };
}

export class AgentFeedback {
  readonly recent = new RecentDecisions();
  readonly #sessions: SessionRegistry;

  constructor(sessions: SessionRegistry) {
    this.#sessions = sessions;
  }

  /** A line of the session: kept while it is a refusal (recent-decisions.ts). */
  record(session: number, line: AuditLine): void {
    this.recent.add(session, line);
  }

  /** The live session `pid` is in, or that of its nearest ancestor in one (a hook's shell). */
  sessionOf(pid: number): Session | undefined {
    const live = this.#sessions.list().filter((s) => s.endedAt === null);
    for (let p = pid, hops = 0; p > 1 && hops < MAX_HOPS; hops++) {
      const s = live.find((x) => x.live.has(p) || x.rootPid === p);
      if (s !== undefined) return s;
      const st = readStat(p);
      if (st === undefined) return undefined;
      p = st.ppid;
    }
    return undefined;
  }

  #ref(s: Session): SessionRef {
    return { session: s.name, profile: s.profile.name, profileSource: s.profile.source, rootPid: s.rootPid };
  }

  /** A PreToolUse hook of the agent in `pid`'s session: the tool call `key` starts now. */
  markToolCall(pid: number, key: string, nowMs = Date.now()): SessionRef | null {
    const s = this.sessionOf(pid);
    if (s === undefined) return null;
    this.recent.mark(s.id, key, nowMs);
    return this.#ref(s);
  }

  /** The refusals of a tool call that just ended (recent-decisions.ts says which window). */
  toolCallDecisions(
    pid: number,
    key: string | undefined,
    nowMs = Date.now(),
  ): (SessionRef & { lines: AuditLine[] }) | null {
    const s = this.sessionOf(pid);
    if (s === undefined) return null;
    return { ...this.#ref(s), lines: this.recent.forToolCall(s.id, key, s.rootPid, nowMs) };
  }

  /** The session's latest refusals (the MCP tool recent_denials). */
  latest(pid: number, limit: number): (SessionRef & { lines: AuditLine[] }) | null {
    const s = this.sessionOf(pid);
    if (s === undefined) return null;
    return { ...this.#ref(s), lines: this.recent.latest(s.id, limit) };
  }

  /** The session's profile in brief (the MCP tool profile_summary). */
  summary(pid: number): (SessionRef & { summary: ProfileSummary }) | null {
    const s = this.sessionOf(pid);
    if (s === undefined) return null;
    return { ...this.#ref(s), summary: profileSummary(s.profile.profile, s.auditOnly) };
  }

  /** What the session's profile says about each target (the kernel stays the authority). */
  explain(
    pid: number,
    targets: readonly ExplainTarget[],
  ): (SessionRef & { answers: ExplainAnswer[] }) | null {
    const s = this.sessionOf(pid);
    if (s === undefined) return null;
    return { ...this.#ref(s), answers: targets.map((t) => explainTarget(s.profile.profile, t)) };
  }
}
