// The user a session's command runs as: --user, else the user who called sudo, else root
// (undefined). Its home is the profile's ${HOME}.
import { UsageError } from '../errors.js';
import { lookupUser, type UserEntry } from '../targeting/launch.js';

export function targetUser(verb: string, flag: string | undefined): UserEntry | undefined {
  const name =
    flag ??
    (process.env.SUDO_UID !== undefined && process.env.SUDO_UID !== '0' ? process.env.SUDO_USER : undefined);
  if (name === undefined) return undefined;
  const user = lookupUser(name);
  if (user === undefined) throw new UsageError(`vigil ${verb}: no such user '${name}'`);
  return user.uid === 0 ? undefined : user;
}
