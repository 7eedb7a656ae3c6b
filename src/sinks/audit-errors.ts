// Errors of the audit sinks. They join the catalogue in src/errors.ts by code; they live here
// because that file belongs to another module.
import { EXIT_CODES, VigilError, type ExitCode, type VigilErrorOptions } from '../errors.js';

export type AuditErrorCode =
  /** a builder was given a decision that cannot be true (e.g. BLOCK with enforcement 'none') */
  | 'VIGIL_AUDIT_BAD_DECISION'
  /** a built line does not match the audit schema (a bug in vigil) */
  | 'VIGIL_AUDIT_BAD_LINE'
  /** the audit log could not be opened, written, synced or rotated */
  | 'VIGIL_AUDIT_WRITE_FAILED'
  /** a write after close() */
  | 'VIGIL_AUDIT_CLOSED'
  /** a file given to `vigil audit verify` cannot be read */
  | 'VIGIL_AUDIT_UNREADABLE';

/** The CLI's exit code for each error. */
const AUDIT_EXIT_CODES: Record<AuditErrorCode, ExitCode> = {
  VIGIL_AUDIT_BAD_DECISION: EXIT_CODES.failure,
  VIGIL_AUDIT_BAD_LINE: EXIT_CODES.failure,
  VIGIL_AUDIT_WRITE_FAILED: EXIT_CODES.failure,
  VIGIL_AUDIT_CLOSED: EXIT_CODES.failure,
  VIGIL_AUDIT_UNREADABLE: EXIT_CODES.usage,
};

export class AuditError extends VigilError {
  declare readonly code: AuditErrorCode;

  constructor(code: AuditErrorCode, message: string, options: VigilErrorOptions = {}) {
    super(code, message, AUDIT_EXIT_CODES[code], options);
  }
}
