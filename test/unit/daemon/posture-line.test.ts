// A guard-surface change becomes a posture_change audit line that the published schema accepts,
// with the reasons the rubric gave (from a real scan of a fixture home) and the score's move.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';

import { postureChangeLine } from '../../../src/daemon/posture-line.js';
import { scanPosture } from '../../../src/posture/scan-posture.js';
import { auditLineErrors, validateAuditLine } from '../../../src/sinks/audit-schema.js';
import { repoRoot } from '../../support/paths.js';

const RISKY = join(repoRoot, 'test/fixtures/posture/risky');

test('a posture change is a valid posture_change line: both digests, the score before and after, the reasons that moved', () => {
  const report = scanPosture({
    home: join(RISKY, 'home'),
    project: join(RISKY, 'project'),
    coverage: null,
    etc: null,
  });
  const claude = report.agents.find((a) => a.agent === 'claude-code');
  assert.ok(claude && claude.reasons.length > 0, 'the risky fixture gives Claude Code reasons');
  const added = claude.reasons.slice(0, 2);
  const line = postureChangeLine(
    {
      path: join(RISKY, 'home/.claude/settings.json'),
      agent: 'claude-code',
      change: 'modified',
      before: { blake3: 'a'.repeat(64), size: 10 },
      after: { blake3: 'b'.repeat(64), size: 42 },
      scoreBefore: 20,
      scoreAfter: claude.score,
      reasonsAdded: added,
      reasonsRemoved: [],
      evidence: 'definitive',
    },
    join(RISKY, 'home'),
    new Date('2026-12-06T12:00:00.000Z'),
  );
  assert.ok(validateAuditLine(line), auditLineErrors(line));
  assert.equal(line.session, null);
  assert.equal(line.action, 'OBSERVE');
  assert.deepEqual(
    line.reasons_added.map((r) => r.code),
    added.map((r) => r.code),
  );
  assert.match(line.reason, new RegExp(`posture score ${claude.score} \\(raised by ${claude.score - 20}\\)`));
  assert.match(line.reason, new RegExp(`new: ${added[0]?.code ?? ''}`));
});
