// The words an agent reads about the kernel's refusals during its tool call: what was refused,
// by which rule, what already happened, and what to do instead. Plain text for the model, from
// the audit lines themselves (their reason is the kernel's decision explained).
import type { AuditLine } from '../sinks/audit-schema.js';
import type { SessionRef } from '../daemon/agent-feedback.js';
import { explainArgs, profileArg } from '../daemon/feedback-explain.js';

/** Lines shown at most; the rest are counted (the audit log has them all). */
const SHOWN = 12;

function who(l: AuditLine): string {
  if ('comm' in l && typeof l.comm === 'string' && 'pid' in l) return ` (${l.comm}, pid ${String(l.pid)})`;
  return '';
}

/** Text for the agent about `lines`, the refusals of one tool call (empty: none). */
export function denialText(s: SessionRef, lines: readonly AuditLine[]): string {
  if (lines.length === 0) return '';
  const out = [
    `vigil (the user's kernel-enforced security policy, profile '${s.profile}', session ${s.session}) refused ${lines.length} action(s) during this tool call:`,
  ];
  for (const l of lines.slice(0, SHOWN)) out.push(`- ${l.action} ${l.event}${who(l)}: ${l.reason}`);
  if (lines.length > SHOWN)
    out.push(`- and ${lines.length - SHOWN} more (the session's audit log has every one)`);
  const killed = lines.some((l) => l.action === 'KILL');
  out.push(
    '',
    `These are refusals by policy, not transient errors${killed ? ' (a KILL ended the process that tried)' : ''}: do not retry them or look for another way to reach the same file, program or host. If the task needs it, tell the user what was refused and ask them to change their vigil profile.`,
  );
  const first = lines.map(explainArgs).find((a) => a !== undefined);
  if (first !== undefined)
    out.push(`The user can see the rule with: vigil profile explain ${profileArg(s.profileSource)} ${first}`);
  return out.join('\n');
}
