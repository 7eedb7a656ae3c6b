// --profile FILE | --framework NAME -> a loaded profile, with ${HOME} and ${WORKSPACE} filled
// from the user the agent will run as and the current directory. Loaded in the CLI so a broken
// profile is reported with file:line:column before anything reaches the kernel.
import { resolve } from 'node:path';

import { UsageError } from '../errors.js';
import { loadBuiltinProfile } from '../policy/builtin-profiles.js';
import { loadProfileFile } from '../policy/load-profile.js';
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
    const profile = loadProfileFile(file, vars);
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
