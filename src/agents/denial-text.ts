// The words an agent reads about the kernel's refusals during its tool call: what was refused,
// by which rule, what already happened, and what to do instead. Plain text for the model, from
// the audit lines themselves (their reason is the kernel's decision explained).
import type { AuditLine } from '../sinks/audit-schema.js';
import type { SessionRef } from '../daemon/agent-feedback.js';

/** Lines shown at most; the rest are counted (the audit log has them all). */
const SHOWN = 12;

/** The `vigil profile explain` arguments that reproduce a line's decision, when there are some. */
function explainArgs(l: AuditLine): string | undefined {
  switch (l.event) {
    case 'file_open': {
      const write = l.flags.some(
        (f) => f === 'O_WRONLY' || f === 'O_RDWR' || f === 'O_CREAT' || f === 'O_TRUNC',
      );
      return `--path ${quote(l.path)}${write ? ' --write' : ''}`;
    }
    case 'exec':
      return `--exec ${quote(l.path)}`;
    case 'net_connect':
    case 'udp_send':
      return `--connect ${l.dest_host ?? (l.family === 'AF_INET6' ? `[${l.dest_ip}]` : l.dest_ip)}:${l.dest_port}${l.event === 'udp_send' ? ' --udp' : ''}`;
    case 'sni_check':
      return l.server_name === null ? undefined : `--connect ${l.server_name}:${l.dest_port}`;
    case 'dns_query':
      return l.name === '' ? undefined : `--connect ${l.name}:443`;
    default:
      return undefined;
  }
}

function quote(s: string): string {
  return /^[\w@%+=:,./~-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function who(l: AuditLine): string {
  if ('comm' in l && typeof l.comm === 'string' && 'pid' in l) return ` (${l.comm}, pid ${String(l.pid)})`;
  return '';
}

/** The profile argument of `vigil profile explain`: the file, or the built-in's name. */
function profileArg(s: SessionRef): string {
  return s.profileSource.startsWith('builtin:')
    ? s.profileSource.slice('builtin:'.length)
    : quote(s.profileSource);
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
    out.push(`The user can see the rule with: vigil profile explain ${profileArg(s)} ${first}`);
  return out.join('\n');
}
