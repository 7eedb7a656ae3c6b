// Coded errors for the policy layer, part of the project's error catalogue (src/errors.ts):
// a bad profile exits with the `config` exit code.
import { EXIT_CODES, VigilError } from '../errors.js';

export { VigilError };

export type ProfileErrorCode =
  | 'VIGIL_PROFILE_READ' // the file could not be read
  | 'VIGIL_PROFILE_YAML' // not well-formed YAML
  | 'VIGIL_PROFILE_INVALID' // unknown key, wrong type, missing key, bad value
  | 'VIGIL_PROFILE_PATTERN' // a path or command pattern the matcher cannot enforce
  | 'VIGIL_PROFILE_NETWORK' // an invalid CIDR, port or protocol
  | 'VIGIL_PROFILE_VARIABLE' // ${NAME} unknown, or not given by the caller
  | 'VIGIL_PROFILE_UNKNOWN_BUILTIN' // `extends:` or a by-name load names no built-in
  | 'VIGIL_PROFILE_EXTENDS'; // an `extends` cycle

/** Where in a profile source a problem is; line and column are 1-based. */
export interface SourceLocation {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
}

/** One clear message, prefixed `file:line:column:` so editors and terminals can jump to it. */
export class ProfileError extends VigilError {
  declare readonly code: ProfileErrorCode;
  readonly file: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
  /** The message without the location prefix. */
  readonly detail: string;

  constructor(code: ProfileErrorCode, where: SourceLocation, detail: string, options?: { cause?: unknown }) {
    super(code, `${formatLocation(where)}: ${detail}`, EXIT_CODES.config, options);
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
    this.detail = detail;
  }
}

export function formatLocation(where: SourceLocation): string {
  if (where.line === undefined) return where.file;
  return `${where.file}:${where.line}:${where.column ?? 1}`;
}
