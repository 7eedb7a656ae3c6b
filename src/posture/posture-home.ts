// Whose home a posture is read for: the one given (--home, --user), else the user who called sudo,
// else $HOME. One place for `vigil posture` and the UI's Posture view, so both read the same
// home when started the same way.
import { spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { resolve } from 'node:path';

import { UsageError } from '../errors.js';

export interface HomeChoice {
  /** a user name (or uid): its home from the password database */
  user?: string | undefined;
  /** a home folder */
  home?: string | undefined;
}

/**
 * The home of a user name or uid through NSS (getent), so LDAP users work too; undefined when
 * there is no such user. (targeting/launch.ts's lookupUser does the same, a layer this one may
 * not import.)
 */
function passwdHome(nameOrUid: string): string | undefined {
  const r = spawnSync('getent', ['passwd', nameOrUid], { encoding: 'utf8' });
  const f = r.status === 0 ? r.stdout.trim().split(':') : [];
  return f.length < 7 ? undefined : f[5];
}

/**
 * The home: `choice.home`, the home of `choice.user`, under sudo (SUDO_UID not empty and not 0,
 * SUDO_USER not empty) the sudo caller's, else $HOME. A UsageError for both given or a user
 * that does not exist.
 */
export function postureHome(
  choice: HomeChoice = {},
  env: NodeJS.ProcessEnv = process.env,
  lookupHome: (nameOrUid: string) => string | undefined = passwdHome,
): string {
  if (choice.user !== undefined && choice.home !== undefined)
    throw new UsageError('vigil posture: give --user or --home, not both');
  if (choice.home !== undefined) return resolve(choice.home);
  const sudo = env.SUDO_UID ?? '';
  const name = choice.user ?? (sudo !== '' && sudo !== '0' && env.SUDO_USER ? env.SUDO_USER : undefined);
  if (name !== undefined) {
    const home = lookupHome(name);
    if (home === undefined) throw new UsageError(`vigil posture: no such user '${name}'`);
    return home;
  }
  return env.HOME ?? homedir();
}
