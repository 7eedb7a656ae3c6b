// Secrets in vigil.yaml (a bearer token in headers, a token in a URL) are safe only in a file that
// no one but root can read. vigil warns rather than refuses: the daemon keeps exporting, and the
// warning says the command that fixes it.
import type { Stats } from 'node:fs';
import type { VigilConfig } from './config-types.js';

/** Where the configuration holds what is probably a secret, e.g. "exporter 'siem': headers". */
export function secretHolders(config: VigilConfig): string[] {
  const found: string[] = [];
  for (const e of config.exporters) {
    if (e.type === 'syslog') continue;
    if (Object.keys(e.headers).length > 0) found.push(`exporter '${e.name}': headers`);
    const url = new URL(e.url);
    if (url.username !== '' || url.password !== '' || url.search !== '')
      found.push(`exporter '${e.name}': url`);
  }
  return found;
}

/** Why users other than root can read the file, or undefined when they cannot. */
export function readableByOthers(st: Pick<Stats, 'uid' | 'gid' | 'mode'>): string | undefined {
  const mode = `mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}`;
  if (st.uid !== 0) return `its owner is uid ${st.uid}`;
  if ((st.mode & 0o004) !== 0) return `${mode}: every user can read it`;
  if ((st.mode & 0o040) !== 0 && st.gid !== 0) return `${mode}: group ${st.gid} can read it`;
  return undefined;
}

/** The warning for a file that holds secrets and others can read; undefined when there is none. */
export function exposureWarning(
  file: string,
  config: VigilConfig,
  st: Pick<Stats, 'uid' | 'gid' | 'mode'>,
): string | undefined {
  const holders = secretHolders(config);
  const why = holders.length === 0 ? undefined : readableByOthers(st);
  if (why === undefined) return undefined;
  return `${file} holds secrets (${holders.join('; ')}) and users other than root can read it (${why}): chown root:root ${file} && chmod 600 ${file}`;
}
