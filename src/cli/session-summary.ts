// What `vigil run` says on stderr when its session ends: the denials, each with the kernel's
// word on what happened (the line's reason, which says when the call had already acted), and
// where the whole audit is. The lines are the record; this is a reading aid.
import type { AuditLine } from '../sinks/audit-schema.js';

/** Denials listed one by one; past this, a count. */
const LISTED = 20;

export class SessionSummary {
  readonly #denials: AuditLine[] = [];
  #audited = 0;
  #allowed = 0;
  #more = 0;

  add(line: AuditLine): void {
    if (line.action === 'BLOCK' || line.action === 'KILL') {
      if (this.#denials.length < LISTED) this.#denials.push(line);
      else this.#more++;
    } else if (line.action === 'AUDIT') this.#audited++;
    else if (line.action === 'ALLOW') this.#allowed++;
  }

  /** The summary's lines; `home` is shown as ~. */
  text(session: string, where: string, home: string | undefined): string[] {
    const total = this.#denials.length + this.#more;
    const head = `vigil: ${session} ended: ${total} denied, ${this.#audited} audited, ${this.#allowed} allowed lines (audit log: ${where})`;
    const tilde = (s: string) => (home !== undefined && home !== '/' ? s.split(home).join('~') : s);
    const out = [head];
    // every line starts with `vigil: `, so a reader of the agent's stderr can tell them apart
    for (const l of this.#denials)
      out.push(`vigil:   ${l.action.padEnd(5)} ${l.event.padEnd(13)} ${tilde(l.reason)}`);
    if (this.#more > 0) out.push(`vigil:   ... and ${this.#more} more denials: see the audit log`);
    return out;
  }
}
