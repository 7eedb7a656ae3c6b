// A NeuronTrace policy file, read and checked the way NeuronTrace reads it (serde over
// neurontrace/src/policy/types.rs, then its validate_policy), with every problem named by rule
// index and field. Stricter in one place: a key NeuronTrace would ignore in a rule (a misspelt
// `path` turns the rule into a catch-all there) is an error here.
import type { ImportProblem } from './neurontrace-errors.js';
import type { SourceLocation } from './profile-errors.js';
import type { NodePath, YamlSource } from './yaml-source.js';

const NT_EVENT_TYPES = [
  'exec',
  'open',
  'unlink',
  'rename',
  'connect',
  'ptrace',
  'fork',
  'exit',
  'task_kill',
] as const;
export type NtEventType = (typeof NT_EVENT_TYPES)[number];
const NT_ACTIONS = ['allow', 'block', 'kill', 'audit'] as const;
export type NtAction = (typeof NT_ACTIONS)[number];

const RULE_KEYS = ['event_type', 'action', 'cgroup_id', 'path', 'argv', 'description'];
const TOP_KEYS = ['name', 'description', 'rules'];

export interface NtRule {
  /** position in `rules`, from 0 */
  readonly index: number;
  readonly eventType: NtEventType;
  readonly action: NtAction;
  readonly path?: string;
  readonly argv?: string;
  readonly cgroupId: number;
  readonly description: string;
  readonly where: SourceLocation;
  readonly pathWhere: SourceLocation;
  readonly argvWhere: SourceLocation;
  readonly cgroupWhere: SourceLocation;
}

export interface NtPolicy {
  readonly name: string;
  readonly description: string;
  readonly rules: readonly NtRule[];
  /** top-level keys NeuronTrace ignores */
  readonly ignoredKeys: readonly string[];
}

const isMapping = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether a parsed YAML document has NeuronTrace's shape: a top-level `rules:` list (vigil has no such key). */
export function looksLikeNeuronTrace(value: unknown): boolean {
  return isMapping(value) && Array.isArray(value.rules);
}

/** Checks the document; returns the policy, or the problems (all of them). */
export function readNeuronTracePolicy(
  src: YamlSource,
): { policy: NtPolicy; problems: [] } | { policy: undefined; problems: ImportProblem[] } {
  const problems: ImportProblem[] = [];
  const fail = (path: NodePath, message: string): void => {
    problems.push({ where: src.at(path), message });
  };
  const doc = src.value;
  if (!isMapping(doc)) {
    fail([], 'a NeuronTrace policy is a mapping with name, description and rules');
    return { policy: undefined, problems };
  }
  const text = (key: string, required: boolean): string | undefined => {
    const v = doc[key];
    if (v === undefined || v === null) {
      if (required) fail([], `'${key}' is missing (NeuronTrace requires it)`);
      return undefined;
    }
    if (typeof v !== 'string') {
      fail([key], `'${key}' must be a string, not ${kind(v)}`);
      return undefined;
    }
    return v;
  };
  const name = text('name', true);
  if (name !== undefined && name.trim() === '') fail(['name'], "'name' is empty (NeuronTrace refuses it)");
  const description = text('description', true);
  const rawRules = doc.rules;
  const rules: NtRule[] = [];
  if (rawRules === undefined || rawRules === null) {
    fail([], "'rules' is missing (NeuronTrace requires it)");
  } else if (!Array.isArray(rawRules)) {
    fail(['rules'], `'rules' must be a list of rules, not ${kind(rawRules)}`);
  } else if (rawRules.length === 0) {
    fail(['rules'], "'rules' is empty (NeuronTrace requires at least one rule)");
  } else {
    rawRules.forEach((raw: unknown, index) => {
      const rule = readRule(raw, index, src, fail);
      if (rule !== undefined) rules.push(rule);
    });
  }
  if (problems.length > 0 || name === undefined || description === undefined) {
    return { policy: undefined, problems };
  }
  const ignoredKeys = Object.keys(doc).filter((k) => !TOP_KEYS.includes(k));
  return { policy: { name, description, rules, ignoredKeys }, problems: [] };
}

function readRule(
  raw: unknown,
  index: number,
  src: YamlSource,
  fail: (path: NodePath, message: string) => void,
): NtRule | undefined {
  const at = (key?: string): NodePath => (key === undefined ? ['rules', index] : ['rules', index, key]);
  const label = `rules[${index}]`;
  if (!isMapping(raw)) {
    fail(at(), `${label} must be a mapping (event_type, action, ...), not ${kind(raw)}`);
    return undefined;
  }
  const status = { ok: true };
  const bad = (key: string | undefined, message: string): void => {
    status.ok = false;
    fail(at(key), `${label}${key === undefined ? '' : `.${key}`}: ${message}`);
  };
  for (const key of Object.keys(raw)) {
    if (!RULE_KEYS.includes(key)) {
      bad(
        key,
        `unknown key '${key}' (NeuronTrace ignores it: a misspelt 'path' or 'argv' makes the rule a catch-all there); expected one of: ${RULE_KEYS.join(', ')}`,
      );
    }
  }
  const choice = <T extends string>(key: string, allowed: readonly T[]): T | undefined => {
    const v = raw[key];
    if (v === undefined || v === null) {
      bad(undefined, `'${key}' is missing`);
      return undefined;
    }
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      const shown = typeof v === 'string' ? `'${v}'` : kind(v);
      bad(key, `${shown} is not one of: ${allowed.join(', ')}`);
      return undefined;
    }
    return v as T;
  };
  const eventType = choice('event_type', NT_EVENT_TYPES);
  const action = choice('action', NT_ACTIONS);
  const optionalText = (key: string): string | undefined => {
    const v = raw[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') {
      bad(key, `must be a string, not ${kind(v)}`);
      return undefined;
    }
    return v;
  };
  const path = optionalText('path');
  const argv = optionalText('argv');
  const description = optionalText('description') ?? '';
  let cgroupId = 0;
  const cg = raw.cgroup_id;
  if (cg !== undefined) {
    if (typeof cg !== 'number' || !Number.isInteger(cg) || cg < 0) {
      bad('cgroup_id', `must be a cgroup id (an integer, 0 for all), not ${kind(cg)}`);
    } else {
      cgroupId = cg;
    }
  }
  if (!status.ok || eventType === undefined || action === undefined) return undefined;
  return {
    index,
    eventType,
    action,
    ...(path === undefined ? {} : { path }),
    ...(argv === undefined ? {} : { argv }),
    cgroupId,
    description,
    where: src.at(at()),
    pathWhere: src.at(at('path')),
    argvWhere: src.at(at('argv')),
    cgroupWhere: src.at(at('cgroup_id')),
  };
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string '${v}'`;
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${v}`;
  return typeof v;
}
