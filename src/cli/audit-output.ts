// Where a verb writes its audit lines: --audit-log FILE (append, rotated, fsync policy in
// docs/audit.md), or stdout when the flag is absent or `-`.
import { resolve } from 'node:path';

import { AuditWriter } from '../sinks/audit-writer.js';

export function openAuditOutput(dest: string | undefined): AuditWriter {
  return dest === undefined || dest === '-' ? new AuditWriter() : new AuditWriter({ path: resolve(dest) });
}
