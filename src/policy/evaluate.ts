// The reference evaluator: what the kernel must decide for an open, an exec or a connect, given a
// loaded profile. The kernel matcher is tested against this on generated inputs, so it uses the
// same per-pattern strategies (exact, prefix, suffix, glob) and the same over-bound rule.
import { POLICY_NAME_MAX, POLICY_PATH_BOUND } from '../wire/wire-layout.js';
import { compileGlob, compilePlan } from './glob-match.js';
import { normalisePath, type NormalPath } from './normal-path.js';
import { inNetwork, parseDestination, portMatches } from './network-spec.js';
import { OP_BITS } from './profile-types.js';
import type {
  CommandRule,
  NetworkRule,
  PathRule,
  DefaultPolicy,
  Profile,
  RuleAction,
  Verdict,
} from './profile-types.js';

/** How a file was opened: FMODE_READ only, FMODE_WRITE only, or both (O_RDWR). */
export type OpenAccess = 'read' | 'write' | 'read-write';

export type PolicyInput =
  | { readonly kind: 'open'; readonly path: string | Uint8Array; readonly access: OpenAccess }
  | {
      readonly kind: 'exec';
      /** The executable's resolved path (what d_path gives for bprm->file). */
      readonly path: string | Uint8Array;
      /** The name as passed to execve (bprm->filename), if known; only denials look at it. */
      readonly requested?: string | Uint8Array;
    }
  | { readonly kind: 'connect'; readonly ip: string; readonly port: number; readonly proto: 'tcp' | 'udp' }
  | { readonly kind: 'unlink'; readonly path: string | Uint8Array }
  | { readonly kind: 'rename'; readonly path: string | Uint8Array; readonly to: string | Uint8Array }
  | GuardInput;

/** A process-wide guard: a ptrace or a signal of a target inside or outside the session, or executable memory. */
export type GuardInput =
  { readonly kind: 'ptrace' | 'signal'; readonly inside: boolean } | { readonly kind: 'exec_memory' };

/** The inputs the kernel's path and network matcher decides (guards are one byte of the table). */
export type MatcherInput = Exclude<PolicyInput, GuardInput>;

export interface Decision {
  readonly action: Verdict;
  /** The deciding rule's id (`denied_paths[3]`), `default`, or `path-bound` for over-bound paths. */
  readonly rule: string;
  readonly reason: string;
}

/** Rule id reported when the over-bound rule decided. */
export const PATH_BOUND_RULE = 'path-bound';

/** The operations each path input asks for, as OP_BITS. */
type PathOp = OpenAccess | 'unlink' | 'rename';
const OP_OF: Record<PathOp, number> = {
  read: OP_BITS.read,
  write: OP_BITS.write,
  'read-write': OP_BITS.read | OP_BITS.write,
  unlink: OP_BITS.unlink,
  rename: OP_BITS.rename,
};
const STRENGTH: Record<RuleAction, number> = { audit: 1, block: 2, kill: 3 };
const VERDICT: Record<RuleAction, Verdict> = { audit: 'AUDIT', block: 'BLOCK', kill: 'KILL' };
const VERDICT_STRENGTH: Record<Verdict, number> = { ALLOW: 0, AUDIT: 1, BLOCK: 2, KILL: 3 };

/** A denied rule covers an operation if it names any right the operation asks for. */
function deniedCovers(ops: number, op: PathOp): boolean {
  return (ops & OP_OF[op]) !== 0;
}

/** An allowed rule covers an operation only if it grants every right the operation asks for. */
function allowedCovers(ops: number, op: PathOp): boolean {
  return (OP_OF[op] & ~ops) === 0;
}

/** The verdict a default gives: 'audit' allows and records. */
function defaultVerdict(policy: DefaultPolicy): Verdict {
  return policy === 'allow' ? 'ALLOW' : policy === 'audit' ? 'AUDIT' : 'BLOCK';
}

interface Compiled<R> {
  readonly rule: R;
  readonly matches: (p: NormalPath) => boolean;
}

export type Evaluator = (input: PolicyInput) => Decision;

const cache = new WeakMap<Profile, Evaluator>();

/** Decides one input; compiles the profile on first use (cached per profile object). */
export function evaluate(profile: Profile, input: PolicyInput): Decision {
  let evaluator = cache.get(profile);
  if (evaluator === undefined) {
    evaluator = createEvaluator(profile);
    cache.set(profile, evaluator);
  }
  return evaluator(input);
}

export function createEvaluator(profile: Profile): Evaluator {
  const pathRule = (r: PathRule): Compiled<PathRule> => ({ rule: r, matches: compilePlan(r.plan).matches });
  const deniedPaths = profile.paths.denied.map(pathRule);
  const allowedPaths = profile.paths.allowed.map(pathRule);
  const commandRule = (r: CommandRule): Compiled<CommandRule> & { byPath: boolean } => {
    const m = r.match;
    if (m.by === 'path') return { rule: r, byPath: true, matches: compilePlan(m.plan).matches };
    // A basename is matched as the one-component path `/<basename>`.
    const one = compileGlob(
      m.strategy === 'exact' ? [literalSegment(m.name)] : [{ type: 'segment', tokens: m.tokens }],
    );
    return { rule: r, byPath: false, matches: one };
  };
  const deniedCommands = profile.commands.denied.map(commandRule);
  const allowedCommands = profile.commands.allowed.map(commandRule);
  const audit = profile.mode === 'audit';

  const finish = (action: Verdict, rule: string, reason: string): Decision =>
    audit && (action === 'BLOCK' || action === 'KILL')
      ? { action: 'AUDIT', rule, reason: `${reason} (audit mode: ${action} not enforced)` }
      : { action, rule, reason };

  const byRule = (r: PathRule | CommandRule | NetworkRule, what: string): Decision =>
    finish(
      r.action === 'allow' ? 'ALLOW' : VERDICT[r.action],
      r.id,
      `${what} matches ${r.id} '${r.written}'`,
    );

  const byDefault = (kind: keyof Profile['defaults'], policy: DefaultPolicy, what: string): Decision =>
    finish(defaultVerdict(policy), 'default', `${what} matches no rule; default for ${kind} is ${policy}`);

  /** Among matching denied rules the strongest action wins; ties go to the lowest rule index. */
  const strongest = <R extends { rule: { action: 'allow' | RuleAction } }>(
    matching: Iterable<R>,
  ): R | undefined => {
    let best: R | undefined;
    for (const m of matching) {
      if (m.rule.action === 'allow') continue;
      if (best === undefined || STRENGTH[m.rule.action] > STRENGTH[best.rule.action as RuleAction]) best = m;
    }
    return best;
  };

  // Over-bound paths (docs/matching.md): the kernel cannot read them, so only denied rules that
  // could match a long path, known names (basenames), and the default decide.
  const boundText = (length: number): string =>
    `path of ${length} bytes is over the ${POLICY_PATH_BOUND}-byte bound`;
  const overBoundDenied = (
    candidates: readonly (PathRule | CommandRule)[],
    length: number,
  ): Decision | undefined => {
    const actions = candidates.map((r) => r.action);
    const ids = candidates.map((r) => r.id).join(', ');
    if (actions.includes('block') || actions.includes('kill')) {
      return finish('BLOCK', PATH_BOUND_RULE, `${boundText(length)}; denied rules could match it (${ids})`);
    }
    if (actions.includes('audit')) {
      return finish('AUDIT', PATH_BOUND_RULE, `${boundText(length)}; audit rules could match it (${ids})`);
    }
    return undefined;
  };
  const overBoundDefault = (
    policy: DefaultPolicy,
    kind: keyof Profile['defaults'],
    length: number,
  ): Decision =>
    finish(defaultVerdict(policy), PATH_BOUND_RULE, `${boundText(length)}; default for ${kind} is ${policy}`);

  const defaultKind = (op: PathOp): 'paths' | 'unlinks' | 'renames' =>
    op === 'unlink' ? 'unlinks' : op === 'rename' ? 'renames' : 'paths';
  const decidePath = (rawPath: string | Uint8Array, op: PathOp, what: string): Decision => {
    const path = normalisePath(rawPath);
    const kind = defaultKind(op);
    const length = path.bytes.length;
    if (length > POLICY_PATH_BOUND) {
      // Allowed rules cannot be checked either, so a deny default blocks before any rule is looked at.
      if (profile.defaults[kind] === 'deny') return overBoundDefault('deny', kind, length);
      const cand = profile.paths.denied.filter((r) => r.plan.overBound && deniedCovers(r.ops, op));
      return overBoundDenied(cand, length) ?? overBoundDefault(profile.defaults[kind], kind, length);
    }
    const denied = strongest(deniedPaths.filter((c) => deniedCovers(c.rule.ops, op) && c.matches(path)));
    if (denied !== undefined) return byRule(denied.rule, what);
    for (const c of allowedPaths) {
      if (allowedCovers(c.rule.ops, op) && c.matches(path)) return byRule(c.rule, what);
    }
    return byDefault(kind, profile.defaults[kind], what);
  };
  const decideOpen = (rawPath: string | Uint8Array, access: OpenAccess): Decision =>
    decidePath(rawPath, access, `open(${access}) of ${display(normalisePath(rawPath))}`);
  const decideRename = (from: string | Uint8Array, to: string | Uint8Array): Decision => {
    const what = `rename of ${display(normalisePath(from))} to ${display(normalisePath(to))}`;
    const a = decidePath(from, 'rename', what);
    const b = decidePath(to, 'rename', what);
    // the stronger side stands; the source's on a tie (the kernel does the same)
    return VERDICT_STRENGTH[b.action] > VERDICT_STRENGTH[a.action] ? b : a;
  };
  const guard = (input: GuardInput): Decision => {
    if (input.kind === 'exec_memory') {
      const a = profile.execMemory;
      return finish(
        a === 'allow' ? 'ALLOW' : VERDICT[a],
        'exec_memory',
        `executable memory made at run time; exec_memory is ${a}`,
      );
    }
    const key = input.kind === 'ptrace' ? 'ptrace' : 'signals';
    const g = profile[key];
    const applies = g.targets === 'any' || !input.inside;
    const where = input.inside ? 'inside' : 'outside';
    return finish(
      !applies || g.action === 'allow' ? 'ALLOW' : VERDICT[g.action],
      key,
      `${input.kind} of a process ${where} the session; ${key} is ${g.action} for targets ${g.targets === 'any' ? 'anywhere' : 'outside the session'}`,
    );
  };

  const decideExec = (rawPath: string | Uint8Array, requested: string | Uint8Array | undefined): Decision => {
    const path = normalisePath(rawPath);
    const base = basename(path);
    // The requested name only ever adds denials: allowing by it would let a symlink named like an
    // allowed command run anything.
    const reqName = requested === undefined ? undefined : requestedForms(requested);
    const what = `exec of ${display(path)}`;
    const over = path.bytes.length > POLICY_PATH_BOUND;
    const deniedMatch = (c: Compiled<CommandRule> & { byPath: boolean }): boolean => {
      if (c.byPath) {
        return (!over && c.matches(path)) || (reqName?.path !== undefined && c.matches(reqName.path));
      }
      return (
        (base !== undefined && c.matches(base)) || (reqName?.base !== undefined && c.matches(reqName.base))
      );
    };
    const denied = strongest(deniedCommands.filter(deniedMatch));
    if (denied !== undefined) return byRule(denied.rule, what);
    if (over) {
      const cand = profile.commands.denied.filter((r) => r.match.by === 'path' && r.match.plan.overBound);
      const blocked = overBoundDenied(cand, path.bytes.length);
      if (blocked !== undefined) return blocked;
      // The name is known even when the path is not, so basename rules still allow.
      for (const c of allowedCommands) {
        if (!c.byPath && base !== undefined && c.matches(base)) return byRule(c.rule, what);
      }
      return overBoundDefault(profile.defaults.commands, 'commands', path.bytes.length);
    }
    for (const c of allowedCommands) {
      if (c.byPath ? c.matches(path) : base !== undefined && c.matches(base)) return byRule(c.rule, what);
    }
    return byDefault('commands', profile.defaults.commands, what);
  };

  const deniedNets = profile.networks.denied;
  const allowedNets = profile.networks.allowed;
  const decideConnect = (ip: string, port: number, proto: 'tcp' | 'udp'): Decision => {
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`invalid port: ${port}`);
    const dest = parseDestination(ip);
    const what = `${proto} connect to ${ip} port ${port}`;
    const hit = (r: NetworkRule): boolean =>
      r.targets.some(
        (t) => (t.protocol === 'any' || t.protocol === proto) && portMatches(t, port) && inNetwork(t, dest),
      );
    const denied = strongest(deniedNets.filter(hit).map((rule) => ({ rule })));
    if (denied !== undefined) return byRule(denied.rule, what);
    const allowed = allowedNets.find(hit);
    if (allowed !== undefined) return byRule(allowed, what);
    return byDefault('networks', profile.defaults.networks, what);
  };

  return (input) => {
    switch (input.kind) {
      case 'open':
        return decideOpen(input.path, input.access);
      case 'exec':
        return decideExec(input.path, input.requested);
      case 'connect':
        return decideConnect(input.ip, input.port, input.proto);
      case 'unlink':
        return decidePath(input.path, 'unlink', `unlink of ${display(normalisePath(input.path))}`);
      case 'rename':
        return decideRename(input.path, input.to);
      default:
        return guard(input);
    }
  };
}

function literalSegment(name: string): { type: 'segment'; tokens: [{ type: 'literal'; text: string }] } {
  return { type: 'segment', tokens: [{ type: 'literal', text: name }] };
}

/** The last component as the one-component path `/<name>`, or undefined for the root. */
function basename(path: NormalPath): NormalPath | undefined {
  const start = path.starts[path.starts.length - 1];
  const end = path.ends[path.ends.length - 1];
  if (start === undefined || end === undefined || end - start > POLICY_NAME_MAX) return undefined;
  const bytes = new Uint8Array(end - start + 1);
  bytes[0] = 0x2f;
  bytes.set(path.bytes.subarray(start, end), 1);
  return { bytes, starts: [1], ends: [bytes.length] };
}

/** The execve argument's basename, and its normalised path when it is absolute and within bound. */
function requestedForms(requested: string | Uint8Array): { path?: NormalPath; base?: NormalPath } {
  const bytes = typeof requested === 'string' ? new TextEncoder().encode(requested) : requested;
  const slash = bytes.lastIndexOf(0x2f);
  const name = bytes.subarray(slash + 1);
  const out: { path?: NormalPath; base?: NormalPath } = {};
  if (name.length > 0 && name.length <= POLICY_NAME_MAX && !isDots(name)) {
    const b = new Uint8Array(name.length + 1);
    b[0] = 0x2f;
    b.set(name, 1);
    out.base = { bytes: b, starts: [1], ends: [b.length] };
  }
  if (bytes[0] === 0x2f) {
    const p = normalisePath(bytes);
    if (p.bytes.length <= POLICY_PATH_BOUND) out.path = p;
  }
  return out;
}

function isDots(name: Uint8Array): boolean {
  return (
    (name.length === 1 && name[0] === 0x2e) || (name.length === 2 && name[0] === 0x2e && name[1] === 0x2e)
  );
}

function display(path: NormalPath): string {
  const text = Buffer.from(path.bytes).toString('utf8');
  return text.length > 120 ? `'${text.slice(0, 60)}...${text.slice(-40)}'` : `'${text}'`;
}
