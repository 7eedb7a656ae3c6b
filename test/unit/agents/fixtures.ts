// What the feedback socket says about a session and one of its refusals, shared by the tests of
// the refusal text and of the hooks' answers.
import type { AuditLine } from '../../../src/sinks/audit-schema.js';

export const SESSION = {
  session: 'run-3',
  profile: 'claude-code',
  profileSource: 'builtin:claude-code',
  rootPid: 10,
};

/** The kernel killing `cat ~/.ssh/id_rsa`. */
export const KILL_LINE = {
  ts: '2026-12-06T00:00:00.000Z',
  event: 'file_open',
  action: 'KILL',
  pid: 42,
  comm: 'cat',
  path: '/home/dev/.ssh/id_rsa',
  flags: ['O_RDONLY'],
  reason: "open of ~/.ssh/id_rsa denied by denied_paths[0] '~/.ssh/**'",
} as unknown as AuditLine;
