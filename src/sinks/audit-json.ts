// The JSON text of an audit line, written directly: byte-identical to JSON.stringify(line) for
// every line the builders make (test/unit/sinks/audit-json.test.ts checks it on generated lines
// of every kind), at a fraction of its cost. It is the audit pipeline's largest per-line cost.
//
// How: one writer per event kind emits the schema's keys in the schema's order (audit-schema.ts;
// the builders follow the same order). The writers are generated from the schema
// (audit-json-kinds.ts, by scripts/gen-audit-schema.ts) out of the pieces in audit-json-parts.ts. Strings take a fast path when they need no escaping
// (no control character, quote, backslash or surrogate) and JSON.stringify otherwise. The
// parts that repeat from line to line (the session's profile and id, the process's exe and
// the hook) are kept from the previous line and reused when they are the same.
//
// A value of an unexpected type (a line not made by the builders) makes the whole line go
// through JSON.stringify, so the text stays the same. Keys the schema does not define are not
// written (such a line is not an audit line). The rare kinds (session_start, session_end, loss:
// lines without a kernel thread) always go through JSON.stringify, and so does a line that
// already has the hash chain's keys (one read back from a log): the writer adds them itself,
// after this text (audit-writer.ts).
import { writeByKind } from './audit-json-kinds.js';
import { beginLine, wasOdd } from './audit-json-parts.js';
import type { AuditLine } from './audit-schema.js';

/** The line's JSON text, exactly as JSON.stringify(line) writes it. */
export function auditLineJson(line: AuditLine): string {
  if (line.seq !== undefined || line.prev !== undefined || line.chain_break !== undefined) {
    return JSON.stringify(line);
  }
  beginLine();
  const text = writeByKind(line);
  return text === undefined || wasOdd() ? JSON.stringify(line) : text;
}
