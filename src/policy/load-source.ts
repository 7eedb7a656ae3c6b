// A profile by where it comes from (`builtin:NAME` or a file path) and the variables it is
// loaded with: the one loader behind the CLI verbs, the daemon's `profile.load` and reloads.
import { loadBuiltinProfile } from './builtin-profiles.js';
import { loadAnyProfileFile } from './load-any-profile.js';
import type { Profile } from './profile-types.js';

export const BUILTIN_PREFIX = 'builtin:';

export interface LoadedSource {
  readonly profile: Profile;
  /** set when the file was a NeuronTrace policy imported in memory */
  readonly importedFrom?: 'neurontrace';
}

/** Loads `source`; a broken profile is a ProfileError with file:line:column. */
export function loadProfileSource(source: string, vars: { home: string; workspace: string }): LoadedSource {
  if (source.startsWith(BUILTIN_PREFIX)) {
    return { profile: loadBuiltinProfile(source.slice(BUILTIN_PREFIX.length), vars) };
  }
  const loaded = loadAnyProfileFile(source, vars);
  return loaded.importedFrom === undefined
    ? { profile: loaded.profile }
    : { profile: loaded.profile, importedFrom: loaded.importedFrom };
}
