// Turns one validated profile document into typed rules: expands variables, parses and classifies
// patterns, parses networks. Each failure becomes a ProfileError at the value that caused it.
// Rule ids are given later, once `extends` has been merged (see load-profile.ts).
import { COMM_LEN, POLICY_PATH_BOUND } from '../wire/wire-layout.js';
import { PatternSyntaxError, parsePattern } from './glob-parse.js';
import { classifyPattern, planMinBytes } from './glob-classify.js';
import { VariableError, expandVariables } from './expand-vars.js';
import type { ProfileVariables } from './expand-vars.js';
import { NetworkSpecError, parseNetworkSpec, parsePortRange } from './network-spec.js';
import type { NetworkTarget, Protocol } from './network-spec.js';
import { hostResolvers, RESOLVERS_KEYWORD } from './resolvers.js';
import { HostSpecError, parseHostSpec } from './host-spec.js';
import { isIP } from 'node:net';
import { ProfileError } from './profile-errors.js';
import type { ProfileErrorCode } from './profile-errors.js';
import type { ProfileDocument } from './profile-schema.js';
import type {
  CommandMatch,
  FailClosed,
  CommandRule,
  DnsSettings,
  HostRule,
  Mode,
  NetworkRule,
  PathRule,
  DefaultPolicy,
  GuardAction,
  Policy,
  ProcessGuard,
  RuleListName,
} from './profile-types.js';
import { ALL_OPS, OP_BITS, type AccessOp, type InstallsPolicy } from './profile-types.js';
import type { NodePath, YamlSource } from './yaml-source.js';

type Draft<R> = Omit<R, 'id' | 'index'>;

/** One profile's own contribution, before merging with what it extends. */
export interface ProfileLayer {
  readonly name: string;
  readonly version: string | undefined;
  readonly description: string | undefined;
  readonly file: string;
  readonly extendsName: string | undefined;
  readonly entryComm: readonly string[] | undefined;
  readonly mode: Mode | undefined;
  readonly rawSockets: Policy | undefined;
  readonly failClosed: FailClosed | undefined;
  readonly defaults: {
    paths?: DefaultPolicy;
    networks?: DefaultPolicy;
    commands?: DefaultPolicy;
    unlinks?: DefaultPolicy;
    renames?: DefaultPolicy;
  };
  readonly ptrace: ProcessGuard | undefined;
  readonly signals: ProcessGuard | undefined;
  readonly execMemory: GuardAction | undefined;
  readonly installs: InstallsPolicy | undefined;
  readonly notices: readonly string[];
  readonly paths: { denied: Draft<PathRule>[]; allowed: Draft<PathRule>[] };
  readonly networks: { denied: Draft<NetworkRule>[]; allowed: Draft<NetworkRule>[] };
  readonly commands: { denied: Draft<CommandRule>[]; allowed: Draft<CommandRule>[] };
  readonly hosts: { denied: Draft<HostRule>[]; allowed: Draft<HostRule>[] };
  readonly dns: Partial<DnsSettings> | undefined;
}

const utf8 = new TextEncoder();

export function buildLayer(doc: ProfileDocument, src: YamlSource, vars: ProfileVariables): ProfileLayer {
  const fail = (code: ProfileErrorCode, path: NodePath, detail: string, cause?: unknown): never => {
    throw new ProfileError(code, src.at(path), detail, cause === undefined ? undefined : { cause });
  };
  const origin = (path: NodePath): Draft<PathRule>['origin'] => {
    const at = src.at(path);
    return { profile: doc.name, file: src.file, line: at.line, column: at.column };
  };

  const entryComm =
    doc.entry_comm === undefined
      ? undefined
      : typeof doc.entry_comm === 'string'
        ? [doc.entry_comm]
        : doc.entry_comm;
  entryComm?.forEach((comm, i) => {
    // The kernel's comm is 16 bytes with the NUL; the schema can only count characters.
    if (utf8.encode(comm).length > COMM_LEN - 1) {
      const path = typeof doc.entry_comm === 'string' ? ['entry_comm'] : ['entry_comm', i];
      fail(
        'VIGIL_PROFILE_INVALID',
        path,
        `entry_comm '${comm}' is longer than the kernel's ${COMM_LEN - 1}-byte comm`,
      );
    }
  });

  const defaults =
    doc.default_policy === undefined
      ? {}
      : typeof doc.default_policy === 'string'
        ? { paths: doc.default_policy, networks: doc.default_policy, commands: doc.default_policy }
        : doc.default_policy;

  const pathRule = (
    list: RuleListName,
    i: number,
    item:
      | string
      | {
          pattern: string;
          access?: AccessOp | 'any' | AccessOp[];
          action?: Draft<PathRule>['action'];
          on_reactive?: 'kill' | 'audit';
        },
  ): Draft<PathRule> => {
    const at: NodePath = typeof item === 'string' ? [list, i] : [list, i, 'pattern'];
    const written = typeof item === 'string' ? item : item.pattern;
    const plan = pathPlan(written, at, `${list}[${i}]`);
    const denied = list.startsWith('denied');
    const action = denied ? (typeof item === 'string' ? 'block' : (item.action ?? 'block')) : 'allow';
    const { access, ops } = accessOf(typeof item === 'string' ? undefined : item.access);
    const onReactive = typeof item === 'string' || !denied ? undefined : item.on_reactive;
    return {
      list,
      written,
      plan,
      access,
      ops,
      action,
      origin: origin(at),
      ...(onReactive === undefined ? {} : { onReactive }),
    };
  };

  const pathPlan = (written: string, at: NodePath, name: string) => {
    try {
      const plan = classifyPattern(parsePattern(expandVariables(written, vars)));
      const min = planMinBytes(plan);
      if (min > POLICY_PATH_BOUND) {
        throw new PatternSyntaxError(
          `the shortest path it matches is ${min} bytes, over the kernel's bound of ${POLICY_PATH_BOUND} bytes`,
        );
      }
      return plan;
    } catch (e) {
      return rethrow(e, at, `${name} '${written}'`);
    }
  };

  const rethrow = (e: unknown, at: NodePath, what: string): never => {
    if (e instanceof VariableError) return fail('VIGIL_PROFILE_VARIABLE', at, `${what}: ${e.message}`, e);
    if (e instanceof PatternSyntaxError) return fail('VIGIL_PROFILE_PATTERN', at, `${what}: ${e.message}`, e);
    if (e instanceof NetworkSpecError) return fail('VIGIL_PROFILE_NETWORK', at, `${what}: ${e.message}`, e);
    if (e instanceof HostSpecError) return fail('VIGIL_PROFILE_HOST', at, `${what}: ${e.message}`, e);
    throw e;
  };

  type NetItem =
    | string
    | {
        cidr: string;
        ports?: number | string | (number | string)[];
        protocol?: Protocol;
        action?: Draft<NetworkRule>['action'];
      };
  const networkRule = (list: RuleListName, i: number, item: NetItem): Draft<NetworkRule> => {
    const name = `${list}[${i}]`;
    const cidrAt: NodePath = typeof item === 'string' ? [list, i] : [list, i, 'cidr'];
    const written = typeof item === 'string' ? item : item.cidr;
    let target: NetworkTarget;
    // `resolvers[:PORTS[/PROTO]]`: the ports and protocol parse against a stand-in address
    const resolvers = written === RESOLVERS_KEYWORD || written.startsWith(`${RESOLVERS_KEYWORD}:`);
    try {
      target = parseNetworkSpec(resolvers ? `0.0.0.0${written.slice(RESOLVERS_KEYWORD.length)}` : written);
    } catch (e) {
      return rethrow(e, cidrAt, name);
    }
    if (typeof item !== 'string') {
      if (item.ports !== undefined) {
        if (target.ports !== null)
          fail(
            'VIGIL_PROFILE_NETWORK',
            [list, i, 'ports'],
            `${name}: ports given both in 'cidr' and 'ports'`,
          );
        const list2 = Array.isArray(item.ports) ? item.ports : [item.ports];
        const ranges = list2.map((p, k) => {
          const at: NodePath = Array.isArray(item.ports) ? [list, i, 'ports', k] : [list, i, 'ports'];
          try {
            return parsePortRange(String(p));
          } catch (e) {
            return rethrow(e, at, name);
          }
        });
        target = { ...target, ports: ranges };
      }
      if (item.protocol !== undefined) {
        if (target.protocol !== 'any')
          fail(
            'VIGIL_PROFILE_NETWORK',
            [list, i, 'protocol'],
            `${name}: protocol given both in 'cidr' and 'protocol'`,
          );
        target = { ...target, protocol: item.protocol };
      }
    }
    const action = list.startsWith('denied')
      ? typeof item === 'string'
        ? 'block'
        : (item.action ?? 'block')
      : 'allow';
    const final = target;
    const targets = resolvers
      ? (vars.resolvers ?? hostResolvers()).map((ip) => ({
          ...parseNetworkSpec(ip.includes(':') ? `[${ip}]` : ip),
          ports: final.ports,
          protocol: final.protocol,
        }))
      : [target];
    return { list, written, target: targets[0] ?? target, targets, action, origin: origin(cidrAt) };
  };

  const commandRule = (
    list: RuleListName,
    i: number,
    item: string | { command: string; action?: Draft<CommandRule>['action'] },
  ): Draft<CommandRule> => {
    const at: NodePath = typeof item === 'string' ? [list, i] : [list, i, 'command'];
    const written = typeof item === 'string' ? item : item.command;
    const name = `${list}[${i}] '${written}'`;
    let match: CommandMatch;
    try {
      const expanded = expandVariables(written, vars);
      if (expanded.includes('/')) {
        match = { by: 'path', plan: pathPlan(written, at, `${list}[${i}]`) };
      } else {
        match = basenameMatch(expanded);
      }
    } catch (e) {
      return rethrow(e, at, name);
    }
    const action = list.startsWith('denied')
      ? typeof item === 'string'
        ? 'block'
        : (item.action ?? 'block')
      : 'allow';
    return { list, written, match, action, origin: origin(at) };
  };

  const hostRule = (
    list: 'denied_hosts' | 'allowed_hosts',
    i: number,
    item: string | { host: string; ports?: number | number[] },
  ): Draft<HostRule> => {
    const at: NodePath = typeof item === 'string' ? [list, i] : [list, i, 'host'];
    const written = typeof item === 'string' ? item : item.host;
    const ports = typeof item === 'string' || item.ports === undefined ? [] : [item.ports].flat();
    try {
      const pattern = parseHostSpec(written, ports);
      return {
        list,
        written,
        pattern,
        action: list === 'denied_hosts' ? 'block' : 'allow',
        origin: origin(at),
      };
    } catch (e) {
      return rethrow(e, at, `${list}[${i}]`);
    }
  };

  const dns = ((): Partial<DnsSettings> | undefined => {
    const verify = doc.verify_sni === undefined ? {} : { verifySni: doc.verify_sni };
    if (doc.dns === undefined) return doc.verify_sni === undefined ? undefined : verify;
    doc.dns.resolvers?.forEach((r, i) => {
      if (isIP(r) === 0)
        fail(
          'VIGIL_PROFILE_HOST',
          ['dns', 'resolvers', i],
          `dns.resolvers[${i}]: '${r}' is not an IP address`,
        );
    });
    return {
      ...(doc.dns.resolvers === undefined ? {} : { resolvers: doc.dns.resolvers }),
      ...(doc.dns.min_ttl === undefined ? {} : { minTtlS: doc.dns.min_ttl }),
      ...verify,
    };
  })();

  return {
    name: doc.name,
    version: doc.version === undefined ? undefined : (src.sourceText(['version']) ?? String(doc.version)),
    description: doc.description,
    file: src.file,
    extendsName: doc.extends,
    entryComm,
    mode: doc.mode,
    rawSockets: doc.raw_sockets,
    failClosed: doc.fail_closed,
    defaults,
    ptrace: guardOf(doc.ptrace),
    signals: guardOf(doc.signals),
    execMemory: doc.exec_memory === undefined ? undefined : guardAction(doc.exec_memory),
    installs: doc.installs,
    notices:
      doc.watched_comms === undefined
        ? []
        : [
            `${src.file}: watched_comms (${doc.watched_comms.join(', ')}) is ignored: vigil follows the agent's process tree in the kernel, so a process name never decides who is watched`,
          ],
    paths: {
      denied: (doc.denied_paths ?? []).map((item, i) => pathRule('denied_paths', i, item)),
      allowed: (doc.allowed_paths ?? []).map((item, i) => pathRule('allowed_paths', i, item)),
    },
    networks: {
      denied: (doc.denied_networks ?? []).map((item, i) => networkRule('denied_networks', i, item)),
      allowed: (doc.allowed_networks ?? []).map((item, i) => networkRule('allowed_networks', i, item)),
    },
    commands: {
      denied: (doc.denied_commands ?? []).map((item, i) => commandRule('denied_commands', i, item)),
      allowed: (doc.allowed_commands ?? []).map((item, i) => commandRule('allowed_commands', i, item)),
    },
    hosts: {
      denied: (doc.denied_hosts ?? []).map((item, i) => hostRule('denied_hosts', i, item)),
      allowed: (doc.allowed_hosts ?? []).map((item, i) => hostRule('allowed_hosts', i, item)),
    },
    dns,
  };
}

/** `access` as written -> its display form and OP_BITS ('any' when unset). */
function accessOf(written: AccessOp | 'any' | readonly AccessOp[] | undefined): {
  access: string;
  ops: number;
} {
  if (written === undefined || written === 'any') return { access: 'any', ops: ALL_OPS };
  const list = typeof written === 'string' ? [written] : written;
  const ops = list.reduce((bits, op) => bits | OP_BITS[op], 0);
  if (ops === ALL_OPS) return { access: 'any', ops };
  const names = (Object.keys(OP_BITS) as AccessOp[]).filter((op) => (ops & OP_BITS[op]) !== 0);
  return { access: names.join('+'), ops };
}

function guardAction(a: GuardAction | 'deny'): GuardAction {
  return a === 'deny' ? 'block' : a;
}

/** `ptrace:` / `signals:` as written -> {action, targets} (targets default: outside the session). */
function guardOf(
  written: GuardAction | 'deny' | { action: GuardAction | 'deny'; targets?: 'outside' | 'any' } | undefined,
): ProcessGuard | undefined {
  if (written === undefined) return undefined;
  if (typeof written === 'string') return { action: guardAction(written), targets: 'outside' };
  return { action: guardAction(written.action), targets: written.targets ?? 'outside' };
}

/** A command without `/` matches the executable's last path component. */
function basenameMatch(name: string): CommandMatch {
  if (name === '.' || name === '..') throw new PatternSyntaxError(`'${name}' is not a command name`);
  const [only, ...rest] = parsePattern('/' + name);
  if (only === undefined || rest.length > 0) throw new PatternSyntaxError(`'${name}' is not a command name`);
  if (only.type === 'globstar') throw new PatternSyntaxError("'**' cannot be used in a command basename");
  const [first, ...more] = only.tokens;
  if (first?.type === 'literal' && more.length === 0)
    return { by: 'basename', strategy: 'exact', name: first.text };
  return { by: 'basename', strategy: 'glob', pattern: name, tokens: only.tokens };
}
