// Claude Code's session log: the real one recorded from 2.1.332 (fixtures README), and shapes it
// did not show there (parallel calls, an interrupted command, a subagent's lines, meta prompts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { loadRun, parseAll, tempDir } from './fixtures.js';

const ts = (s: string): number => Date.parse(s);

describe('Claude Code log: the recorded 2.1.332 session', () => {
  it('gives the one prompt as turn 1 and five calls with their results', (t) => {
    const u = parseAll('claude-code', loadRun('claude-code').lines, tempDir(t));
    assert.deepEqual(u.turns, [
      { index: 1, at: ts('2026-12-06T20:22:34.695Z'), prompt: 'Show_me_notes.txt' },
    ]);
    assert.deepEqual(
      u.started.map((c) => [c.id, c.name, c.kind, c.turn]),
      [
        ['toolu_fake0001', 'Bash', 'shell', 1],
        ['toolu_fake0002', 'Bash', 'shell', 1],
        ['toolu_fake0003', 'Bash', 'shell', 1],
        ['toolu_fake0004', 'Read', 'file_read', 1],
        ['toolu_fake0005', 'Write', 'file_write', 1],
      ],
    );
    const [cat, missing, pipe, read, write] = u.finished;
    assert.deepEqual(cat, {
      id: 'toolu_fake0001',
      name: 'Bash',
      kind: 'shell',
      turn: 1,
      startedAt: ts('2026-12-06T20:22:34.780Z'),
      endedAt: ts('2026-12-06T20:22:34.964Z'),
      command: 'cat ./notes.txt',
      paths: [],
      url: null,
      isError: false,
      output: 'hello notes',
    });
    assert.equal(missing?.isError, true);
    assert.equal(missing.output, 'Exit code 1\ncat: ./missing.txt: No such file or directory');
    assert.equal(pipe?.command, `printf '%s\\n' "a b" | tr a-z A-Z`);
    assert.equal(pipe.output, 'A B');
    assert.deepEqual(read?.paths, ['/tmp/tx/work-cc.KlCw/notes.txt']);
    assert.equal(read.isError, false);
    assert.deepEqual(write?.paths, ['/tmp/tx/work-cc.KlCw/out.txt']);
  });

  it('gives prompts, answers, written content and results as texts, not the system reminders', (t) => {
    const u = parseAll('claude-code', loadRun('claude-code').lines, tempDir(t));
    assert.deepEqual(
      u.texts.map((x) => [x.role, x.text.slice(0, 20)]),
      [
        ['user', 'Show_me_notes.txt'],
        ['tool', 'hello notes'],
        ['tool', 'Exit code 1\ncat: ./m'],
        ['tool', 'A B'],
        ['tool', '1\thello notes\n2\t'],
        ['assistant', 'written\n'],
        ['tool', 'File created success'],
        ['assistant', 'All done.'],
      ],
    );
    assert.ok(!u.texts.some((x) => x.text.includes('system-reminder')));
  });
});

describe('Claude Code log: shapes beyond the recording', () => {
  const line = (o: Record<string, unknown>): string =>
    JSON.stringify({ cwd: '/work/p', sessionId: 's', version: '2.1.332', ...o });
  const user = (uuid: string, at: string, content: unknown, extra: Record<string, unknown> = {}): string =>
    line({ type: 'user', uuid, timestamp: at, message: { role: 'user', content }, ...extra });
  const assistant = (uuid: string, at: string, content: unknown[]): string =>
    line({ type: 'assistant', uuid, timestamp: at, message: { role: 'assistant', content } });

  it('reads parallel calls of one message (one line each), an interrupted one, and relative paths', (t) => {
    const lines = [
      user('u1', '2026-12-06T10:00:00.000Z', 'first'),
      assistant('a1', '2026-12-06T10:00:01.000Z', [
        { type: 'tool_use', id: 't1', name: 'Bash', input: { command: 'sleep 100' } },
      ]),
      assistant('a2', '2026-12-06T10:00:01.001Z', [
        { type: 'tool_use', id: 't2', name: 'Grep', input: { pattern: 'x', path: 'src' } },
      ]),
      user(
        'u2',
        '2026-12-06T10:00:02.000Z',
        [{ type: 'tool_result', tool_use_id: 't2', content: [{ type: 'text', text: 'src/a.ts' }] }],
        { toolUseResult: { mode: 'files_with_matches' } },
      ),
      user(
        'u3',
        '2026-12-06T10:00:09.000Z',
        [{ type: 'tool_result', tool_use_id: 't1', content: 'Command was interrupted', is_error: false }],
        { toolUseResult: { stdout: '', stderr: '', interrupted: true } },
      ),
      user('u4', '2026-12-06T10:00:10.000Z', '<local-command-caveat>...</local-command-caveat>', {
        isMeta: true,
      }),
      user('u5', '2026-12-06T10:00:11.000Z', [{ type: 'text', text: 'second' }]),
      assistant('a3', '2026-12-06T10:00:12.000Z', [
        {
          type: 'tool_use',
          id: 't3',
          name: 'WebFetch',
          input: { url: 'https://example.com/x', prompt: 'sum' },
        },
      ]),
    ];
    const u = parseAll('claude-code', lines, tempDir(t));
    assert.deepEqual(
      u.turns.map((x) => [x.index, x.prompt]),
      [
        [1, 'first'],
        [2, 'second'],
      ],
    );
    const byId = new Map(u.started.map((c) => [c.id, c]));
    assert.deepEqual(byId.get('t2')?.paths, ['/work/p/src']);
    assert.equal(byId.get('t2')?.kind, 'file_read');
    assert.equal(byId.get('t1')?.isError, true, 'interrupted: killed by the agent');
    assert.equal(byId.get('t1')?.endedAt, ts('2026-12-06T10:00:09.000Z'));
    assert.equal(byId.get('t3')?.turn, 2);
    assert.equal(byId.get('t3')?.url, 'https://example.com/x');
    assert.equal(byId.get('t3')?.endedAt, null);
  });

  it('counts a subagent sidechain’s calls but not its task as a prompt', (t) => {
    const lines = [
      user('u1', '2026-12-06T10:00:00.000Z', 'go'),
      user('s1', '2026-12-06T10:00:01.000Z', 'the task for the subagent', { isSidechain: true }),
      line({
        type: 'assistant',
        uuid: 's2',
        isSidechain: true,
        timestamp: '2026-12-06T10:00:02.000Z',
        message: { content: [{ type: 'tool_use', id: 'sub1', name: 'Bash', input: { command: 'ls' } }] },
      }),
    ];
    const u = parseAll('claude-code', lines, tempDir(t));
    assert.equal(u.turns.length, 1);
    assert.deepEqual(
      u.started.map((c) => [c.id, c.command, c.turn]),
      [['sub1', 'ls', 1]],
    );
    assert.ok(u.texts.some((x) => x.role === 'user' && x.text === 'the task for the subagent'));
  });
});
