// vigil integrate for each agent, on settings files written as the agent documents them: the
// existing hooks and settings kept, idempotent, --remove gives the original back byte for byte
// (or only takes vigil's hooks out when the file changed meanwhile), a broken file left
// untouched with a clear error.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';

import { claudeSettings } from '../../../src/agents/claude-settings.js';
import { codexSettings } from '../../../src/agents/codex-settings.js';
import { geminiSettings } from '../../../src/agents/gemini-settings.js';
import {
  addVigilHooks,
  isVigilHookCommand,
  removeVigilHooks,
  type HookSettingsSpec,
} from '../../../src/agents/hook-settings.js';
import { repoRoot } from '../../support/paths.js';

const VIGIL = join(repoRoot, 'dist/src/cli/main.js');

interface Case {
  spec: HookSettingsSpec;
  /** the settings file under a project folder */
  path: string;
  /** a file with the user's own hooks, in the agent's documented shape, oddly indented */
  original: string;
  /** the event and command of the user's own hook that must stay first */
  own: [string, string];
}

const CASES: Case[] = [
  {
    spec: claudeSettings,
    path: '.claude/settings.json',
    original: `{
    "model": "opus",
  "permissions": {"allow": ["Bash(npm test:*)"]},
  "hooks": {
    "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "/usr/local/bin/guard.sh"}]}],
    "Stop": [{"hooks": [{"type": "command", "command": "notify-send done"}]}]
  }
}
`,
    own: ['PreToolUse', '/usr/local/bin/guard.sh'],
  },
  {
    spec: geminiSettings,
    path: '.gemini/settings.json',
    // docs/hooks/index.md's example, with the `disabled` list best-practices.md shows
    original: `{
  "general": {"vimMode": true},
  "hooks": {
    "disabled": ["my-hook-name"],
    "BeforeTool": [
      {
        "matcher": "write_file|replace",
        "hooks": [
          {"name": "security-check", "type": "command",
           "command": "$GEMINI_PROJECT_DIR/.gemini/hooks/security.sh", "timeout": 5000}
        ]
      }
    ]
  }
}
`,
    own: ['BeforeTool', '$GEMINI_PROJECT_DIR/.gemini/hooks/security.sh'],
  },
  {
    spec: codexSettings,
    path: '.codex/hooks.json',
    // developers.openai.com/codex/hooks: a hooks.json with a description and a Bash guard
    original: `{
  "description": "team hooks",
  "hooks": {
    "PreToolUse": [
      {"matcher": "Bash", "hooks": [{"type": "command", "command": "python3 .codex/hooks/guard.py", "timeout": 30, "statusMessage": "Checking"}]}
    ],
    "SessionStart": [{"matcher": "startup", "hooks": [{"type": "command", "command": "cat NOTES.md"}]}]
  }
}
`,
    own: ['PreToolUse', 'python3 .codex/hooks/guard.py'],
  },
];

function integrate(agent: string, dir: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [VIGIL, 'integrate', agent, '--project', dir, ...args], {
    encoding: 'utf8',
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function project(
  t: { after: (f: () => void) => void },
  c: Case,
  text?: string,
): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-integrate-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const file = join(dir, c.path);
  if (text !== undefined) {
    mkdirSync(dirname(file));
    writeFileSync(file, text);
  }
  return { dir, file };
}

type Groups = Record<string, { matcher?: string; hooks: { command: string }[] }[]>;

for (const c of CASES) {
  const agent = c.spec.agent;
  const cmd = `/usr/bin/node /opt/vigil/dist/src/cli/main.js hook ${agent}`;

  describe(`vigil integrate ${agent}`, () => {
    it('adds vigil to each event beside the existing groups, once, and removes only its own entries', () => {
      const original = JSON.parse(c.original) as Record<string, unknown>;
      const added = addVigilHooks(original, c.spec, cmd);
      assert.deepEqual(addVigilHooks(added, c.spec, cmd), added, 'idempotent');
      const hooks = added.hooks as Groups;
      assert.equal(hooks[c.own[0]]?.[0]?.hooks[0]?.command, c.own[1]);
      for (const e of c.spec.events)
        assert.equal(
          hooks[e]?.filter((g) => g.hooks.some((h) => isVigilHookCommand(h.command, agent))).length,
          1,
          e,
        );
      assert.deepEqual(removeVigilHooks(added, agent), original);
      assert.deepEqual(removeVigilHooks({}, agent), {});
      assert.ok(!isVigilHookCommand(c.own[1], agent));
      // another agent's vigil hook is not this one's
      const other = agent === 'codex' ? 'claude-code' : 'codex';
      assert.ok(!isVigilHookCommand(cmd.replace(agent, other), agent));
    });

    it('is idempotent and --remove restores the original byte for byte', (t) => {
      const { dir, file } = project(t, c, c.original);
      const first = integrate(agent, dir, '--precheck');
      assert.equal(first.status, 0, first.out);
      assert.match(first.out, new RegExp(`installed for ${c.spec.events.join(', ')}`));
      const installed = readFileSync(file, 'utf8');
      assert.match(installed, new RegExp(`hook ${agent} --precheck`));
      assert.ok(installed.includes(JSON.stringify(c.own[1])), 'the own hook is kept');
      assert.match(integrate(agent, dir, '--precheck').out, /already installed; nothing changed/);
      assert.equal(readFileSync(file, 'utf8'), installed);
      const removed = integrate(agent, dir, '--remove');
      assert.match(removed.out, /restored as it was/);
      assert.equal(readFileSync(file, 'utf8'), c.original);
      assert.ok(!existsSync(`${file}.vigil-backup`));
      assert.match(integrate(agent, dir, '--remove').out, /no vigil hook in it/);
    });

    it('a file that did not exist is removed again; a file changed meanwhile keeps the change', (t) => {
      const fresh = project(t, c);
      assert.equal(integrate(agent, fresh.dir).status, 0);
      assert.ok(existsSync(fresh.file));
      integrate(agent, fresh.dir, '--remove');
      assert.ok(!existsSync(fresh.file));

      const { dir, file } = project(t, c, c.original);
      integrate(agent, dir);
      const edited = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      writeFileSync(file, JSON.stringify({ ...edited, theme: 'dark' }));
      assert.match(integrate(agent, dir, '--remove').out, /removed, the other settings kept/);
      const after = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      assert.deepEqual(after, { ...(JSON.parse(c.original) as object), theme: 'dark' });
    });

    it('a settings file that is not a JSON object is left untouched, with a clear error', (t) => {
      for (const [text, why] of [
        ['{ "model": "x", // a comment\n}\n', /is not JSON .*nothing was changed/s],
        ['// settings\n{}\n', /is not JSON .*comments, which would be lost: nothing was changed/s],
        ['[1, 2]\n', /is not a JSON object: nothing was changed/],
      ] as const) {
        const { dir, file } = project(t, c, text);
        const r = integrate(agent, dir);
        assert.equal(r.status, 4, r.out);
        assert.match(r.out, why);
        assert.equal(readFileSync(file, 'utf8'), text);
        assert.ok(!existsSync(`${file}.vigil-backup`));
      }
    });
  });
}

describe('vigil integrate, per agent', () => {
  it('Gemini CLI: a named hook with its timeout in milliseconds; a project is told about trust', (t) => {
    const c = CASES[1] as Case;
    const { dir, file } = project(t, c);
    const r = integrate('gemini-cli', dir);
    assert.match(r.out, /Gemini CLI: .*trusted folder/);
    const s = JSON.parse(readFileSync(file, 'utf8')) as { hooks: Groups };
    assert.deepEqual(Object.keys(s.hooks), ['BeforeTool', 'AfterTool']);
    const hook = s.hooks.AfterTool?.[0]?.hooks[0] as unknown as Record<string, unknown>;
    assert.equal(hook.name, 'vigil');
    assert.equal(hook.timeout, 10_000);
    assert.equal(s.hooks.AfterTool?.[0]?.matcher, '*');
  });

  it('Codex: hooks.json with PreToolUse and PostToolUse only, and the /hooks trust step said', (t) => {
    const c = CASES[2] as Case;
    const { dir, file } = project(t, c);
    mkdirSync(join(dir, '.codex'));
    writeFileSync(
      join(dir, '.codex', 'config.toml'),
      '[[hooks.Stop]]\n[[hooks.Stop.hooks]]\ntype = "command"\n',
    );
    const r = integrate('codex', dir);
    assert.match(r.out, /Codex: .*open \/hooks in Codex and trust/);
    assert.match(r.out, /config\.toml .* \[hooks\] tables too/);
    const s = JSON.parse(readFileSync(file, 'utf8')) as { hooks: Groups };
    assert.deepEqual(Object.keys(s), ['hooks'], "the root holds only what Codex's hooks.json allows");
    assert.deepEqual(Object.keys(s.hooks), ['PreToolUse', 'PostToolUse']);
    assert.equal((s.hooks.PostToolUse?.[0]?.hooks[0] as unknown as { timeout: number }).timeout, 10);
  });

  it('names the agents it knows', () => {
    const r = spawnSync(process.execPath, [VIGIL, 'integrate', 'cursor'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /name the agent: claude-code, gemini-cli, codex/);
  });
});
