// Loads a profile: YAML with positions -> schema check -> typed rules -> `extends` merged -> ids.
// Any problem is one ProfileError with file:line:column; nothing is half-loaded.
import { readFileSync } from 'node:fs';
import { builtinProfileDir, builtinProfileFile, builtinProfileNames } from './builtin-dir.js';
import { buildLayer } from './build-rules.js';
import type { ProfileLayer } from './build-rules.js';
import type { ProfileVariables } from './expand-vars.js';
import { ProfileError } from './profile-errors.js';
import type { Profile, RuleListName } from './profile-types.js';
import { validateDocument } from './validate-document.js';
import { parseYamlSource } from './yaml-source.js';

/** An address learned for an allowed host stays allowed at least this long (s) unless `dns.min_ttl` says. */
export const DEFAULT_MIN_TTL_S = 60;

/** What the caller knows about the session: `home` and `workspace` fill ${HOME} and ${WORKSPACE}. */
export interface LoadOptions extends ProfileVariables {
  /** Where `extends:` looks for built-ins; the shipped profiles/ folder unless given (tests). */
  readonly builtinDir?: string;
}

/** Reads and loads a profile file. */
export function loadProfileFile(file: string, options: LoadOptions = {}): Profile {
  return load(readProfileFile(file), file, options, []);
}

/** Loads a built-in's file, remembering it is one so an `extends` loop back to it is caught. */
export function loadBuiltinFile(name: string, file: string, options: LoadOptions = {}): Profile {
  return load(readProfileFile(file), file, options, [name]);
}

/** Loads a profile from text; `file` is used in messages and rule origins. */
export function loadProfileText(text: string, file: string, options: LoadOptions = {}): Profile {
  return load(text, file, options, []);
}

function readProfileFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new ProfileError('VIGIL_PROFILE_READ', { file }, `cannot read profile: ${reason}`, { cause: e });
  }
}

/** `chain` holds the built-ins being loaded, outermost first, to detect `extends` loops. */
function load(text: string, file: string, options: LoadOptions, chain: readonly string[]): Profile {
  const src = parseYamlSource(text, file);
  const doc = validateDocument(src);
  const layer = buildLayer(doc, src, options);
  if (layer.extendsName === undefined) return merge(undefined, layer);
  const baseName = layer.extendsName;
  const dir = options.builtinDir ?? builtinProfileDir();
  const baseFile = builtinProfileFile(baseName, dir);
  if (baseFile === undefined) {
    throw new ProfileError(
      'VIGIL_PROFILE_UNKNOWN_BUILTIN',
      src.at(['extends']),
      `unknown built-in profile '${baseName}'; built-ins are: ${builtinProfileNames(dir).join(', ')}`,
    );
  }
  if (chain.includes(baseName)) {
    throw new ProfileError(
      'VIGIL_PROFILE_EXTENDS',
      src.at(['extends']),
      `'extends: ${baseName}' makes a loop: ${[...chain, baseName].join(' -> ')}`,
    );
  }
  const base = load(readProfileFile(baseFile), baseFile, options, [...chain, baseName]);
  return merge(base, layer);
}

/**
 * Merge semantics for `extends` (docs/profiles.md): scalar settings of the extending profile win,
 * the rest are inherited (name, version and description are never inherited); rule lists are the
 * base's rules followed by the profile's own. A profile can add rules but never remove one, so a
 * base's denials always hold (denied is checked before allowed).
 */
function merge(base: Profile | undefined, layer: ProfileLayer): Profile {
  const number = <R extends { list: RuleListName }>(rules: readonly R[]) =>
    rules.map((r, index) => ({ ...r, index, id: `${r.list}[${index}]` }));
  const both = <R extends { list: RuleListName }>(inherited: readonly R[] | undefined, own: readonly R[]) =>
    number([...(inherited ?? []), ...own]);
  return {
    name: layer.name,
    ...(layer.version === undefined ? {} : { version: layer.version }),
    ...(layer.description === undefined ? {} : { description: layer.description }),
    file: layer.file,
    extends: base === undefined ? [] : [base.name, ...base.extends],
    entryComm: layer.entryComm ?? base?.entryComm ?? [],
    mode: layer.mode ?? base?.mode ?? 'enforce',
    rawSockets: layer.rawSockets ?? base?.rawSockets ?? 'deny',
    failClosed: layer.failClosed ?? base?.failClosed ?? 'deny',
    defaults: {
      // Fail closed: a kind nobody set is denied.
      paths: layer.defaults.paths ?? base?.defaults.paths ?? 'deny',
      networks: layer.defaults.networks ?? base?.defaults.networks ?? 'deny',
      commands: layer.defaults.commands ?? base?.defaults.commands ?? 'deny',
      // unlink and rename follow the paths default unless a layer names them
      unlinks: layer.defaults.unlinks ?? layer.defaults.paths ?? base?.defaults.unlinks ?? 'deny',
      renames: layer.defaults.renames ?? layer.defaults.paths ?? base?.defaults.renames ?? 'deny',
    },
    ptrace: layer.ptrace ?? base?.ptrace ?? { action: 'allow', targets: 'outside' },
    signals: layer.signals ?? base?.signals ?? { action: 'allow', targets: 'outside' },
    execMemory: layer.execMemory ?? base?.execMemory ?? 'allow',
    installs: layer.installs ?? base?.installs ?? 'audit',
    notices: [...(base?.notices ?? []), ...layer.notices],
    paths: {
      denied: both(base?.paths.denied, layer.paths.denied),
      allowed: both(base?.paths.allowed, layer.paths.allowed),
    },
    networks: {
      denied: both(base?.networks.denied, layer.networks.denied),
      allowed: both(base?.networks.allowed, layer.networks.allowed),
    },
    commands: {
      denied: both(base?.commands.denied, layer.commands.denied),
      allowed: both(base?.commands.allowed, layer.commands.allowed),
    },
    hosts: {
      denied: both(base?.hosts.denied, layer.hosts.denied),
      allowed: both(base?.hosts.allowed, layer.hosts.allowed),
    },
    dns: {
      resolvers: layer.dns?.resolvers ?? base?.dns.resolvers ?? null,
      minTtlS: layer.dns?.minTtlS ?? base?.dns.minTtlS ?? DEFAULT_MIN_TTL_S,
      verifySni: layer.dns?.verifySni ?? base?.dns.verifySni ?? false,
    },
  };
}
