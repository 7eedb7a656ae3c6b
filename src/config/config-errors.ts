// The configuration file's errors: one message, `file:line:column: key: what is wrong`, so an
// editor or a terminal can jump to it; the hint says how to fix it (the catalogue's, unless the
// case gives its own).
import { VigilError, type ErrorCode } from '../errors.js';

export type ConfigErrorCode = Extract<ErrorCode, `VIGIL_CONFIG_${string}`>;

/** Where in the file a problem is; line and column are 1-based, absent for the file as a whole. */
export interface ConfigLocation {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
}

export class ConfigError extends VigilError {
  declare readonly code: ConfigErrorCode;
  readonly file: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
  /** the message without the location */
  readonly detail: string;

  constructor(
    code: ConfigErrorCode,
    where: ConfigLocation,
    detail: string,
    options: { cause?: unknown; hint?: string | undefined } = {},
  ) {
    super(code, `${formatLocation(where)}: ${detail}`, options);
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
    this.detail = detail;
  }
}

function formatLocation(where: ConfigLocation): string {
  return where.line === undefined ? where.file : `${where.file}:${where.line}:${where.column ?? 1}`;
}
