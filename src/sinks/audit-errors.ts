// Errors of the audit sinks; their codes, exit codes included, are in the catalogue
// (src/error-codes.ts).
import { VigilError, type ErrorCode, type VigilErrorOptions } from '../errors.js';

export type AuditErrorCode = Extract<ErrorCode, `VIGIL_AUDIT_${string}`>;

export class AuditError extends VigilError {
  declare readonly code: AuditErrorCode;

  constructor(code: AuditErrorCode, message: string, options: VigilErrorOptions = {}) {
    super(code, message, options);
  }
}
