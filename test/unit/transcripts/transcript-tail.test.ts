// Reading a log as it grows: a poll reads only new bytes, a half-written line waits for its end
// (even cut inside a UTF-8 character), a truncated or replaced log is read again without giving
// what was given already, a missing log gives nothing until it appears.
import assert from 'node:assert/strict';
import { appendFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { TranscriptTail } from '../../../src/transcripts/transcript-tail.js';
import type { TranscriptAgent, TranscriptUpdate } from '../../../src/transcripts/types.js';
import { loadRun, tempDir } from './fixtures.js';

const AGENTS: TranscriptAgent[] = ['claude-code', 'codex', 'gemini-cli'];

function merge(us: TranscriptUpdate[]): TranscriptUpdate {
  return {
    turns: us.flatMap((u) => u.turns),
    started: us.flatMap((u) => u.started),
    finished: us.flatMap((u) => u.finished),
    texts: us.flatMap((u) => u.texts),
  };
}

const ids = (u: TranscriptUpdate): { started: string[]; finished: string[]; turns: number } => ({
  started: u.started.map((c) => c.id),
  finished: u.finished.map((c) => c.id),
  turns: u.turns.length,
});

for (const agent of AGENTS) {
  describe(`TranscriptTail: ${agent}`, () => {
    const run = loadRun(agent);
    const whole = run.lines.map((l) => `${l}\n`).join('');

    it('gives the same whether the log is read at once, line by line, or cut mid-line', (t) => {
      const dir = tempDir(t);
      const once = join(dir, 'once.jsonl');
      writeFileSync(once, whole);
      const a = new TranscriptTail(agent, once);
      const all = a.poll();
      assert.deepEqual(a.poll(), { turns: [], started: [], finished: [], texts: [] }, 'nothing new');
      a.close();
      assert.ok(all.started.length >= 4);

      // every line written in two halves, polled after each half
      const grown = join(dir, 'grown.jsonl');
      writeFileSync(grown, '');
      const b = new TranscriptTail(agent, grown);
      const polls: TranscriptUpdate[] = [];
      for (const line of run.lines) {
        const bytes = Buffer.from(`${line}\n`);
        const cut = Math.floor(bytes.length / 2);
        appendFileSync(grown, bytes.subarray(0, cut));
        const half = b.poll();
        assert.deepEqual(
          ids(half),
          ids({ turns: [], started: [], finished: [], texts: [] }),
          'a half line waits',
        );
        polls.push(half);
        appendFileSync(grown, bytes.subarray(cut));
        polls.push(b.poll());
      }
      b.close();
      const merged = merge(polls);
      assert.deepEqual(
        merged.started.map((c) => c.id),
        all.started.map((c) => c.id),
      );
      assert.deepEqual(
        merged.finished.map((c) => [c.id, c.endedAt, c.isError, c.output]),
        all.finished.map((c) => [c.id, c.endedAt, c.isError, c.output]),
      );
      assert.deepEqual(merged.turns, all.turns);
      assert.deepEqual(merged.texts, all.texts);
    });

    it('reads a truncated log again, and a replaced one, giving only what is new', (t) => {
      const dir = tempDir(t);
      const path = join(dir, 'log.jsonl');
      const half = Math.floor(run.lines.length / 2);
      writeFileSync(
        path,
        run.lines
          .slice(0, half)
          .map((l) => `${l}\n`)
          .join(''),
      );
      const tail = new TranscriptTail(agent, path);
      const first = tail.poll();
      // truncated in place, then written again whole
      truncateSync(path, 0);
      assert.deepEqual(ids(tail.poll()), { started: [], finished: [], turns: 0 });
      writeFileSync(path, whole);
      const second = tail.poll();
      // replaced by a rename, as Gemini CLI rewrites its log: the same content gives nothing
      writeFileSync(join(dir, 'log.jsonl.tmp'), whole);
      renameSync(join(dir, 'log.jsonl.tmp'), path);
      const third = tail.poll();
      tail.close();
      const all = merge([first, second, third]);
      const started = all.started.map((c) => c.id);
      assert.equal(new Set(started).size, started.length, 'no call given twice');
      assert.deepEqual(ids(third), { started: [], finished: [], turns: 0 });
      assert.equal(all.turns.length, 1);
      const once = new TranscriptTail(agent, path);
      assert.deepEqual(
        started,
        once.poll().started.map((c) => c.id),
      );
      once.close();
    });
  });
}

describe('TranscriptTail: files coming and going', () => {
  it('gives nothing while the log is missing, then reads it; nothing after close()', (t) => {
    const dir = tempDir(t);
    const path = join(dir, 'later.jsonl');
    const tail = new TranscriptTail('claude-code', path);
    assert.deepEqual(tail.poll(), { turns: [], started: [], finished: [], texts: [] });
    const line = JSON.stringify({
      type: 'user',
      uuid: 'u1',
      timestamp: '2026-12-06T10:00:00.000Z',
      message: { role: 'user', content: 'naïve — prompt' },
    });
    writeFileSync(path, `${line}\n`);
    assert.deepEqual(
      tail.poll().turns.map((x) => x.prompt),
      ['naïve — prompt'],
    );
    tail.close();
    appendFileSync(path, `${line.replace('u1', 'u2')}\n`);
    assert.deepEqual(tail.poll().turns, []);
  });

  it('skips a line that is no JSON and goes on', (t) => {
    const dir = tempDir(t);
    const path = join(dir, 'bad.jsonl');
    const ok = (uuid: string): string =>
      JSON.stringify({
        type: 'user',
        uuid,
        timestamp: '2026-12-06T10:00:00.000Z',
        message: { content: uuid },
      });
    writeFileSync(path, `${ok('a')}\n{not json\n${ok('b')}\n`);
    const tail = new TranscriptTail('claude-code', path);
    assert.deepEqual(
      tail.poll().turns.map((x) => x.prompt),
      ['a', 'b'],
    );
    tail.close();
  });
});
