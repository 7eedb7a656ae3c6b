// vigil's coverage from systemd units: ExecStart lines that run `vigil watch --framework X`,
// `--profile FILE` (its entry_comm) or `vigil run -- CMD` cover agents; the shipped unit, which
// runs only the daemon, covers none.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { confinement } from '../../../src/posture/coverage.js';
import { execCovers, systemdCoverage } from '../../../src/posture/systemd-units.js';
import { repoRoot } from '../../support/paths.js';
import { cleanTemps, tempDir } from './fixtures.js';

after(cleanTemps);

describe('systemd units', () => {
  it('reads what an ExecStart covers', () => {
    assert.deepEqual(execCovers('/usr/local/bin/vigil watch --framework claude-code'), ['claude-code']);
    assert.deepEqual(execCovers('/usr/local/bin/vigil watch --framework=gemini-cli --audit-only'), [
      'gemini-cli',
    ]);
    assert.deepEqual(execCovers('/usr/bin/node /opt/vigil/dist/src/cli/main.js watch --framework codex'), [
      'codex',
    ]);
    assert.deepEqual(
      execCovers('vigil watch --profile /etc/vigil/mine.yaml', (f) =>
        f === '/etc/vigil/mine.yaml' ? ['cursor-agent'] : [],
      ),
      ['cursor-agent'],
    );
    assert.deepEqual(execCovers('vigil run --framework claude-code -- claude -p "fix it"'), [
      'claude-code',
      'claude',
    ]);
    assert.deepEqual(execCovers('/usr/local/bin/vigil daemon --audit-log /var/log/vigil/audit.jsonl'), null);
    assert.equal(execCovers('/usr/bin/watch --framework x'), null);
  });

  it('lists the units that run vigil for an agent, and the shipped unit covers nothing', () => {
    const dir = tempDir();
    const profile = join(dir, 'cursor.yaml');
    writeFileSync(profile, 'name: cursor\nentry_comm:\n  - cursor-agent\n');
    const etc = join(dir, 'etc');
    mkdirSync(etc);
    writeFileSync(
      join(etc, 'vigil-claude.service'),
      '[Unit]\nDescription=x\n\n[Service]\nExecStartPre=/bin/true\nExecStart=-/usr/local/bin/vigil watch \\\n  --framework claude-code\n',
    );
    writeFileSync(
      join(etc, 'vigil-cursor.service'),
      `[Service]\nExecStart=/usr/local/bin/vigil watch --profile ${profile}\n`,
    );
    writeFileSync(join(etc, 'nginx.service'), '[Service]\nExecStart=/usr/sbin/nginx -g "daemon off;"\n');
    writeFileSync(
      join(etc, 'vigil.service'),
      readFileSync(join(repoRoot, 'systemd', 'vigil.service'), 'utf8'),
    );
    const units = systemdCoverage([
      { dir: etc, match: /\.service$/ },
      { dir: join(dir, 'absent'), match: /x/ },
    ]);
    assert.deepEqual(units, [
      { path: join(etc, 'vigil-claude.service'), covers: ['claude-code'] },
      { path: join(etc, 'vigil-cursor.service'), covers: ['cursor-agent'] },
    ]);
    const coverage = { watchRules: ['gemini'], systemdUnits: units };
    assert.deepEqual(confinement('claude-code', coverage), {
      covered: true,
      how: `systemd unit ${join(etc, 'vigil-claude.service')} (claude-code)`,
    });
    assert.equal(confinement('cursor', coverage).covered, true);
    assert.deepEqual(confinement('gemini-cli', coverage), {
      covered: true,
      how: "the running daemon's watch rule for 'gemini'",
    });
    assert.deepEqual(confinement('codex', coverage), { covered: false, how: null });
  });
});
