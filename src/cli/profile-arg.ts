// --profile FILE | --framework NAME -> a loaded profile, with ${HOME} and ${WORKSPACE} filled
// from the user the agent will run as and the current directory. A running daemon loads it (the
// client then imports no YAML parser or schema: a fast start); with none running it is loaded
// here before one is started, so a broken profile is reported with file:line:column before
// anything reaches the kernel. A NeuronTrace policy given as FILE is imported in memory.
import { resolve } from 'node:path';

import { UsageError } from '../errors.js';
import type { DaemonHandle } from '../daemon/control-client.js';
import type { ProfileRef } from '../daemon/control-protocol.js';
import type { LoadedSource } from '../policy/load-source.js';

export interface ProfileArgs {
  profile?: string | undefined;
  framework?: string | undefined;
}

/** Which profile the flags name, not yet loaded. */
export interface ProfileChoice {
  /** `builtin:NAME` or an absolute file path (the daemon's ProfileRef.source) */
  source: string;
  /** as the user wrote it (messages) */
  given: string;
  vars: { home: string; workspace: string };
}

export function profileChoice(
  verb: string,
  args: ProfileArgs,
  vars: { home: string; workspace: string },
  fallback?: string,
): ProfileChoice {
  if (args.profile !== undefined && args.framework !== undefined) {
    throw new UsageError(`vigil ${verb}: give --profile FILE or --framework NAME, not both`);
  }
  if (args.profile !== undefined) return { source: resolve(args.profile), given: args.profile, vars };
  const name = args.framework ?? fallback;
  if (name === undefined) {
    throw new UsageError(`vigil ${verb}: give --framework NAME or --profile FILE`, {
      hint: 'built-in profiles: `vigil profile list`',
    });
  }
  return { source: `builtin:${name}`, given: name, vars };
}

/** Loads the choice in `daemon` when given, else in this process; says what it noticed on stderr. */
export async function loadChoice(choice: ProfileChoice, daemon?: DaemonHandle): Promise<ProfileRef> {
  const loaded: LoadedSource =
    daemon === undefined
      ? (await import('../policy/load-source.js')).loadProfileSource(choice.source, choice.vars)
      : await daemon.loadProfile(choice.source, choice.vars);
  if (loaded.importedFrom === 'neurontrace') noticeImport(choice.given, loaded.profile.name);
  for (const n of loaded.profile.notices) console.error(`vigil: ${n}`);
  return { name: loaded.profile.name, source: choice.source, vars: choice.vars, profile: loaded.profile };
}

/** One line on stderr when the file was not a vigil profile but a policy imported in memory. */
export function noticeImport(given: string, name: string): void {
  console.error(
    `vigil: ${given} is a NeuronTrace policy; imported as vigil profile '${name}' (vigil profile import --from neurontrace ${given} shows it)`,
  );
}

/**
 * Connects to the daemon (starting one if none runs) and loads the chosen profile: in the
 * daemon when one was running, else here first, so a broken profile starts no daemon.
 */
export async function connectWithProfile(
  choice: ProfileChoice,
  connect: (beforeStart: () => Promise<void>) => Promise<DaemonHandle>,
): Promise<{ daemon: DaemonHandle; profile: ProfileRef }> {
  let local: ProfileRef | undefined;
  const daemon = await connect(async () => {
    local = await loadChoice(choice);
  });
  if (local !== undefined) return { daemon, profile: local };
  try {
    return { daemon, profile: await loadChoice(choice, daemon) };
  } catch (err) {
    await daemon.close();
    throw err;
  }
}
