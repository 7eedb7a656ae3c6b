// The built-in profiles shipped in profiles/: list them, find one, load one.
import { builtinProfileDir, builtinProfileFile, builtinProfileNames } from './builtin-dir.js';
import { loadBuiltinFile } from './load-profile.js';
import type { LoadOptions } from './load-profile.js';
import { ProfileError } from './profile-errors.js';
import type { Profile } from './profile-types.js';

export { builtinProfileDir, builtinProfileFile, builtinProfileNames };

export function isBuiltinProfile(name: string): boolean {
  return builtinProfileFile(name) !== undefined;
}

/** Loads a built-in by name; an unknown name is a VIGIL_PROFILE_UNKNOWN_BUILTIN error listing the names. */
export function loadBuiltinProfile(name: string, options: LoadOptions = {}): Profile {
  const file = builtinProfileFile(name);
  if (file === undefined) {
    throw new ProfileError(
      'VIGIL_PROFILE_UNKNOWN_BUILTIN',
      { file: name },
      `unknown built-in profile '${name}'; built-ins are: ${builtinProfileNames().join(', ')}`,
    );
  }
  return loadBuiltinFile(name, file, options);
}
