// `${HOME}`, `${WORKSPACE}` and a leading `~` in path and command patterns. Values come from the
// caller (the session's user and working directory), never from vigil's own environment, because
// the daemon runs as root for many sessions at once.
import { escapeGlob } from './glob-parse.js';
import { detailError } from '../errors.js';

/** Values for the variables a profile may use; absolute paths. */
export interface ProfileVariables {
  readonly home?: string;
  readonly workspace?: string;
  /** what `resolvers` in a network rule names (default: the nameservers of /etc/resolv.conf) */
  readonly resolvers?: readonly string[];
}

export const VARIABLE_NAMES = ['HOME', 'WORKSPACE'] as const;

/** Thrown with a message only; the loader adds the rule's position. */
export class VariableError extends detailError('VIGIL_PROFILE_VARIABLE') {
  constructor(message: string) {
    super(message);
    this.name = 'VariableError';
  }
}

/**
 * Expands variables in a pattern. The values are escaped, so glob characters in a home folder's
 * name are matched literally rather than widening the rule.
 */
export function expandVariables(pattern: string, vars: ProfileVariables): string {
  let text = pattern;
  if (text === '~' || text.startsWith('~/')) text = '${HOME}' + text.slice(1);
  else if (text.startsWith('~')) throw new VariableError(`'~user' is not supported; write the absolute path`);
  return text.replace(
    /\$\{([^}]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, braced: string | undefined, bare) => {
      const name = braced ?? (bare as string);
      if (braced === undefined) {
        throw new VariableError(`write variables as \${${name}}, not ${whole}`);
      }
      const value = name === 'HOME' ? vars.home : name === 'WORKSPACE' ? vars.workspace : null;
      if (value === null) {
        throw new VariableError(
          `unknown variable \${${name}}; known: ${VARIABLE_NAMES.map((v) => `\${${v}}`).join(', ')}`,
        );
      }
      if (value === undefined) throw new VariableError(`\${${name}} is used but no value was given for it`);
      if (!value.startsWith('/'))
        throw new VariableError(`\${${name}} must be an absolute path, got '${value}'`);
      // `/home/u/` and `/home/u` are the same folder; a trailing slash must not make `${HOME}` invalid.
      return escapeGlob(value.replace(/(?<=.)\/+$/, ''));
    },
  );
}
