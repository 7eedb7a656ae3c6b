// How an audit line is named back to the user: the `vigil profile explain` line that shows the
// rule behind a refusal, and the host:port of a connect. Shared by the words a hook puts in
// front of the model (agents/denial-text.ts) and the session's feedback stream
// (session-feedback-record.ts), so both point at the same command.
import type { AuditLine, AuditLineOf } from '../sinks/audit-schema.js';

/** `host:port` of a connect or UDP send: the name DNS gave it when known, IPv6 in brackets. */
export function hostPort(l: AuditLineOf<'net_connect'> | AuditLineOf<'udp_send'>): string {
  return `${l.dest_host ?? (l.family === 'AF_INET6' ? `[${l.dest_ip}]` : l.dest_ip)}:${l.dest_port}`;
}

/** The `vigil profile explain` arguments that reproduce a line's decision, when there are some. */
export function explainArgs(l: AuditLine): string | undefined {
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
      return `--connect ${hostPort(l)}${l.event === 'udp_send' ? ' --udp' : ''}`;
    case 'sni_check':
      return l.server_name === null ? undefined : `--connect ${l.server_name}:${l.dest_port}`;
    case 'dns_query':
      return l.name === '' ? undefined : `--connect ${l.name}:443`;
    default:
      return undefined;
  }
}

/** A word for the shell as it is when it needs no quotes, else in single quotes. */
export function quote(s: string): string {
  return /^[\w@%+=:,./~-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The profile argument of `vigil profile explain`: the file, or the built-in's name. */
export function profileArg(profileSource: string): string {
  return profileSource.startsWith('builtin:') ? profileSource.slice('builtin:'.length) : quote(profileSource);
}
