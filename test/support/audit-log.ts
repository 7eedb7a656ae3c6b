// Audit lines as tests read them: one JSON document per line (docs/audit.md).
import { existsSync, readFileSync } from 'node:fs';

import type { AuditLine } from '../../src/sinks/audit-schema.js';

export function parseAuditLines(text: string): AuditLine[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as AuditLine);
}

/** The lines of an audit log; none when vigil did not create the file. */
export function readAuditLog(file: string): AuditLine[] {
  return existsSync(file) ? parseAuditLines(readFileSync(file, 'utf8')) : [];
}
