// Where a verb writes its audit lines: --audit-log FILE (append, rotated, fsync policy in
// docs/audit.md), or stdout when the flag is absent or `-`. `vigil run` writes to a file of its
// own by default (openSessionOutput), so the lines never mix with the agent's output.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { daemonLogDir } from '../daemon/daemon-spawn.js';
import { AuditWriter } from '../sinks/audit-writer.js';

export function openAuditOutput(dest: string | undefined): AuditWriter {
  return dest === undefined || dest === '-' ? new AuditWriter() : new AuditWriter({ path: resolve(dest) });
}

export interface SessionOutput {
  writer: AuditWriter;
  /** the file written (undefined: stdout) */
  path: string | undefined;
}

/**
 * `vigil run`'s output: --audit-log FILE or `-` (stdout), else a new file under
 * <log dir>/sessions/ (root-only), named on stderr before the session starts.
 */
export function openSessionOutput(dest: string | undefined): SessionOutput {
  if (dest !== undefined) {
    return { writer: openAuditOutput(dest), path: dest === '-' ? undefined : resolve(dest) };
  }
  const dir = join(daemonLogDir(), 'sessions');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const path = join(dir, `run-${stamp}-${process.pid}.jsonl`);
  const writer = new AuditWriter({ path });
  console.error(`vigil: audit log: ${path} (--audit-log - writes it to stdout)`);
  return { writer, path };
}
