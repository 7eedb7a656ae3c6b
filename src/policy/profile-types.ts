// A loaded profile: variables expanded, patterns parsed and classified, CIDRs normalised, `extends`
// merged. Plain data throughout (no functions, no classes), so it can be printed, sent over the
// control socket, or compiled into kernel tables without re-reading the YAML.
import type { GlobToken } from './glob-parse.js';
import type { PatternPlan } from './glob-classify.js';
import type { NetworkTarget } from './network-spec.js';
import type { HostPattern } from './host-spec.js';

export type Policy = 'allow' | 'deny';
/** A kind's verdict when no rule matches: 'audit' allows and records the call as AUDIT. */
export type DefaultPolicy = 'allow' | 'deny' | 'audit';
export type RuleAction = 'block' | 'kill' | 'audit';
/** One operation a path rule can name; `any` names all four. */
export type AccessOp = 'read' | 'write' | 'unlink' | 'rename';
/** Bits of PathRule.ops. read and write are the open's FMODE bits. */
export const OP_BITS: Readonly<Record<AccessOp, number>> = { read: 1, write: 2, unlink: 4, rename: 8 };
export const ALL_OPS = 15;

/** What a process-wide guard (ptrace, signals, executable memory) does. */
export type GuardAction = 'allow' | RuleAction;
export type InstallsPolicy = 'audit' | 'block' | 'off';

export interface ProcessGuard {
  readonly action: GuardAction;
  /** 'outside': only target processes outside the agent's session; 'any': every target */
  readonly targets: 'outside' | 'any';
}
export type Mode = 'enforce' | 'audit';
export type Verdict = 'ALLOW' | 'BLOCK' | 'KILL' | 'AUDIT';

export type RuleListName =
  | 'denied_paths'
  | 'allowed_paths'
  | 'denied_networks'
  | 'allowed_networks'
  | 'denied_commands'
  | 'allowed_commands'
  | 'denied_hosts'
  | 'allowed_hosts';

/** Where a rule was written: the profile (own or a built-in it extends) and its position. */
export interface RuleOrigin {
  readonly profile: string;
  readonly file: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
}

interface RuleBase {
  /** Stable id within the merged profile, e.g. `denied_paths[3]`; the kernel reports its index. */
  readonly id: string;
  readonly list: RuleListName;
  readonly index: number;
  /** The value as written in the YAML, before expansion. */
  readonly written: string;
  /** `allow` for allowed rules; the configured action (default block) for denied ones. */
  readonly action: 'allow' | RuleAction;
  readonly origin: RuleOrigin;
}

export interface PathRule extends RuleBase {
  readonly plan: PatternPlan;
  /** as written, normalised: 'any', one operation, or operations joined by '+' ('read+unlink') */
  readonly access: string;
  /** OP_BITS of the operations the rule covers */
  readonly ops: number;
  /** denied rules: what a block becomes where the kernel can only kill (default kill) */
  readonly onReactive?: 'kill' | 'audit';
}

export interface NetworkRule extends RuleBase {
  readonly target: NetworkTarget;
  /** every destination the rule names: [target], or the host's resolvers for `resolvers` */
  readonly targets: readonly NetworkTarget[];
}

/** A host rule: names the DNS proxy lets the agent resolve (allowed) or refuses (denied). */
export interface HostRule extends RuleBase {
  readonly pattern: HostPattern;
}

/** How host names resolve for a profile with host rules. */
export interface DnsSettings {
  /** the resolvers the agent may use; null: the nameservers of /etc/resolv.conf at session start */
  readonly resolvers: readonly string[] | null;
  /** an address learned for an allowed host stays allowed at least this long (s) */
  readonly minTtlS: number;
  /** verify_sni: connects to learned addresses on 80/443 go through the SNI proxy */
  readonly verifySni: boolean;
}

/**
 * A command rule. `path` rules match the executable's resolved path with the path matcher;
 * `basename` rules match its last component: `exact` by hash, `glob` with one component's tokens.
 */
export type CommandMatch =
  | { readonly by: 'path'; readonly plan: PatternPlan }
  | { readonly by: 'basename'; readonly strategy: 'exact'; readonly name: string }
  | {
      readonly by: 'basename';
      readonly strategy: 'glob';
      readonly pattern: string;
      readonly tokens: readonly GlobToken[];
    };

export interface CommandRule extends RuleBase {
  readonly match: CommandMatch;
}

export interface RulePair<R> {
  readonly denied: readonly R[];
  readonly allowed: readonly R[];
}

/** The fail-closed action: refuse what is not explicitly allowed, stop the processes, or go on. */
export type FailClosed = 'deny' | 'freeze' | 'continue';

export interface Profile {
  readonly name: string;
  // Omitted, not undefined, when unset: a profile survives a JSON round-trip unchanged.
  readonly version?: string;
  readonly description?: string;
  readonly file: string;
  /** The built-ins this profile extends, nearest first. */
  readonly extends: readonly string[];
  readonly entryComm: readonly string[];
  readonly mode: Mode;
  /** raw IP sockets (SOCK_RAW): refused in the kernel unless 'allow' */
  readonly rawSockets: Policy;
  /** what the kernel does while no daemon consumes the session's events (docs/profiles.md) */
  readonly failClosed: FailClosed;
  readonly defaults: {
    readonly paths: DefaultPolicy;
    readonly networks: DefaultPolicy;
    readonly commands: DefaultPolicy;
    readonly unlinks: DefaultPolicy;
    readonly renames: DefaultPolicy;
  };
  readonly ptrace: ProcessGuard;
  readonly signals: ProcessGuard;
  readonly execMemory: GuardAction;
  /** flagged package installs: recorded (audit), killed after their exec (block), or not flagged (off) */
  readonly installs: InstallsPolicy;
  /** what the loader accepted but does not apply, one line each (e.g. the original format's watched_comms) */
  readonly notices: readonly string[];
  readonly paths: RulePair<PathRule>;
  readonly networks: RulePair<NetworkRule>;
  readonly commands: RulePair<CommandRule>;
  /** egress by name: the session's DNS goes through vigil's proxy when either list has a rule */
  readonly hosts: RulePair<HostRule>;
  readonly dns: DnsSettings;
}
