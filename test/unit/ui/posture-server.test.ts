// /api/posture over HTTP, without root: a fresh posture report of the UI's home (a temp home
// whose Claude Code settings bypass every permission and run a PreToolUse hook that only exits
// 0), kept for a couple of seconds; the daemon's watch rules as vigil's coverage; the
// posture_change lines the UI received, newest first, with their stream ids; and whose home
// the UI reads when nobody says (the sudo caller's under sudo, else $HOME).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import { postureHome } from '../../../src/posture/posture-home.js';
import type { PostureReport } from '../../../src/posture/types.js';
import type { PostureHistoryView } from '../../../src/ui/posture-history.js';
import type { PostureWhereOptions } from '../../../src/ui/posture-report.js';
import { UiServer } from '../../../src/ui/ui-server.js';
import { FakeSource, fileOpen, postureChange } from './synthetic.js';

const TOKEN = 'test-token-0123456789';

interface PostureBody {
  report: PostureReport | null;
  error: string | null;
  note: string | null;
  history: PostureHistoryView;
}

/** A home whose Claude Code settings are risky: bypass mode, and a PreToolUse gate that never closes. */
function riskyHome(t: TestContext): string {
  const home = mkdtempSync(join(tmpdir(), 'vigil-ui-posture-'));
  t.after(() => {
    rmSync(home, { recursive: true, force: true });
  });
  mkdirSync(join(home, '.claude'));
  writeFileSync(
    join(home, '.claude', 'settings.json'),
    JSON.stringify(
      {
        permissions: { defaultMode: 'bypassPermissions' },
        hooks: { PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: 'exit 0' }] }] },
      },
      null,
      2,
    ),
  );
  return home;
}

async function server(
  t: TestContext,
  posture: PostureWhereOptions,
): Promise<{ ui: UiServer; src: FakeSource; ask: () => Promise<PostureBody> }> {
  const src = new FakeSource();
  const ui = await UiServer.start({ source: src, port: 0, token: TOKEN, posture });
  t.after(() => ui.close());
  const ask = async (): Promise<PostureBody> => {
    const r = await fetch(`http://127.0.0.1:${ui.port}/api/posture`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(r.status, 200);
    return (await r.json()) as PostureBody;
  };
  return { ui, src, ask };
}

test("/api/posture: the home's agents, scored, with their reasons and files", async (t) => {
  const home = riskyHome(t);
  const { ask } = await server(t, { home, project: null, etc: null, systemdUnits: () => [] });
  const body = await ask();
  assert.equal(body.error, null);
  assert.equal(body.note, null);
  const report = body.report;
  assert.ok(report !== null);
  assert.equal(report.home, home);
  assert.equal(report.project, null);
  const claude = report.agents.find((a) => a.agent === 'claude-code');
  assert.ok(claude?.present);
  assert.deepEqual(claude.reasons.map((r) => [r.code, r.points]).sort(), [
    ['bypass_permissions', 40],
    ['hook_always_allows', 15],
    ['no_sandbox', 20],
    ['not_confined_by_vigil', 15],
  ]);
  assert.equal(claude.score, 90);
  assert.equal(report.worst, 90);
  assert.deepEqual(claude.confinedByVigil, { covered: false, how: null });
  const bypass = claude.reasons.find((r) => r.code === 'bypass_permissions');
  assert.equal(bypass?.file, join(home, '.claude', 'settings.json'));
  assert.match(bypass.snippet ?? '', /bypassPermissions/);
  const settings = claude.files.find((f) => f.path === join(home, '.claude', 'settings.json'));
  assert.equal(settings?.state, 'ok');
  assert.match(settings.blake3 ?? '', /^[0-9a-f]{64}$/);
  assert.deepEqual(
    report.agents.filter((a) => a.present).map((a) => a.agent),
    ['claude-code'],
  );
  assert.deepEqual(body.history, { changes: [], dropped: 0 });
});

test('/api/posture: served from the cache for its TTL, rescanned after', async (t) => {
  const home = riskyHome(t);
  const { ask } = await server(t, { home, project: null, etc: null, systemdUnits: () => [], ttlMs: 60_000 });
  const first = await ask();
  // a malformed file now: the cached report does not see it yet
  writeFileSync(join(home, '.claude', 'settings.json'), '{ "permissions": ');
  const [second, third] = await Promise.all([ask(), ask()]);
  assert.equal(second.report?.at, first.report?.at, 'the same scan');
  assert.equal(third.report?.at, first.report?.at);
  assert.equal(second.report?.worst, 90);

  const fresh = await server(t, { home, project: null, etc: null, systemdUnits: () => [], ttlMs: 0 });
  const now = await fresh.ask();
  const claude = now.report?.agents.find((a) => a.agent === 'claude-code');
  const settings = claude?.files.find((f) => f.path.endsWith('settings.json') && f.scope === 'user');
  assert.equal(settings?.state, 'malformed', 'a new scan reads the file as it is now');
  assert.match(settings.error ?? '', /\S/, "the parser's error is in the report");
  assert.ok(claude?.reasons.some((r) => r.code === 'bypass_permissions') === false);
});

test("/api/posture: the daemon's watch rules count as vigil's coverage; no answer is a note", async (t) => {
  const home = riskyHome(t);
  const { src, ask } = await server(t, { home, project: null, etc: null, systemdUnits: () => [], ttlMs: 0 });
  src.status$.watchRules = [{ basename: 'claude', profile: 'claude-code' }];
  let body = await ask();
  let claude = body.report?.agents.find((a) => a.agent === 'claude-code');
  assert.deepEqual(claude?.confinedByVigil, {
    covered: true,
    how: "the running daemon's watch rule for 'claude'",
  });
  assert.equal(claude.score, 75, 'no not_confined_by_vigil');
  src.status = () => Promise.reject(new Error('the daemon went away'));
  body = await ask();
  claude = body.report?.agents.find((a) => a.agent === 'claude-code');
  assert.match(body.note ?? '', /did not give its watch rules \(the daemon went away\)/);
  assert.equal(claude?.confinedByVigil.covered, false);
  assert.equal(claude.score, 90);
});

test('/api/posture: the posture_change lines received, newest first, with their stream ids', async (t) => {
  const home = riskyHome(t);
  const { src, ask } = await server(t, { home, project: null, etc: null, systemdUnits: () => [] });
  src.emit(fileOpen(1)); // 1
  src.emit(postureChange(2)); // 2
  src.emit(fileOpen(3)); // 3
  src.emit(postureChange(4, false, 'coalesced')); // 4
  const body = await ask();
  assert.deepEqual(
    body.history.changes.map((c) => [c.id, c.line.event, c.line.score_before, c.line.score]),
    [
      [4, 'posture_change', 75, 35],
      [2, 'posture_change', 35, 75],
    ],
  );
  assert.equal(body.history.changes[1]?.line.reasons_added[0]?.code, 'bypass_permissions');
  assert.equal(body.history.dropped, 0);
  // the stream carries them like any line: the feed and the view take them from there
  const r = await fetch(`http://127.0.0.1:${(await server(t, { home })).ui.port}/api/posture`);
  assert.equal(r.status, 401, 'the token is required');
});

test('a home that cannot be resolved is an error in the answer, not a failed request', async (t) => {
  const { ui } = await server(t, { project: null, etc: null, systemdUnits: () => [] });
  // the default home is resolved at the first request: a sudo caller that does not exist
  const saved = { uid: process.env.SUDO_UID, user: process.env.SUDO_USER };
  process.env.SUDO_UID = '4242';
  process.env.SUDO_USER = 'no-such-user-vigil-test';
  try {
    const body = await ui.posture();
    assert.equal(body.report, null);
    assert.match(body.error ?? '', /no such user 'no-such-user-vigil-test'/);
  } finally {
    if (saved.uid === undefined) delete process.env.SUDO_UID;
    else process.env.SUDO_UID = saved.uid;
    if (saved.user === undefined) delete process.env.SUDO_USER;
    else process.env.SUDO_USER = saved.user;
  }
});

test("the UI's home: the sudo caller's under sudo, else $HOME; --home and --user as given", () => {
  const homes: Record<string, string> = { alice: '/home/alice', '1001': '/home/bob' };
  const lookup = (n: string): string | undefined => homes[n];
  assert.equal(postureHome({}, { HOME: '/root' }, lookup), '/root');
  assert.equal(
    postureHome({}, { HOME: '/root', SUDO_UID: '1000', SUDO_USER: 'alice' }, lookup),
    '/home/alice',
  );
  assert.equal(
    postureHome({}, { HOME: '/root', SUDO_UID: '0', SUDO_USER: 'root' }, lookup),
    '/root',
    'sudo from root is no sudo caller',
  );
  assert.equal(postureHome({}, { HOME: '/root', SUDO_UID: '', SUDO_USER: '' }, lookup), '/root');
  assert.equal(postureHome({ user: '1001' }, { HOME: '/root' }, lookup), '/home/bob');
  assert.equal(postureHome({ home: '/srv/ci/../ci-home' }, { HOME: '/root' }, lookup), '/srv/ci-home');
  assert.throws(() => postureHome({ user: 'alice', home: '/x' }, {}, lookup), /--user or --home, not both/);
  assert.throws(() => postureHome({ user: 'mallory' }, {}, lookup), /no such user 'mallory'/);
  // the real password database: root's home
  assert.equal(postureHome({ user: 'root' }, {}), '/root');
});
