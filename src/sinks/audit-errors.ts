// Errors of the audit sinks. They join the catalogue in src/errors.ts by code; they live here
// because that file belongs to another module.
import { EXIT_CODES, VigilError, type VigilErrorOptions } from '../errors.js';

export type AuditErrorCode =
  /** a builder was given a decision that cannot be true (e.g. BLOCK with enforcement 'none') */
  | 'VIGIL_AUDIT_BAD_DECISION'
  /** a built line does not match the audit schema (a bug in vigil) */
  | 'VIGIL_AUDIT_BAD_LINE'
  /** the audit log could not be opened, written, synced or rotated */
  | 'VIGIL_AUDIT_WRITE_FAILED'
  /** a write after close() */
  | 'VIGIL_AUDIT_CLOSED';

export class AuditError extends VigilError {
  declare readonly code: AuditErrorCode;

  constructor(code: AuditErrorCode, message: string, options: VigilErrorOptions = {}) {
    super(code, message, EXIT_CODES.failure, options);
  }
}
