// A profile the kernel tables cannot hold: too many states, classes, port segments or rules.
// Same shape as ProfileError (file:line:column: message, config exit code) so callers treat both
// alike; a separate class because VIGIL_PROFILE_TOO_BIG is the table compiler's own code.
import { VigilError, type ErrorCode } from '../errors.js';
import { formatLocation } from './profile-errors.js';
import type { RuleOrigin } from './profile-types.js';

export type CompileErrorCode = Extract<ErrorCode, 'VIGIL_PROFILE_TOO_BIG' | 'VIGIL_PROFILE_PATTERN'>;

export class ProfileCompileError extends VigilError {
  declare readonly code: CompileErrorCode;
  readonly file: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly detail: string;

  constructor(code: CompileErrorCode, origin: Pick<RuleOrigin, 'file' | 'line' | 'column'>, detail: string) {
    const where =
      origin.line === undefined
        ? { file: origin.file }
        : {
            file: origin.file,
            line: origin.line,
            ...(origin.column === undefined ? {} : { column: origin.column }),
          };
    super(code, `${formatLocation(where)}: ${detail}`);
    this.file = origin.file;
    this.line = origin.line;
    this.column = origin.column;
    this.detail = detail;
  }
}
