// Audit lines for the metrics tests, made by the daemon's own builders (kernel events through
// buildAuditLine, sessions and losses through theirs) or, for the detectors' lines, written out
// and held to the audit schema.
import assert from 'node:assert/strict';
import {
  buildAuditLine,
  lossLine,
  sessionStartLine,
  type Decision,
  type LineContext,
} from '../../../src/sinks/audit-line.js';
import { auditLineErrors, type AuditLine, type AuditLineOf } from '../../../src/sinks/audit-schema.js';
import { execEvent, fileEvent, netEvent } from '../sinks/fixture-events.js';

const clock = { format: () => '2026-12-01T10:00:00.000Z' };
const ctx = (profile: string, id = 'run-1'): LineContext => ({ session: { id, profile }, clock });

const block = (rule: string): Decision => ({
  action: 'BLOCK',
  enforcement: 'inline',
  rule,
  reason: `denied by ${rule}`,
});
const kill = (rule: string): Decision => ({
  action: 'KILL',
  enforcement: 'reactive',
  rule,
  reason: `denied by ${rule}`,
});
const allow: Decision = {
  action: 'ALLOW',
  enforcement: 'inline',
  rule: '/usr/**',
  reason: 'allowed by /usr/**',
};

function checked<L extends AuditLine>(line: L): L {
  assert.equal(auditLineErrors(line), '', JSON.stringify(line));
  return line;
}

/** A credential found in an exec's argv. */
export function secretAlert(
  kind: string,
  severity: AuditLineOf<'alert'>['severity'],
  profile = 'claude-code',
) {
  return checked<AuditLineOf<'alert'>>({
    ts: '2026-12-01T10:00:01.000Z',
    event: 'alert',
    action: 'OBSERVE',
    detector: 'secrets',
    kind,
    severity,
    masked: 'AKIA…WXYZ',
    source: 'argv',
    where: null,
    pid: 4242,
    comm: 'sh',
    detector_rule: '@secretlint/secretlint-rule-aws',
    reason: 'a credential in the argv of pid 4242 (sh)',
    rule: null,
    profile,
    session: 'run-1',
    backend: 'vigil:secrets',
    enforcement: 'none',
    schema_version: 1,
  });
}

/** An npm install; flagged (a typosquat) unless action is ALLOW. */
export function npmInstall(action: 'ALLOW' | 'AUDIT' | 'KILL', severity: AuditLineOf<'install'>['severity']) {
  const flagged = action !== 'ALLOW';
  return checked<AuditLineOf<'install'>>({
    ts: '2026-12-01T10:00:02.000Z',
    event: 'install',
    action,
    pid: 5151,
    comm: 'npm',
    tool: 'npm',
    ecosystem: 'npm',
    subcommand: 'install',
    packages: [
      {
        ecosystem: 'npm',
        name: 'left-pad',
        spec: null,
        source: 'registry',
        raw: 'left-pad',
        severity: 'info',
        reasons: [],
        similar_to: null,
      },
      {
        ecosystem: 'npm',
        name: 'lodahs',
        spec: null,
        source: 'registry',
        raw: 'lodahs',
        severity,
        reasons: flagged ? [{ code: 'typosquat', detail: 'lodahs is one edit from lodash' }] : [],
        similar_to: flagged ? 'lodash' : null,
      },
    ],
    severity,
    risk_reasons: [],
    argv: ['npm', 'install', 'left-pad', 'lodahs'],
    argv_truncated: false,
    reason: flagged ? 'lodahs looks like lodash' : 'nothing flagged',
    rule: flagged ? 'installs' : null,
    profile: 'claude-code',
    session: 'run-1',
    ppid: 5150,
    uid: 1000,
    tid: 5151,
    exe: '/usr/bin/node',
    backend: 'vigil:installs',
    enforcement: action === 'KILL' ? 'reactive' : action === 'AUDIT' ? 'audit' : 'none',
    schema_version: 1,
  });
}

/** A session's worth of lines: what a daemon writes for one `vigil run` of an agent. */
export function aSession(): AuditLine[] {
  const c = ctx('claude-code');
  const lines: AuditLine[] = [
    sessionStartLine(
      { id: 'run-1', profile: 'claude-code' },
      { pid: 100, comm: 'claude' },
      { origin: 'run' },
    ),
    buildAuditLine(execEvent(101, '/usr/bin/git', ['git', 'status']), c),
    buildAuditLine(execEvent(102, '/usr/bin/curl', ['curl', 'evil.example']), c, kill('curl')),
    buildAuditLine(fileEvent(103, '/home/dev/.ssh/id_ed25519', 0, -13), c, block('~/.ssh/**')),
    buildAuditLine(fileEvent(103, '/home/dev/.aws/credentials', 0, -13), c, block('~/.aws/**')),
    buildAuditLine(fileEvent(103, '/usr/lib/libc.so.6', 0, 3), c, allow),
    buildAuditLine(netEvent('net_connect', 104, '203.0.113.7', 443), c, block('0.0.0.0/0')),
    secretAlert('aws_access_key_id', 'high'),
    npmInstall('ALLOW', 'info'),
    npmInstall('AUDIT', 'high'),
  ];
  const loss = lossLine({ ringbufFull: 7n, readFail: 2n, watchFull: 1n, staleEntry: 0n, alertLost: 3n });
  assert.ok(loss !== undefined);
  lines.push(loss);
  for (const l of lines) checked(l);
  return lines;
}

/** A decision of a session with this profile name. */
export function blockedOpen(profile: string, path = '/home/dev/.ssh/id_rsa'): AuditLine {
  return buildAuditLine(fileEvent(200, path, 0, -13), ctx(profile, `run-${profile}`), block('~/.ssh/**'));
}

export function watchStart(): AuditLine {
  return sessionStartLine(
    { id: 'watch-1', profile: 'codex' },
    { pid: 300, comm: 'codex' },
    { origin: 'watch' },
  );
}
