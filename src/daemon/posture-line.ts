// A posture_change audit line from a change the posture watcher saw (src/posture): the one place
// where a guard-surface change becomes a line, for `vigil posture --watch` and the daemon alike.
import type { PostureChange } from '../posture/posture-watch.js';
import type { PostureReason } from '../posture/types.js';
import { AUDIT_SCHEMA_VERSION, type AuditLineOf } from '../sinks/audit-schema.js';

type ReasonRef = AuditLineOf<'posture_change'>['reasons_added'][number];

export function postureChangeLine(
  c: PostureChange,
  home: string,
  at = new Date(),
): AuditLineOf<'posture_change'> {
  const delta = c.scoreAfter - c.scoreBefore;
  const moved = delta === 0 ? 'unchanged' : delta > 0 ? `raised by ${delta}` : `lowered by ${-delta}`;
  const added = c.reasonsAdded.map((r) => r.code);
  const removed = c.reasonsRemoved.map((r) => r.code);
  const why = [
    added.length === 0 ? '' : `new: ${added.join(', ')}`,
    removed.length === 0 ? '' : `gone: ${removed.join(', ')}`,
  ]
    .filter((x) => x !== '')
    .join('; ');
  return {
    ts: at.toISOString(),
    event: 'posture_change',
    action: 'OBSERVE',
    agent: c.agent,
    path: c.path,
    change: c.change,
    before: c.before,
    after: c.after,
    score: c.scoreAfter,
    score_before: c.scoreBefore,
    reasons_added: c.reasonsAdded.map(reasonRef),
    reasons_removed: c.reasonsRemoved.map(reasonRef),
    evidence: c.evidence,
    home,
    reason: `${c.agent}: ${c.path} ${c.change}; posture score ${c.scoreAfter} (${moved})${why === '' ? '' : `; ${why}`}`,
    rule: null,
    profile: null,
    session: null,
    backend: 'vigil:posture',
    enforcement: 'none',
    schema_version: AUDIT_SCHEMA_VERSION,
  };
}

function reasonRef(r: PostureReason): ReasonRef {
  return { code: r.code, points: r.points, file: r.file, detail: r.detail, snippet: r.snippet };
}
