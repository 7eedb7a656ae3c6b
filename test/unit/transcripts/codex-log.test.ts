// Codex's rollout log: the real one recorded from 0.171.0 (every tool through the `exec`
// script), the script reader, and the older shapes (function_call, local_shell_call,
// exec_command_end) written by hand after Codex's documented protocol.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { nestedCalls, patchPaths } from '../../../src/transcripts/codex-exec-script.js';
import { loadRun, parseAll, tempDir } from './fixtures.js';

const ts = (s: string): number => Date.parse(s);

describe('Codex log: the recorded 0.171.0 session', () => {
  it('gives the prompt as turn 1 and the script’s nested calls with the harness’s results', (t) => {
    const u = parseAll('codex', loadRun('codex').lines, tempDir(t));
    assert.deepEqual(
      u.turns.map((x) => [x.index, x.prompt]),
      [[1, 'Show_me_notes.txt']],
    );
    assert.deepEqual(
      u.finished.map((c) => [c.id, c.name, c.kind, c.command, c.isError]),
      [
        ['call_fake0001', 'exec_command', 'shell', 'cat ./notes.txt', false],
        ['call_fake0002', 'exec_command', 'shell', 'cat ./missing.txt', true],
        ['call_fake0003', 'exec_command', 'shell', `printf '%s\\n' "a b" | tr a-z A-Z`, false],
        ['call_fake0004', 'apply_patch', 'file_write', null, false],
      ],
    );
    const [cat, missing, , patch] = u.finished;
    // started when the model sent the script; ended when the command's CommandExecution says
    assert.equal(cat?.startedAt, ts('2026-12-06T20:22:39.199Z'));
    assert.equal(cat.endedAt, 1796588559445);
    assert.equal(cat.output, 'hello notes\n');
    assert.equal(missing?.output, 'cat: ./missing.txt: No such file or directory\n');
    assert.deepEqual(patch?.paths, ['/tmp/tx/work-cx.eftk/out.txt']);
    assert.equal(patch.output, 'Success. Updated the following files:\nA out.txt\n');
  });

  it('skips the developer instructions and the environment context in texts', (t) => {
    const u = parseAll('codex', loadRun('codex').lines, tempDir(t));
    assert.ok(
      !u.texts.some((x) => x.text.includes('You are Codex') || x.text.includes('<environment_context>')),
    );
    assert.deepEqual(u.texts.at(-1), {
      at: ts('2026-12-06T20:22:40.535Z'),
      role: 'assistant',
      text: 'All done.',
    });
  });
});

describe('Codex exec script', () => {
  it('finds nested calls with literal arguments, in order', () => {
    const js = [
      `const a = await tools.exec_command({ cmd: "cat ./notes.txt", yield_time_ms: 1000 });`,
      `const b = await tools.exec_command({ "workdir": '/tmp', cmd: 'echo \\'hi\\' \\u00e9' });`,
      'await tools["apply_patch"](`*** Begin Patch\n*** Update File: src/a.ts\n@@\n-x\n+y\n*** End Patch`);',
      'await tools.exec_command({ cmd: `ls ${dir}` });',
      'text(a.output);',
    ].join('\n');
    assert.deepEqual(nestedCalls(js), [
      { tool: 'exec_command', args: { cmd: 'cat ./notes.txt' } },
      { tool: 'exec_command', args: { workdir: '/tmp', cmd: "echo 'hi' é" } },
      {
        tool: 'apply_patch',
        args: { '': '*** Begin Patch\n*** Update File: src/a.ts\n@@\n-x\n+y\n*** End Patch' },
      },
      { tool: 'exec_command', args: {} },
    ]);
  });

  it('reads the files a patch names', () => {
    const patch =
      '*** Begin Patch\n*** Add File: a.txt\n+x\n*** Update File: b.txt\n*** Move to: c.txt\n*** Delete File: d.txt\n*** End Patch';
    assert.deepEqual(patchPaths(patch), ['a.txt', 'b.txt', 'c.txt', 'd.txt']);
  });
});

describe('Codex log: hand-written shapes', () => {
  const rec = (at: string, type: string, payload: Record<string, unknown>): string =>
    JSON.stringify({ timestamp: at, type, payload });
  const meta = rec('2026-12-06T10:00:00.000Z', 'session_meta', {
    id: 's',
    cwd: '/work/p',
    cli_version: '0.50.0',
  });

  it('reads function_call shell and exec_command_end (older Codex)', (t) => {
    const lines = [
      meta,
      rec('2026-12-06T10:00:01.000Z', 'event_msg', { type: 'user_message', message: 'list it' }),
      rec('2026-12-06T10:00:02.000Z', 'response_item', {
        type: 'function_call',
        name: 'shell',
        arguments: JSON.stringify({ command: ['bash', '-lc', 'ls -la'], workdir: '/work/p' }),
        call_id: 'c1',
      }),
      rec('2026-12-06T10:00:03.000Z', 'event_msg', {
        type: 'exec_command_end',
        call_id: 'c1',
        exit_code: 2,
        aggregated_output: 'ls: cannot access',
      }),
      rec('2026-12-06T10:00:03.100Z', 'response_item', {
        type: 'function_call_output',
        call_id: 'c1',
        output: JSON.stringify({ output: 'ignored', metadata: { exit_code: 2 } }),
      }),
      rec('2026-12-06T10:00:04.000Z', 'response_item', {
        type: 'local_shell_call',
        call_id: 'c2',
        status: 'completed',
        action: { type: 'exec', command: ['git', 'status', '--short'] },
      }),
      rec('2026-12-06T10:00:05.000Z', 'response_item', {
        type: 'local_shell_call_output',
        call_id: 'c2',
        output: 'M a.ts',
      }),
      rec('2026-12-06T10:00:06.000Z', 'response_item', {
        type: 'function_call',
        name: 'apply_patch',
        arguments: JSON.stringify({ input: '*** Begin Patch\n*** Add File: n.txt\n+1\n*** End Patch' }),
        call_id: 'c3',
      }),
    ];
    const u = parseAll('codex', lines, tempDir(t));
    assert.deepEqual(
      u.turns.map((x) => x.prompt),
      ['list it'],
    );
    const byId = new Map(u.started.map((c) => [c.id, c]));
    assert.equal(byId.get('c1')?.command, 'ls -la');
    assert.equal(byId.get('c1')?.isError, true);
    assert.equal(byId.get('c1')?.output, 'ls: cannot access');
    assert.equal(byId.get('c1')?.endedAt, ts('2026-12-06T10:00:03.000Z'));
    assert.equal(byId.get('c2')?.command, 'git status --short');
    assert.equal(byId.get('c2')?.output, 'M a.ts');
    assert.deepEqual(byId.get('c3')?.paths, ['/work/p/n.txt']);
    assert.equal(byId.get('c3')?.endedAt, null);
  });

  it('adopts a command the script built at run time from its CommandExecution', (t) => {
    const lines = [
      meta,
      rec('2026-12-06T10:00:02.000Z', 'response_item', {
        type: 'custom_tool_call',
        name: 'exec',
        input: 'for (const f of ["a", "b"]) await tools.exec_command({ cmd: "wc -l " + f });',
        call_id: 'c1',
      }),
      rec('2026-12-06T10:00:03.000Z', 'event_msg', {
        type: 'item_completed',
        item: {
          type: 'CommandExecution',
          id: 'exec-1',
          command: ['/bin/bash', '-lc', 'wc -l a'],
          status: 'completed',
          exit_code: 0,
          aggregated_output: '1 a',
        },
        started_at_ms: 1796580002500,
        completed_at_ms: 1796580002600,
      }),
      rec('2026-12-06T10:00:04.000Z', 'response_item', {
        type: 'custom_tool_call_output',
        call_id: 'c1',
        output: [{ type: 'input_text', text: 'Script failed\nError: boom' }],
      }),
    ];
    const u = parseAll('codex', lines, tempDir(t));
    const byId = new Map(u.started.map((c) => [c.id, c]));
    // the script spelled out no literal command: it is a call of its own, and so is each run
    assert.equal(byId.get('c1')?.kind, 'other');
    assert.equal(byId.get('c1')?.isError, true);
    assert.equal(byId.get('exec-1')?.command, 'wc -l a');
    assert.equal(byId.get('exec-1')?.startedAt, 1796580002500);
    assert.equal(byId.get('exec-1')?.isError, false);
  });
});
