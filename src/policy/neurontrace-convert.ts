// A checked NeuronTrace policy -> a vigil profile document (ProfileDraft) deciding the same, or
// the problems that prevent it. Per event type: rules with a pattern go to vigil's allowed or
// denied lists (neurontrace-order.ts puts them in vigil's form and checks their order), the
// fallback (the last rule without pattern; none: block) becomes the kind's default. ptrace and
// task_kill become the ptrace and signals guards; fork and exit have nothing to enforce.
import { GlobsetRefusal } from './globset-parse.js';
import type { ImportProblem } from './neurontrace-errors.js';
import { checkOrder, convertRule, type Converted, type Matched } from './neurontrace-order.js';
import type { NtAction, NtEventType, NtPolicy, NtRule } from './neurontrace-policy.js';
import type { DraftEntry, DraftSetting, ProfileDraft } from './profile-yaml.js';
import type { RuleListName } from './profile-types.js';

type DefaultKind = 'commands' | 'paths' | 'unlinks' | 'renames' | 'networks';

interface KindMap {
  readonly denied: RuleListName;
  readonly allowed: RuleListName;
  /** the key of a rule object in that list */
  readonly key: 'command' | 'pattern' | 'cidr';
  readonly access?: string | readonly string[];
  readonly defaultKind: DefaultKind;
}

/** Where each NeuronTrace event type with patterns goes in a vigil profile. */
const KINDS: Readonly<Record<Matched, KindMap>> = {
  exec: { denied: 'denied_commands', allowed: 'allowed_commands', key: 'command', defaultKind: 'commands' },
  // reads and writes, not `any`: that would take unlink and rename too
  open: {
    denied: 'denied_paths',
    allowed: 'allowed_paths',
    key: 'pattern',
    access: ['read', 'write'],
    defaultKind: 'paths',
  },
  unlink: {
    denied: 'denied_paths',
    allowed: 'allowed_paths',
    key: 'pattern',
    access: 'unlink',
    defaultKind: 'unlinks',
  },
  rename: {
    denied: 'denied_paths',
    allowed: 'allowed_paths',
    key: 'pattern',
    access: 'rename',
    defaultKind: 'renames',
  },
  connect: { denied: 'denied_networks', allowed: 'allowed_networks', key: 'cidr', defaultKind: 'networks' },
};

const LIST_ORDER: readonly RuleListName[] = [
  'denied_commands',
  'allowed_commands',
  'denied_paths',
  'allowed_paths',
  'denied_networks',
  'allowed_networks',
];

const DEFAULT_OF: Readonly<Record<NtAction, 'allow' | 'audit' | 'deny'>> = {
  allow: 'allow',
  audit: 'audit',
  block: 'deny',
  kill: 'deny',
};
const VERDICT: Readonly<Record<NtAction, string>> = {
  allow: 'ALLOW',
  audit: 'AUDIT',
  block: 'BLOCK',
  kill: 'KILL',
};

export interface Conversion {
  readonly draft: ProfileDraft;
  readonly notes: readonly string[];
  readonly problems: readonly ImportProblem[];
}

/** What the conversion collects: problems, notes, and the profile's parts. */
class Out {
  readonly problems: ImportProblem[] = [];
  readonly notes: string[] = [];
  readonly lists = new Map<RuleListName, DraftEntry[]>(LIST_ORDER.map((l) => [l, []]));
  readonly defaults: Record<string, string> = {};
  readonly defaultComments: Record<string, string> = {};
  readonly guards: DraftSetting[] = [];

  refuse(r: NtRule, field: 'rule' | 'path' | 'argv' | 'cgroup', message: string): void {
    const where = { rule: r.where, path: r.pathWhere, argv: r.argvWhere, cgroup: r.cgroupWhere }[field];
    this.problems.push({ where, rule: r.index, message: `${show(r)}: ${message}` });
  }
}

const show = (r: NtRule): string =>
  `rules[${r.index}] (${r.eventType} ${r.action}${r.path === undefined ? '' : ` '${r.path}'`})`;

export function convertNeuronTrace(policy: NtPolicy, source: string): Conversion {
  const out = new Out();
  const usable = policy.rules.filter((r) => usableRule(r, out));
  const rulesOf = (t: NtEventType): NtRule[] => usable.filter((r) => r.eventType === t);
  const complete = (t: NtEventType): boolean =>
    policy.rules.every((r) => r.eventType !== t || usable.includes(r));
  // every problem is reported; an event type with one is not written (the import fails anyway)
  for (const type of ['exec', 'open', 'unlink', 'rename', 'connect'] as const) {
    const present = policy.rules.some((r) => r.eventType === type);
    matchedKind(type, rulesOf(type), { present, complete: complete(type) }, out);
  }
  guard('ptrace', 'ptrace', rulesOf('ptrace'), complete('ptrace'), out);
  guard('task_kill', 'signals', rulesOf('task_kill'), complete('task_kill'), out);
  for (const r of usable) if (r.eventType === 'fork' || r.eventType === 'exit') forkOrExit(r, out);
  generalNotes(policy, out);
  const problems = [...out.problems].sort((a, b) => (a.rule ?? 0) - (b.rule ?? 0));
  return { draft: draft(policy, source, out), notes: out.notes, problems };
}

/** Refuses what no event type can take: a cgroup scope, an argv glob. */
function usableRule(r: NtRule, out: Out): boolean {
  if (r.cgroupId !== 0) {
    out.refuse(
      r,
      'cgroup',
      `cgroup_id ${r.cgroupId}: vigil applies a profile to a session's whole process tree, not to one cgroup; import one policy per session instead`,
    );
  }
  if (r.argv !== undefined) {
    out.refuse(
      r,
      'argv',
      `argv '${r.argv}': vigil matches the executable, the file or the address, never the arguments, so the rule cannot be kept exactly`,
    );
  }
  return r.cgroupId === 0 && r.argv === undefined;
}

/** One event type with patterns: its rules in vigil's lists, its fallback as the default. */
function matchedKind(
  type: Matched,
  rules: readonly NtRule[],
  seen: { present: boolean; complete: boolean },
  out: Out,
): void {
  const kind = KINDS[type];
  const catchAlls = rules.filter((r) => r.path === undefined);
  const fallbackRule = catchAlls[catchAlls.length - 1];
  const fallback: NtAction = fallbackRule?.action ?? 'block';
  const converted: Converted[] = [];
  for (const r of rules) {
    if (r.path === undefined) continue;
    try {
      converted.push(convertRule(r, type));
    } catch (e) {
      if (!(e instanceof GlobsetRefusal)) throw e;
      out.refuse(r, 'path', e.message);
    }
  }
  if (!seen.complete || converted.length < rules.length - catchAlls.length) return;
  const order = checkOrder(converted, fallback, type);
  for (const c of order.conflicts) {
    const [earlier, later] = [c.earlier.rule, c.rule.rule];
    out.refuse(
      later,
      'path',
      `overlaps the earlier rules[${earlier.index}] ('${earlier.path ?? ''}', ${earlier.action}): both match '${c.both}', where NeuronTrace's first match gives ${VERDICT[earlier.action]} but vigil, which lets the stronger denial win, would give ${VERDICT[later.action]}; put the ${later.action} rule first, or narrow one of the two`,
    );
  }
  if (order.conflicts.length > 0) return;

  if (catchAlls.length > 1) {
    out.notes.push(
      `${type}: ${catchAlls.map((r) => `rules[${r.index}]`).join(', ')} have no pattern; NeuronTrace takes the last one (${fallback}) for whatever no rule matches`,
    );
  }
  for (const d of order.dropped) {
    out.notes.push(
      `${show(d.rule.rule)} is not written: where ${show(d.earlier.rule)} matches first (e.g. '${d.both}') NeuronTrace never reaches it, and elsewhere it gives the fallback's verdict (${fallback}), which vigil's default gives too`,
    );
  }
  const kept = converted.filter((c) => !order.dropped.some((d) => d.rule === c));
  const what = type === 'connect' ? 'destination' : 'path';
  if (fallback === 'kill' && fallbackRule !== undefined) {
    // vigil has no kill default: a kill rule for everything, exact only when nothing else decides
    const survivors = converted.filter((_, j) => order.droppable[j] !== true);
    if (survivors.length > 0) {
      out.refuse(
        fallbackRule,
        'rule',
        `a kill fallback has no exact vigil form here: a vigil default is allow, deny or audit, and a kill rule for every ${what} would override ${survivors.map((c) => `rules[${c.rule.index}]`).join(', ')}`,
      );
      return;
    }
    const everything = type === 'connect' ? ['0.0.0.0/0', '::/0'] : ['/**'];
    const head = withDescription(`rules[${fallbackRule.index}] ${type} kill (no pattern)`, fallbackRule);
    out.lists
      .get(kind.denied)
      ?.push(...everything.map((v, n) => entry(kind, v, 'kill', n === 0 ? [head] : [])));
    for (const c of kept)
      out.notes.push(`${show(c.rule)} is not written: the kill for every ${what} covers it`);
  } else {
    for (const c of kept) write(type, c, out);
  }
  out.defaults[kind.defaultKind] = DEFAULT_OF[fallback];
  out.defaultComments[kind.defaultKind] =
    fallbackRule === undefined
      ? `${type}: no rule without pattern, NeuronTrace blocks what no rule matches`
      : `${type}: rules[${fallbackRule.index}] (no pattern) ${fallback}`;
  if (fallbackRule === undefined) {
    out.notes.push(
      seen.present
        ? `${type}: no rule without a pattern, so what no rule matches is blocked (NeuronTrace's default-deny)`
        : `${type}: no rule, so NeuronTrace blocks every ${type}: the vigil default is deny`,
    );
  }
}

/** One kept rule into its list, with its description as a comment and a note when its form changed. */
function write(type: Matched, c: Converted, out: Out): void {
  const kind = KINDS[type];
  const list = c.rule.action === 'allow' ? kind.allowed : kind.denied;
  const head = withDescription(
    `rules[${c.rule.index}] ${type} ${c.rule.action} '${c.rule.path ?? ''}'`,
    c.rule,
  );
  out.lists.get(list)?.push(...c.values.map((v, n) => entry(kind, v, c.rule.action, n === 0 ? [head] : [])));
  if (c.values.length !== 1 || c.values[0] !== c.rule.path) {
    out.notes.push(
      `${show(c.rule)} is written ${c.values.map((v) => `'${v}'`).join(', ')}: ${c.why.join('; ')}`,
    );
  }
}

/** ptrace and task_kill: NeuronTrace's hooks look at neither the target nor a pattern. */
function guard(
  type: 'ptrace' | 'task_kill',
  key: 'ptrace' | 'signals',
  rules: readonly NtRule[],
  complete: boolean,
  out: Out,
): void {
  const patterned = rules.filter((r) => r.path !== undefined);
  for (const r of patterned) {
    out.refuse(
      r,
      'path',
      `a ${type} rule with a pattern: vigil decides ${key} by whether the target is inside the session, not by a pattern`,
    );
  }
  if (!complete || patterned.length > 0) return;
  const last = rules[rules.length - 1];
  out.guards.push({
    key,
    value: { action: last?.action ?? 'block', targets: 'any' },
    comment:
      last === undefined
        ? `${type}: no rule, NeuronTrace blocks every one`
        : withDescription(`${type}: rules[${last.index}]`, last),
  });
  if (last === undefined) {
    out.notes.push(`${type}: no rule, so NeuronTrace blocks every one: ${key} is block for any target`);
  }
}

/** fork and exit: NeuronTrace's kernel side enforces nothing for them. */
function forkOrExit(r: NtRule, out: Out): void {
  if (r.action !== 'allow') {
    out.refuse(
      r,
      'rule',
      `NeuronTrace does not enforce ${r.eventType} events and vigil has no ${r.eventType} rule, so '${r.action}' has no counterpart`,
    );
  } else {
    out.notes.push(`${show(r)} has nothing to enforce (vigil records forks and exits as OBSERVE lines)`);
  }
}

/** What differs in kind, once per policy. */
function generalNotes(policy: NtPolicy, out: Out): void {
  const has = (t: NtEventType): boolean => policy.rules.some((r) => r.eventType === t);
  if (policy.ignoredKeys.length > 0) {
    out.notes.push(
      `top-level ${policy.ignoredKeys.map((k) => `'${k}'`).join(', ')} ignored, as NeuronTrace does`,
    );
  }
  if (has('open'))
    out.notes.push('open rules cover reads and writes (access: [read, write]), not unlink or rename');
  if (has('exec')) {
    out.notes.push(
      "exec rules match the executable's resolved path (symlinks followed); vigil also checks the denied ones against the name given to execve",
    );
  }
  if (has('rename')) {
    out.notes.push(
      'rename rules match the source as in NeuronTrace; vigil also decides on the target, and the stronger verdict stands',
    );
  }
  if (has('connect')) {
    out.notes.push(
      'network rules cover TCP and UDP connects and UDP sends; IPv4-mapped IPv6 destinations match as IPv4',
    );
  }
  out.notes.push('raw IP sockets: NeuronTrace has no rule for them; vigil refuses them (raw_sockets: deny)');
  const name = profileName(policy.name);
  if (name !== policy.name) {
    out.notes.push(
      `the profile is named '${name}': a vigil profile name has only letters, digits, '.', '_' and '-'`,
    );
  }
}

function draft(policy: NtPolicy, source: string, out: Out): ProfileDraft {
  const description = policy.description.replace(/\s+/g, ' ').trim();
  const defaults: Record<string, string> = {};
  for (const k of ['commands', 'paths', 'unlinks', 'renames', 'networks']) {
    const v = out.defaults[k];
    if (v !== undefined) defaults[k] = v;
  }
  return {
    header: [
      `vigil profile imported from the NeuronTrace policy ${source}`,
      'by `vigil profile import --from neurontrace`. NeuronTrace takes the first matching rule of an',
      'event type; vigil takes the strongest matching denial, then an allowed rule, then the default.',
      'The import checked that both give the same verdict for every path and destination (what still',
      'differs: docs/profiles.md, "Importing NeuronTrace policies") and refuses a policy where they',
      'would not. Notes:',
      ...out.notes.map((n) => `- ${n}`),
    ],
    settings: [
      { key: 'name', value: profileName(policy.name) },
      ...(description === '' ? [] : [{ key: 'description', value: description }]),
      { key: 'default_policy', value: defaults, keyComments: out.defaultComments },
      ...out.guards,
      {
        key: 'raw_sockets',
        value: 'deny',
        comment: 'NeuronTrace has no rule for raw IP sockets: vigil refuses them',
      },
    ],
    lists: LIST_ORDER.map((key) => ({ key, entries: out.lists.get(key) ?? [] })),
  };
}

/** A list entry: a plain value for allowed commands and networks, else an object. */
function entry(kind: KindMap, value: string, action: NtAction, comments: string[]): DraftEntry {
  if (action === 'allow') {
    return {
      comments,
      value: kind.access === undefined ? value : { [kind.key]: value, access: kind.access },
    };
  }
  const access = kind.access === undefined ? {} : { access: kind.access };
  return { comments, value: { [kind.key]: value, ...access, action } };
}

function withDescription(head: string, r: NtRule): string {
  const d = r.description.replace(/\s+/g, ' ').trim();
  return d === '' ? head : `${head}: ${d}`;
}

/** A vigil profile name: letters, digits, `.`, `_`, `-`, starting with a letter or digit. */
function profileName(name: string): string {
  const cleaned = name
    .trim()
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '');
  return cleaned === '' ? 'imported' : cleaned;
}
