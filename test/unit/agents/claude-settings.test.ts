// vigil integrate claude-code on settings files written as Claude Code documents them: existing
// hooks and settings kept, idempotent, --remove gives the original back byte for byte (or only
// takes vigil's hooks out when the file changed meanwhile), a broken file left untouched.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { addVigilHooks, isVigilHookCommand, removeVigilHooks } from '../../../src/agents/claude-settings.js';
import { repoRoot } from '../../support/paths.js';

const VIGIL = join(repoRoot, 'dist/src/cli/main.js');
const CMD = '/usr/bin/node /opt/vigil/dist/src/cli/main.js hook claude-code';

/** A settings file with the user's own hooks, in Claude Code's documented shape, oddly indented. */
const ORIGINAL = `{
    "model": "opus",
  "permissions": {"allow": ["Bash(npm test:*)"]},
  "hooks": {
    "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "/usr/local/bin/guard.sh"}]}],
    "Stop": [{"hooks": [{"type": "command", "command": "notify-send done"}]}]
  }
}
`;

function integrate(dir: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [VIGIL, 'integrate', 'claude-code', '--project', dir, ...args], {
    encoding: 'utf8',
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function project(t: { after: (f: () => void) => void }, text?: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-integrate-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const file = join(dir, '.claude', 'settings.json');
  if (text !== undefined) {
    mkdirSync(join(dir, '.claude'));
    writeFileSync(file, text);
  }
  return { dir, file };
}

describe('Claude Code settings', () => {
  it('adds vigil to each event beside the existing groups, once, and removes only its own entries', () => {
    const original = JSON.parse(ORIGINAL) as Record<string, unknown>;
    const added = addVigilHooks(original, CMD);
    assert.deepEqual(addVigilHooks(added, CMD), added, 'idempotent');
    const hooks = added.hooks as Record<string, { matcher?: string; hooks: { command: string }[] }[]>;
    assert.equal(hooks.PreToolUse?.[0]?.hooks[0]?.command, '/usr/local/bin/guard.sh');
    for (const e of ['PreToolUse', 'PostToolUse', 'PostToolUseFailure'])
      assert.equal(hooks[e]?.filter((g) => g.hooks.some((h) => isVigilHookCommand(h.command))).length, 1, e);
    assert.deepEqual(removeVigilHooks(added), original);
    assert.deepEqual(removeVigilHooks({}), {});
    assert.ok(!isVigilHookCommand('/usr/local/bin/guard.sh'));
  });

  it('vigil integrate is idempotent and --remove restores the original byte for byte', (t) => {
    const { dir, file } = project(t, ORIGINAL);
    const first = integrate(dir, '--precheck');
    assert.equal(first.status, 0, first.out);
    const installed = readFileSync(file, 'utf8');
    assert.match(installed, /hook claude-code --precheck/);
    assert.match(installed, /guard\.sh/);
    assert.match(integrate(dir, '--precheck').out, /already installed; nothing changed/);
    assert.equal(readFileSync(file, 'utf8'), installed);
    const removed = integrate(dir, '--remove');
    assert.match(removed.out, /restored as it was/);
    assert.equal(readFileSync(file, 'utf8'), ORIGINAL);
    assert.ok(!existsSync(`${file}.vigil-backup`));
    assert.match(integrate(dir, '--remove').out, /no vigil hook in it/);
  });

  it('a file that did not exist is removed again; a file changed meanwhile keeps the change', (t) => {
    const fresh = project(t);
    assert.equal(integrate(fresh.dir).status, 0);
    assert.ok(existsSync(fresh.file));
    integrate(fresh.dir, '--remove');
    assert.ok(!existsSync(fresh.file));

    const { dir, file } = project(t, ORIGINAL);
    integrate(dir);
    const edited = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...edited, theme: 'dark' }));
    assert.match(integrate(dir, '--remove').out, /removed, the other settings kept/);
    const after = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    assert.equal(after.theme, 'dark');
    assert.deepEqual(after, { ...(JSON.parse(ORIGINAL) as object), theme: 'dark' });
  });

  it('a settings file that is not JSON is left untouched, with a clear error', (t) => {
    const { dir, file } = project(t, '{ "model": "opus", // a comment\n}\n');
    const r = integrate(dir);
    assert.equal(r.status, 4, r.out);
    assert.match(r.out, /is not JSON .*nothing was changed/);
    assert.equal(readFileSync(file, 'utf8'), '{ "model": "opus", // a comment\n}\n');
    assert.ok(!existsSync(`${file}.vigil-backup`));
    assert.equal(integrate(dir, 'extra').status, 2);
  });
});
