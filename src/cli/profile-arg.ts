// --profile FILE | --framework NAME -> a loaded profile, with ${HOME} and ${WORKSPACE} filled
// from the user the agent will run as and the current directory. Loaded in the CLI so a broken
// profile is reported with file:line:column before anything reaches the kernel. A NeuronTrace
// policy given as FILE is imported in memory (or refused with the rules it cannot keep).
import { resolve } from 'node:path';

import { UsageError } from '../errors.js';
import { loadBuiltinProfile } from '../policy/builtin-profiles.js';
import { loadAnyProfileFile, type LoadedProfileFile } from '../policy/load-any-profile.js';
import type { ProfileRef } from '../daemon/control-protocol.js';

export interface ProfileArgs {
  profile?: string | undefined;
  framework?: string | undefined;
}

export function resolveProfile(
  verb: string,
  args: ProfileArgs,
  vars: { home: string; workspace: string },
  fallback?: string,
): ProfileRef {
  if (args.profile !== undefined && args.framework !== undefined) {
    throw new UsageError(`vigil ${verb}: give --profile FILE or --framework NAME, not both`);
  }
  if (args.profile !== undefined) {
    const file = resolve(args.profile);
    const loaded = loadAnyProfileFile(file, vars);
    noticeImport(args.profile, loaded);
    const profile = loaded.profile;
    for (const n of profile.notices) console.error(`vigil: ${n}`);
    return { name: profile.name, source: file, vars, profile };
  }
  const name = args.framework ?? fallback;
  if (name === undefined) {
    throw new UsageError(`vigil ${verb}: give --framework NAME or --profile FILE`, {
      hint: 'built-in profiles: `vigil profile list`',
    });
  }
  const profile = loadBuiltinProfile(name, vars);
  return { name: profile.name, source: `builtin:${name}`, vars, profile };
}

/** One line on stderr when the file was not a vigil profile but a policy imported in memory. */
export function noticeImport(given: string, loaded: LoadedProfileFile): void {
  if (loaded.importedFrom !== 'neurontrace') return;
  console.error(
    `vigil: ${given} is a NeuronTrace policy; imported as vigil profile '${loaded.profile.name}' (vigil profile import --from neurontrace ${given} shows it)`,
  );
}
