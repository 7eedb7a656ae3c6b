// Gemini CLI's chat log: the real JSONL recorded from 0.61.0, and the older whole-JSON shape and
// states the recording did not show (cancelled, still running), written after the CLI's own
// ChatRecordingService (bundle/chunk-*.js).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { TranscriptTail } from '../../../src/transcripts/transcript-tail.js';
import { loadRun, parseAll, tempDir } from './fixtures.js';

const ts = (s: string): number => Date.parse(s);

describe('Gemini CLI log: the recorded 0.61.0 session', () => {
  it('gives the prompt (not the session context) as turn 1 and six completed calls', (t) => {
    const u = parseAll('gemini-cli', loadRun('gemini-cli').lines, tempDir(t));
    assert.deepEqual(u.turns, [
      { index: 1, at: ts('2026-12-06T20:22:51.706Z'), prompt: 'Show_me_notes.txt' },
    ]);
    assert.deepEqual(
      u.finished.map((c) => [c.name, c.kind, c.command ?? c.paths[0] ?? c.url, c.isError]),
      [
        ['run_shell_command', 'shell', 'cat ./notes.txt', false],
        // status "success", but the output says Exit Code: 1
        ['run_shell_command', 'shell', 'cat ./missing.txt', true],
        ['run_shell_command', 'shell', `printf '%s\\n' "a b" | tr a-z A-Z`, false],
        // no cwd in the log: the path is absolute as the model gave it
        ['read_file', 'file_read', '/tmp/tx/work-gm.RMzA/notes.txt', false],
        ['write_file', 'file_write', '/tmp/tx/work-gm.RMzA/out.txt', false],
        // loopback refused by the CLI itself (status "error")
        ['web_fetch', 'web_fetch', 'http://127.0.0.1:38961/page', true],
      ],
    );
    const [cat] = u.finished;
    // the start is the time in the call's id; the end the call's own timestamp
    assert.equal(cat?.id, 'run_shell_command__run_shell_command_1796588571728_0');
    assert.equal(cat.startedAt, 1796588571728);
    assert.equal(cat.endedAt, ts('2026-12-06T20:22:51.957Z'));
    assert.equal(
      cat.output,
      '<untrusted_context>\nOutput: hello notes\nProcess Group PGID: 11723\n</untrusted_context>',
    );
    assert.equal(u.started.length, 6);
  });

  it('reads each message once though it is logged again with its tool calls', (t) => {
    const u = parseAll('gemini-cli', loadRun('gemini-cli').lines, tempDir(t));
    assert.equal(u.texts.filter((x) => x.text === 'All done.').length, 1);
    assert.equal(new Set(u.started.map((c) => c.id)).size, u.started.length);
  });
});

describe('Gemini CLI log: hand-written shapes', () => {
  const gemini = (id: string, at: string, toolCalls: unknown[]): Record<string, unknown> => ({
    id,
    timestamp: at,
    type: 'gemini',
    content: '',
    toolCalls,
  });

  it('reads an older whole-JSON log and only what is new when it is written again', (t) => {
    const dir = tempDir(t);
    const path = join(dir, 'session-2026-01-01T10-00-abcd1234.json');
    const doc = {
      sessionId: 'abcd1234-0000',
      projectHash: 'h',
      startTime: '2026-01-01T10:00:00.000Z',
      lastUpdated: '2026-01-01T10:00:00.000Z',
      messages: [
        { id: 'm1', timestamp: '2026-01-01T10:00:01.000Z', type: 'user', content: [{ text: 'hi' }] },
        gemini('m2', '2026-01-01T10:00:02.000Z', [
          {
            id: 'run_shell_command-1',
            name: 'run_shell_command',
            args: { command: 'sleep 5' },
            status: 'cancelled',
            timestamp: '2026-01-01T10:00:03.000Z',
            resultDisplay: 'Command was cancelled by the user',
          },
        ]),
      ],
    };
    writeFileSync(path, JSON.stringify(doc, null, 2));
    const tail = new TranscriptTail('gemini-cli', path, { cwd: '/work/p' });
    const first = tail.poll();
    assert.deepEqual(
      first.turns.map((x) => x.prompt),
      ['hi'],
    );
    assert.deepEqual(
      first.finished.map((c) => [c.id, c.isError, c.startedAt, c.output]),
      [['run_shell_command-1', true, ts('2026-01-01T10:00:02.000Z'), 'Command was cancelled by the user']],
    );
    doc.messages.push(
      gemini('m3', '2026-01-01T10:00:04.000Z', [
        {
          id: 'read_file-2',
          name: 'read_file',
          args: { file_path: 'a.txt' },
          status: 'executing',
          result: null,
        },
      ]),
    );
    writeFileSync(path, `${JSON.stringify(doc)}\n`);
    const second = tail.poll();
    assert.deepEqual(second.turns, []);
    assert.deepEqual(
      second.started.map((c) => [c.id, c.paths, c.endedAt]),
      [['read_file-2', ['/work/p/a.txt'], null]],
    );
    assert.deepEqual(second.finished, []);
    tail.close();
  });
});
