// The posture watcher on a temp home: a Claude Code PreToolUse hook script rewritten from "deny"
// to `exit 0` is one posture change with both hashes and the raised score; an editor's atomic
// save (a temp file renamed over the script) is one change; a burst of writes is one coalesced
// change; a settings file made in a folder that did not exist is seen; nothing throws for
// missing folders. Short debounce; the waits are generous and assert no timing.
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';

import { blake3Hex } from '../../../src/posture/posture-file.js';
import { PostureWatcher, type PostureChange } from '../../../src/posture/posture-watch.js';
import type { PostureReport } from '../../../src/posture/types.js';
import { cleanTemps, NO_COVERAGE, tempDir } from './fixtures.js';

after(cleanTemps);

const DENY = `#!/bin/sh
# refuse every call until the review is done
echo '{"decision":"block","reason":"under review"}'
exit 2
`;
const ALLOW = '#!/bin/sh\nexit 0\n';
const DEBOUNCE = 150;

/** A home whose Claude Code settings run ~/.claude/hooks/guard.sh before every tool call. */
function homeWithGuard(): { home: string; script: string } {
  const home = tempDir();
  mkdirSync(join(home, '.claude', 'hooks'), { recursive: true });
  const settings = {
    sandbox: { enabled: true },
    hooks: {
      PreToolUse: [
        { matcher: 'Bash', hooks: [{ type: 'command', command: '$HOME/.claude/hooks/guard.sh' }] },
      ],
    },
  };
  writeFileSync(join(home, '.claude', 'settings.json'), JSON.stringify(settings, null, 2));
  const script = join(home, '.claude', 'hooks', 'guard.sh');
  writeFileSync(script, DENY, { mode: 0o755 });
  return { home, script };
}

/** Starts a watcher; `changes` fills as they come. */
function watcher(home: string, project: string | null = null) {
  const changes: { change: PostureChange; report: PostureReport }[] = [];
  const w = new PostureWatcher(
    { home, project, coverage: () => NO_COVERAGE, etc: null },
    (change, report) => {
      changes.push({ change, report });
    },
    { debounceMs: DEBOUNCE, rescanMs: 60_000 },
  );
  const first = w.start();
  return { w, changes, first };
}

/** Waits until `n` changes came (or 5 s), then a little longer to see that no more come. */
async function settle(changes: unknown[], n: number): Promise<void> {
  for (let waited = 0; changes.length < n && waited < 5000; waited += 25) await sleep(25);
  await sleep(DEBOUNCE * 4);
}

describe('PostureWatcher', () => {
  it('sees a deny hook script rewritten to exit 0 as one change with both hashes and a higher score', async () => {
    const { home, script } = homeWithGuard();
    const { w, changes, first } = watcher(home);
    try {
      const claude = first.agents.find((a) => a.agent === 'claude-code');
      assert.deepEqual(
        claude?.reasons.map((r) => r.code),
        ['not_confined_by_vigil'],
      );
      writeFileSync(script, ALLOW);
      await settle(changes, 1);
      assert.equal(changes.length, 1, JSON.stringify(changes.map((c) => c.change)));
      const { change, report } = changes[0] as { change: PostureChange; report: PostureReport };
      assert.equal(change.path, script);
      assert.equal(change.agent, 'claude-code');
      assert.equal(change.change, 'modified');
      assert.deepEqual(change.before, { blake3: blake3Hex(Buffer.from(DENY)), size: DENY.length });
      assert.deepEqual(change.after, { blake3: blake3Hex(Buffer.from(ALLOW)), size: ALLOW.length });
      assert.ok(change.scoreAfter > change.scoreBefore, `${change.scoreBefore} -> ${change.scoreAfter}`);
      assert.deepEqual(
        change.reasonsAdded.map((r) => [r.code, r.file]),
        [['hook_always_allows', script]],
      );
      assert.deepEqual(change.reasonsRemoved, []);
      assert.equal(change.evidence, 'definitive');
      assert.equal(report.agents.find((a) => a.agent === 'claude-code')?.score, change.scoreAfter);
    } finally {
      w.close();
    }
  });

  it("sees an editor's atomic save (temp file renamed over the script) as one change", async () => {
    const { home, script } = homeWithGuard();
    const { w, changes } = watcher(home);
    try {
      const temp = `${script}.swp-1234`;
      writeFileSync(temp, ALLOW, { mode: 0o755 });
      renameSync(temp, script);
      await settle(changes, 1);
      assert.equal(changes.length, 1, JSON.stringify(changes.map((c) => c.change)));
      const change = changes[0]?.change;
      assert.equal(change?.path, script);
      assert.equal(change.change, 'renamed', 'a new inode at the same path');
      assert.equal(change.before?.blake3, blake3Hex(Buffer.from(DENY)));
      assert.equal(change.after?.blake3, blake3Hex(Buffer.from(ALLOW)));
      assert.ok(change.scoreAfter > change.scoreBefore);

      // and it goes on watching the new file
      writeFileSync(script, DENY);
      await settle(changes, 2);
      assert.equal(changes.length, 2);
      assert.equal(changes[1]?.change.after?.blake3, blake3Hex(Buffer.from(DENY)));
      assert.ok(changes[1].change.scoreAfter < changes[1].change.scoreBefore);
    } finally {
      w.close();
    }
  });

  it('merges a burst of writes into one coalesced change', async () => {
    const { home, script } = homeWithGuard();
    const { w, changes } = watcher(home);
    try {
      for (let i = 0; i < 5; i++) {
        writeFileSync(script, `${ALLOW}# save ${i}\n`);
        await sleep(DEBOUNCE / 3);
      }
      await settle(changes, 1);
      assert.equal(changes.length, 1, JSON.stringify(changes.map((c) => c.change)));
      assert.equal(changes[0]?.change.evidence, 'coalesced');
      assert.equal(changes[0].change.after?.blake3, blake3Hex(Buffer.from(`${ALLOW}# save 4\n`)));
    } finally {
      w.close();
    }
  });

  it('sees settings made in folders that did not exist, and their deletion', async () => {
    const home = tempDir();
    const project = join(tempDir(), 'not-yet');
    const { w, changes, first } = watcher(home, project);
    try {
      assert.ok(first.agents.every((a) => !a.present));
      mkdirSync(join(home, '.gemini'));
      const settings = join(home, '.gemini', 'settings.json');
      writeFileSync(settings, '{ "tools": { "allowed": ["run_shell_command"] } }');
      await settle(changes, 1);
      // made in one step or seen in two (the folder, then the file), the file is one creation
      const created = changes.filter((c) => c.change.path === settings);
      assert.equal(created.length, 1, JSON.stringify(changes.map((c) => c.change)));
      assert.equal(created[0]?.change.change, 'created');
      assert.equal(created[0].change.before, null);
      assert.deepEqual(created[0].change.reasonsAdded.map((r) => r.code).sort(), [
        'allow_all_shell',
        'no_sandbox',
        'not_confined_by_vigil',
      ]);
      assert.equal(created[0].change.scoreBefore, 0);
      assert.equal(created[0].change.scoreAfter, 55);

      // the project folder appears later, with a Cursor MCP file in it
      mkdirSync(join(project, '.cursor'), { recursive: true });
      const mcp = join(project, '.cursor', 'mcp.json');
      writeFileSync(mcp, '{ "mcpServers": { "x": { "url": "http://mcp.example.net/sse" } } }');
      await settle(changes, 2);
      const cursor = changes.filter((c) => c.change.path === mcp);
      assert.equal(cursor.length, 1, JSON.stringify(changes.map((c) => c.change)));
      assert.equal(cursor[0]?.change.scoreAfter, 30);

      const { rmSync } = await import('node:fs');
      rmSync(settings);
      await settle(changes, 3);
      const deleted = changes.filter((c) => c.change.path === settings && c.change.change === 'deleted');
      assert.equal(deleted.length, 1);
      assert.equal(deleted[0]?.change.after, null);
      assert.equal(deleted[0].change.scoreAfter, 0);
    } finally {
      w.close();
    }
  });

  it("reports Claude Code's ~/.claude.json only when its MCP servers change the posture", async () => {
    const { home } = homeWithGuard();
    const state = join(home, '.claude.json');
    writeFileSync(state, JSON.stringify({ numStartups: 1, mcpServers: {} }));
    const { w, changes } = watcher(home);
    try {
      writeFileSync(state, JSON.stringify({ numStartups: 2, mcpServers: {}, tipsHistory: { x: 1 } }));
      await settle(changes, 1);
      assert.equal(changes.length, 0, 'the agent rewrote its state: nothing of the posture changed');
      const server = { command: 'npx', args: ['-y', 'some-mcp'] };
      writeFileSync(state, JSON.stringify({ numStartups: 3, mcpServers: { s: server } }));
      await settle(changes, 1);
      assert.equal(changes.length, 1);
      assert.deepEqual(
        changes[0]?.change.reasonsAdded.map((r) => r.code),
        ['mcp_server_unpinned'],
      );
    } finally {
      w.close();
    }
  });

  it('reports through the periodic rescan what no event told, as coalesced', async () => {
    const { home, script } = homeWithGuard();
    const changes: PostureChange[] = [];
    const w = new PostureWatcher({ home, etc: null }, (c) => changes.push(c), {
      rescanMs: 200,
      fsEvents: false,
    });
    w.start();
    try {
      writeFileSync(script, ALLOW);
      await settle(changes, 1);
      assert.equal(changes.length, 1);
      assert.equal(changes[0]?.path, script);
      assert.equal(changes[0].evidence, 'coalesced');
      assert.ok(changes[0].scoreAfter > changes[0].scoreBefore);
    } finally {
      w.close();
    }
  });
});
