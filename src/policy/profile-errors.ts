// Coded errors for the policy layer; their codes are in the catalogue (src/error-codes.ts),
// where a bad profile has the `config` exit code.
import { VigilError, type ErrorCode } from '../errors.js';

export { VigilError };

/** The profile loader's codes (the table compiler's own is VIGIL_PROFILE_TOO_BIG). */
export type ProfileErrorCode = Exclude<
  Extract<ErrorCode, `VIGIL_PROFILE_${string}`>,
  'VIGIL_PROFILE_TOO_BIG'
>;

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
    super(code, `${formatLocation(where)}: ${detail}`, options);
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
