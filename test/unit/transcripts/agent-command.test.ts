// Which agent an exec starts, over the argv shapes the recorded runs showed (real-execs.json) and
// the other ways the CLIs are started.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { agentOfCommand } from '../../../src/transcripts/agent-command.js';
import { loadRun } from './fixtures.js';

describe('agentOfCommand', () => {
  it('knows the commands, their npm files, native binaries and relaunches', () => {
    const cases: [string[], string | null][] = [
      [['claude', '-p', 'hi'], 'claude-code'],
      [['/usr/local/bin/claude'], 'claude-code'],
      [['/opt/n/node_modules/@anthropic-ai/claude-code/bin/claude.exe', '-p'], 'claude-code'],
      [['/opt/n/node_modules/@anthropic-ai/claude-code-linux-x64/claude'], 'claude-code'],
      [['node', '/usr/lib/node_modules/@anthropic-ai/claude-code/cli.js', '--resume'], 'claude-code'],
      [['codex', 'exec', 'hi'], 'codex'],
      [['node', '/x/node_modules/.bin/codex', 'exec'], 'codex'],
      [
        ['/x/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex', 'exec'],
        'codex',
      ],
      [['gemini', '-p', 'hi'], 'gemini-cli'],
      [
        ['/usr/bin/node', '--max-old-space-size=12052', '/x/node_modules/.bin/gemini', '-p', 'hi'],
        'gemini-cli',
      ],
      [['node', '/x/node_modules/@google/gemini-cli/bundle/gemini.js'], 'gemini-cli'],
      [['npx', '-y', '@google/gemini-cli@0.61.0'], 'gemini-cli'],
      [['npx', '@openai/codex'], 'codex'],
      [['bash', '-c', 'claude -p hi'], null],
      [['node', 'server.js'], null],
      [['node'], null],
      [['/proc/self/exe', '--codex-run-as-process-setup', '57'], null],
      [[], null],
    ];
    for (const [argv, agent] of cases) assert.equal(agentOfCommand(argv), agent, JSON.stringify(argv));
  });

  it('names the agent of each recorded run’s first exec, and none of their tool commands', () => {
    for (const agent of ['claude-code', 'codex', 'gemini-cli'] as const) {
      const run = loadRun(agent);
      const first = run.execs[0];
      assert.equal(first === undefined ? null : agentOfCommand(first.argv), agent);
      for (const e of run.execs) {
        if (/\b(cat|tr|bash)$/.test(e.filename))
          assert.equal(agentOfCommand(e.argv), null, JSON.stringify(e.argv));
      }
    }
  });
});
