// `vigil posture` as a person and a script run it: the text table, the JSON report, the exit
// code against --fail-above, and bad flags (exit 2). No daemon is asked (a socket path that does
// not exist), so the coverage note says so.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { renderPostureText } from '../../../src/posture/render-posture.js';
import { scanPosture } from '../../../src/posture/scan-posture.js';
import type { PostureReport } from '../../../src/posture/types.js';
import { repoRoot } from '../../support/paths.js';
import { cleanTemps, FIXTURES, NO_COVERAGE, tempDir } from './fixtures.js';

after(cleanTemps);

const main = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

function vigil(...args: string[]) {
  const socket = join(tempDir(), 'no-daemon.sock');
  const r = spawnSync(process.execPath, [main, 'posture', ...args], {
    encoding: 'utf8',
    env: { ...process.env, VIGIL_SOCKET: socket, SUDO_UID: '', SUDO_USER: '' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('vigil posture', () => {
  const careful = join(FIXTURES, 'careful', 'home');
  const risky = join(FIXTURES, 'risky', 'home');

  it('prints the JSON report, and exits by the worst score against --fail-above', () => {
    const project = tempDir();
    const ok = vigil('--home', careful, '--project', project, '--json', '--fail-above', '15');
    assert.equal(ok.code, 0, ok.err);
    const report = JSON.parse(ok.out) as PostureReport;
    assert.equal(report.home, careful);
    assert.equal(report.project, project);
    assert.equal(report.worst, 15, 'only not_confined_by_vigil: no daemon, no unit here');
    assert.match(ok.err, /no vigil daemon answered on .*no-daemon\.sock: no watch rules/);
    const over = vigil('--home', careful, '--project', project, '--json', '--fail-above', '14');
    assert.equal(over.code, 1);
    const risk = vigil('--home', risky, '--project', project, '--fail-above', '99');
    assert.equal(risk.code, 1);
    assert.match(risk.out, /^Claude Code \(claude-code\): score 100\/100, not confined by vigil$/m);
    assert.equal(vigil('--home', risky, '--project', project).code, 0, 'no --fail-above: exit 0');
  });

  it('refuses bad flags with exit 2', () => {
    assert.equal(vigil('--fail-above', 'many').code, 2);
    assert.equal(vigil('--fail-above', '101').code, 2);
    assert.equal(vigil('--user', 'root', '--home', '/tmp').code, 2);
    assert.equal(vigil('--user', 'no-such-user-vigil-posture').code, 2);
    const unknown = vigil('--frobnicate');
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /vigil posture: Unknown option '--frobnicate'/);
  });

  it('renders a table per agent: score, files with state, reasons with points and snippets', () => {
    const report = scanPosture({ home: risky, project: null, etc: null, coverage: NO_COVERAGE });
    const text = renderPostureText(report);
    assert.match(text, /worst score 100\/100/);
    assert.match(text, /^ {4}user {4}settings {4}ok {9}.*\/risky\/home\/\.claude\/settings\.json$/m);
    assert.match(
      text,
      /^ {4}user {4}hook_script missing {4}\/var\/tmp\/vigil-posture-fixture\/notify-done\.sh$/m,
    );
    assert.match(text, /^ {4}\+40 bypass_permissions +permissions\.defaultMode is "bypassPermissions"/m);
    assert.match(text, /^ {8}\| rm -rf "\$CLAUDE_PROJECT_DIR\/build"$/m);
    assert.match(text, /^Cursor \(cursor\): score 45\/100, not confined by vigil$/m);
    const none = renderPostureText(scanPosture({ home: tempDir(), etc: null, coverage: NO_COVERAGE }));
    assert.match(
      none,
      /^Codex \(codex\): not found \(looked for \/.*\/\.codex\/config\.toml, \/.*\/\.codex\/hooks\.json\)$/m,
    );
  });
});
