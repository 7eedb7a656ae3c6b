// Finding a run's log in a home laid out as each CLI left it in the recorded runs (fixtures
// README): found; and not found, saying why (no folder for the agent or the cwd, only older logs,
// the wrong cwd, several candidates).
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';

import { claudeProjectDir, findTranscript } from '../../../src/transcripts/find-transcript.js';
import { FIXTURES, LOG_NAMES, RUN_CWD, tempDir } from './fixtures.js';

/** When each recorded run started (its first exec, ms): the logs are dated from it. */
const STARTED = { 'claude-code': 1796588554035, codex: 1796588558500, 'gemini-cli': 1796588569000 } as const;

function place(from: string, to: string, mtimeMs: number): void {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
  utimesSync(to, mtimeMs / 1000, mtimeMs / 1000);
}

function expectNotFound(r: ReturnType<typeof findTranscript>, pattern: RegExp): void {
  assert.equal(r.found, false, JSON.stringify(r));
  assert.match(r.reason, pattern);
}

describe('findTranscript: Claude Code', () => {
  const started = STARTED['claude-code'];
  const cwd = RUN_CWD['claude-code'];
  const log = join(FIXTURES, 'claude-code/real-session.jsonl');
  const folder = (home: string): string => join(home, '.claude/projects/-tmp-tx-work-cc-KlCw');

  it('names the project folder as 2.1.332 does, hashing past 200 characters', () => {
    assert.equal(claudeProjectDir('/tmp/tx/work-cc.KlCw'), '-tmp-tx-work-cc-KlCw');
    // Math.abs of the 32-bit string hash in base 36, as the CLI's own function computes it
    const long = `/home/dev/${'a'.repeat(250)}`;
    assert.equal(claudeProjectDir(long), `${`-home-dev-${'a'.repeat(250)}`.slice(0, 200)}-u4xdh7`);
  });

  it('finds the log written since the start', (t) => {
    const home = tempDir(t);
    place(log, join(folder(home), LOG_NAMES['claude-code']), started + 1500);
    place(log, join(folder(home), 'older-session.jsonl'), started - 3_600_000);
    assert.deepEqual(findTranscript('claude-code', { home, cwd, startedAt: started }), {
      found: true,
      path: join(folder(home), LOG_NAMES['claude-code']),
    });
  });

  it('says why not: no projects folder, no folder for the cwd, only older logs, several', (t) => {
    const home = tempDir(t);
    expectNotFound(
      findTranscript('claude-code', { home, cwd, startedAt: started }),
      /no .*\.claude\/projects/,
    );
    place(log, join(folder(home), LOG_NAMES['claude-code']), started - 60_000);
    expectNotFound(
      findTranscript('claude-code', { home, cwd: '/tmp/tx/elsewhere', startedAt: started }),
      /no project folder for \/tmp\/tx\/elsewhere .*-tmp-tx-elsewhere/,
    );
    expectNotFound(
      findTranscript('claude-code', { home, cwd, startedAt: started }),
      /written since .*\(1 older\)/,
    );
    place(log, join(folder(home), 'one.jsonl'), started + 1000);
    place(log, join(folder(home), 'two.jsonl'), started + 2000);
    expectNotFound(
      findTranscript('claude-code', { home, cwd, startedAt: started }),
      /several .*one\.jsonl.*two\.jsonl/,
    );
  });

  it('follows CLAUDE_CONFIG_DIR', (t) => {
    const home = tempDir(t);
    const config = join(home, 'elsewhere');
    place(log, join(config, 'projects/-tmp-tx-work-cc-KlCw/s.jsonl'), started + 10);
    const r = findTranscript('claude-code', {
      home,
      cwd,
      startedAt: started,
      env: { CLAUDE_CONFIG_DIR: config },
    });
    assert.deepEqual(r, { found: true, path: join(config, 'projects/-tmp-tx-work-cc-KlCw/s.jsonl') });
  });
});

describe('findTranscript: Codex', () => {
  const started = STARTED.codex;
  const cwd = RUN_CWD.codex;
  const log = join(FIXTURES, 'codex/real-session.jsonl');
  const day = (home: string): string => join(home, '.codex/sessions/2026/12/06');

  it('finds the rollout log of this cwd written since the start', (t) => {
    const home = tempDir(t);
    place(log, join(day(home), LOG_NAMES.codex), started + 2000);
    assert.deepEqual(findTranscript('codex', { home, cwd, startedAt: started }), {
      found: true,
      path: join(day(home), LOG_NAMES.codex),
    });
  });

  it('says why not: no sessions folder, only older logs, logs of another cwd', (t) => {
    const home = tempDir(t);
    expectNotFound(findTranscript('codex', { home, cwd, startedAt: started }), /no .*\.codex\/sessions/);
    place(log, join(day(home), LOG_NAMES.codex), started - 60_000);
    expectNotFound(
      findTranscript('codex', { home, cwd, startedAt: started }),
      /no rollout log in .*\(1 older\)/,
    );
    place(log, join(day(home), LOG_NAMES.codex), started + 2000);
    expectNotFound(
      findTranscript('codex', { home, cwd: '/tmp/tx/elsewhere', startedAt: started }),
      /1 rollout log\(s\) .* none for \/tmp\/tx\/elsewhere: .*\(\/tmp\/tx\/work-cx\.eftk\)/,
    );
  });

  it('reads the cwd of a first line still being written', (t) => {
    const home = tempDir(t);
    const path = join(day(home), 'rollout-2026-12-06T20-22-38-partial.jsonl');
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(
      path,
      `{"timestamp":"2026-12-06T20:22:38.926Z","type":"session_meta","payload":{"cwd":"${cwd}","base_instr`,
    );
    utimesSync(path, (started + 100) / 1000, (started + 100) / 1000);
    assert.deepEqual(findTranscript('codex', { home, cwd, startedAt: started }), { found: true, path });
  });
});

describe('findTranscript: Gemini CLI', () => {
  const started = STARTED['gemini-cli'];
  const cwd = RUN_CWD['gemini-cli'];
  const log = join(FIXTURES, 'gemini-cli/real-session.jsonl');
  const project = (home: string, slug = 'work-gm-rmza'): string => join(home, '.gemini/tmp', slug);

  function layout(home: string, options: { registry: boolean; slug?: string }): string {
    const dir = project(home, options.slug);
    mkdirSync(join(dir, 'chats'), { recursive: true });
    writeFileSync(join(dir, '.project_root'), cwd);
    if (options.registry) {
      const slug = options.slug ?? 'work-gm-rmza';
      writeFileSync(join(home, '.gemini/projects.json'), JSON.stringify({ projects: { [cwd]: slug } }));
    }
    const path = join(dir, 'chats', LOG_NAMES['gemini-cli']);
    place(log, path, started + 3000);
    return path;
  }

  it('finds the log through projects.json, through .project_root, and in a hash folder', (t) => {
    const a = tempDir(t);
    assert.deepEqual(findTranscript('gemini-cli', { home: a, cwd, startedAt: started }), {
      found: false,
      reason: `no ${join(a, '.gemini')}: Gemini CLI logged no session for this home`,
    });
    const path = layout(a, { registry: true });
    assert.deepEqual(findTranscript('gemini-cli', { home: a, cwd, startedAt: started }), {
      found: true,
      path,
    });
    const b = tempDir(t);
    const marked = layout(b, { registry: false, slug: 'work-gm-rmza-1' });
    assert.deepEqual(findTranscript('gemini-cli', { home: b, cwd, startedAt: started }), {
      found: true,
      path: marked,
    });
    // before slugs: the SHA-256 of the cwd (the log's own projectHash says the same)
    const c = tempDir(t);
    const hash = '7f9ab03a6f2ee4757423cf7804b5b63cfac6b67ba63153917592902fc17a7777';
    const legacy = join(project(c, hash), 'chats/session-2026-12-06T20-22-28fb79c5.json');
    place(log, legacy, started + 10);
    assert.deepEqual(findTranscript('gemini-cli', { home: c, cwd, startedAt: started }), {
      found: true,
      path: legacy,
    });
    const d = tempDir(t);
    mkdirSync(join(d, '.gemini/tmp/other'), { recursive: true });
    expectNotFound(
      findTranscript('gemini-cli', { home: d, cwd, startedAt: started }),
      /no project folder for \/tmp\/tx\/work-gm\.RMzA .*projects\.json knows: none/,
    );
  });

  it('says why not: another cwd, only older logs, several', (t) => {
    const home = tempDir(t);
    const path = layout(home, { registry: true });
    expectNotFound(
      findTranscript('gemini-cli', { home, cwd: '/tmp/tx/elsewhere', startedAt: started }),
      /no project folder for \/tmp\/tx\/elsewhere .*projects\.json knows: \/tmp\/tx\/work-gm\.RMzA/,
    );
    utimesSync(path, (started - 60_000) / 1000, (started - 60_000) / 1000);
    expectNotFound(findTranscript('gemini-cli', { home, cwd, startedAt: started }), /\(1 older\)/);
    place(log, join(dirname(path), 'session-2026-12-06T20-23-aaaaaaaa.jsonl'), started + 100);
    place(log, join(dirname(path), 'session-2026-12-06T20-23-bbbbbbbb.jsonl'), started + 200);
    expectNotFound(findTranscript('gemini-cli', { home, cwd, startedAt: started }), /several session logs/);
  });
});
