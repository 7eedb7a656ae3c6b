// Learning a profile from what a session did: each observed call is decided again against the
// base profile with every default set to deny. What a base rule allows needs nothing; what a base
// denied rule refuses is reported and never learned (denied rules are checked first, so the
// learned profile still refuses it); what only a default let through becomes an allowed rule,
// generalised (generalise.ts) and merged by folder (collapse.ts).
import { createEvaluator, type Decision, type PolicyInput } from '../policy/evaluate.js';
import { hostMatches } from '../policy/host-spec.js';
import { DNS_PROXY_RULE } from '../policy/rule-id.js';
import { OP_BITS, type Profile, type RuleListName } from '../policy/profile-types.js';
import { accessOf, collapsePaths, type Learned } from './collapse.js';
import { generalisePath, type Places } from './generalise.js';
import { observe, type Observation, type Unlearnable } from './observed.js';

/** One rule the learned profile adds. */
export interface LearnedRule extends Learned {
  readonly list: Extract<
    RuleListName,
    'allowed_paths' | 'allowed_commands' | 'allowed_networks' | 'allowed_hosts'
  >;
  /** the `access` key of a path rule; null: all (or not a path rule) */
  readonly access: readonly string[] | null;
}

/** A call the base profile refuses: the learned profile refuses it too. */
export interface BaseRefusal {
  readonly event: string;
  readonly target: string;
  /** the base's rule, `denied_paths[0]`, and its pattern as written */
  readonly rule: string;
  readonly written: string;
  readonly verdict: string;
  readonly count: number;
}

export interface Learning {
  readonly rules: readonly LearnedRule[];
  readonly refused: readonly BaseRefusal[];
  readonly unlearnable: readonly Unlearnable[];
  /** the sessions the lines came from */
  readonly sessions: readonly string[];
  /** decision lines read, and how many the base's rules already allowed */
  readonly calls: number;
  readonly coveredByBase: number;
  /** the calls that needed a learned rule (checked against the result by the caller) */
  readonly learnedCalls: readonly Observation[];
}

/** Every default deny: the learned profile's, and the base's when deciding what it allows by rule. */
export const DENY_ALL = {
  paths: 'deny',
  networks: 'deny',
  commands: 'deny',
  unlinks: 'deny',
  renames: 'deny',
} as const;

/** The base with nothing allowed by default: what its rules alone allow and refuse. */
export function strictProfile(base: Profile): Profile {
  return { ...base, mode: 'enforce', defaults: DENY_ALL };
}

/** The policy inputs one observed call asks for (a rename asks for both of its paths). */
export function inputsOf(o: Observation): PolicyInput[] {
  switch (o.kind) {
    case 'open':
      return [{ kind: 'open', path: o.path, access: o.access }];
    case 'exec':
      return [{ kind: 'exec', path: o.path }];
    case 'unlink':
      return [{ kind: 'unlink', path: o.path }];
    case 'rename':
      return [{ kind: 'rename', path: o.path, to: o.to }];
    case 'connect':
      return [{ kind: 'connect', ip: o.ip, port: o.port, proto: o.proto }];
    case 'other':
      return [];
  }
}

const OPEN_OPS = { read: OP_BITS.read, write: OP_BITS.write, 'read-write': OP_BITS.read | OP_BITS.write };

export function targetOf(o: Observation): string {
  switch (o.kind) {
    case 'connect':
      return `${o.host ?? (o.ip.includes(':') ? `[${o.ip}]` : o.ip)}:${o.port}/${o.proto}`;
    case 'rename':
      return `${o.path} -> ${o.to}`;
    case 'other':
      return o.target;
    default:
      return o.path;
  }
}

function eventOf(o: Observation): string {
  return o.kind === 'other' ? o.event : o.kind;
}

/** Whether a base host rule names the connect's host (its addresses are the kernel's to allow). */
export function hostDecision(
  base: Profile,
  o: Observation & { kind: 'connect' },
): 'allowed' | 'denied' | null {
  const host = o.host;
  if (host === null) return null;
  const covers = (r: Profile['hosts']['allowed'][number]): boolean =>
    hostMatches(r.pattern, host) && (r.pattern.ports.length === 0 || r.pattern.ports.includes(o.port));
  if (base.hosts.denied.some(covers)) return 'denied';
  return base.hosts.allowed.some(covers) ? 'allowed' : null;
}

class Tally {
  readonly #byKey = new Map<string, Learned & { list: LearnedRule['list']; examples: Set<string> }>();

  add(list: LearnedRule['list'], pattern: string, ops: number, example: string, listed = false): void {
    const key = `${list}\0${pattern}`;
    const t = this.#byKey.get(key);
    if (t === undefined) {
      const examples = new Set([example]);
      this.#byKey.set(key, { list, pattern, ops, count: 1, paths: 1, example, listed, examples });
      return;
    }
    t.examples.add(example);
    this.#byKey.set(key, {
      ...t,
      ops: t.ops | ops,
      count: t.count + 1,
      paths: t.examples.size,
      listed: t.listed || listed,
    });
  }

  of(list: LearnedRule['list']): Learned[] {
    return [...this.#byKey.values()]
      .filter((t) => t.list === list)
      .map(({ pattern, ops, count, paths, example, listed }) => ({
        pattern,
        ops,
        count,
        paths,
        example,
        listed,
      }));
  }
}

function networkPattern(o: Observation & { kind: 'connect' }): string {
  const addr = o.ip.includes(':') ? `[${o.ip}]` : o.ip;
  return `${addr}:${o.port}/${o.proto}`;
}

/** Learns from audit lines (one session's, or `session` picked out of many). */
export function learnFromLines(
  lines: readonly unknown[],
  base: Profile,
  places: Places,
  session?: string,
): Learning {
  const { calls: all, unlearnable } = observe(lines);
  const calls = session === undefined ? all : all.filter((c) => c.session === session);
  const decide = createEvaluator(strictProfile(base));
  const tally = new Tally();
  const refused = new Map<string, BaseRefusal>();
  const learnedCalls: Observation[] = [];
  let coveredByBase = 0;
  const refuse = (o: Observation, d: Pick<Decision, 'rule' | 'action'>, written: string): void => {
    const key = `${eventOf(o)}\0${targetOf(o)}\0${d.rule}`;
    const r = refused.get(key);
    refused.set(key, {
      event: eventOf(o),
      target: targetOf(o),
      rule: d.rule,
      written,
      verdict: d.action,
      count: (r?.count ?? 0) + 1,
    });
  };
  const writtenOf = (rule: string): string => {
    const lists = [base.paths, base.commands, base.networks, base.hosts];
    const found = lists.flatMap((l) => [...l.denied, ...l.allowed]).find((r) => r.id === rule);
    return found?.written ?? rule;
  };
  for (const o of calls) {
    if (o.kind === 'other') {
      // a guard or a raw socket: decided by a profile setting, not a rule list
      if (o.action !== 'ALLOW')
        refuse(o, { rule: o.rule ?? o.event, action: o.action as Decision['action'] }, o.event);
      continue;
    }
    if (o.kind === 'connect') {
      if (o.rule === DNS_PROXY_RULE) {
        coveredByBase++; // the session's DNS, sent to its proxy: not a destination of its own
        continue;
      }
      const byHost = hostDecision(base, o);
      if (byHost === 'allowed') {
        coveredByBase++;
        continue;
      }
      if (byHost === 'denied') {
        refuse(o, { rule: o.rule ?? 'denied_hosts', action: 'BLOCK' }, o.host ?? o.ip);
        continue;
      }
    }
    const decisions = inputsOf(o).map(decide);
    const denied = decisions.find((d) => d.rule.startsWith('denied_') || d.rule === 'path-bound');
    if (denied !== undefined) {
      if (denied.action === 'AUDIT')
        coveredByBase++; // an audit rule lets the call through
      else refuse(o, denied, writtenOf(denied.rule));
      continue;
    }
    if (decisions.every((d) => d.action !== 'BLOCK')) {
      coveredByBase++;
      continue;
    }
    learnedCalls.push(o);
    switch (o.kind) {
      case 'open':
        tally.add(
          'allowed_paths',
          generalisePath(o.path, places, o.directory),
          OPEN_OPS[o.access],
          o.path,
          o.directory,
        );
        break;
      case 'unlink':
        tally.add('allowed_paths', generalisePath(o.path, places), OP_BITS.unlink, o.path);
        break;
      case 'rename':
        tally.add('allowed_paths', generalisePath(o.path, places), OP_BITS.rename, o.path);
        tally.add('allowed_paths', generalisePath(o.to, places), OP_BITS.rename, o.to);
        break;
      case 'exec':
        tally.add('allowed_commands', generalisePath(o.path, places), 0, o.path);
        break;
      case 'connect':
        if (o.host !== null) tally.add('allowed_hosts', `${o.host}:${o.port}`, 0, networkPattern(o));
        else tally.add('allowed_networks', networkPattern(o), 0, networkPattern(o));
        break;
    }
  }
  const rules: LearnedRule[] = [
    ...collapsePaths(tally.of('allowed_paths')).map((l) => ({
      ...l,
      list: 'allowed_paths' as const,
      access: accessOf(l.ops),
    })),
    ...(['allowed_commands', 'allowed_networks', 'allowed_hosts'] as const).flatMap((list) =>
      tally
        .of(list)
        .sort((a, b) => a.pattern.localeCompare(b.pattern))
        .map((l) => ({ ...l, list, access: null })),
    ),
  ];
  return {
    rules,
    refused: [...refused.values()],
    unlearnable,
    sessions: [...new Set(calls.map((c) => c.session))],
    calls: calls.length,
    coveredByBase,
    learnedCalls,
  };
}
