// The UI server over HTTP, without root or a browser: the token on every request (page, static
// files, API, stream), the cookie exchange, the Host guard, the flags, and the stream's resume.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test, type TestContext } from 'node:test';

import { TokenAuth, cookie } from '../../../src/ui/auth.js';
import { uiOptionsFrom } from '../../../src/ui/cli-ui.js';
import { UiServer } from '../../../src/ui/ui-server.js';
import type { CaptureSummary, SessionSummary } from '../../../src/daemon/control-protocol.js';
import type { AlertsView } from '../../../src/ui/alert-list.js';
import type { TimelineView } from '../../../src/ui/session-timeline.js';
import type { SessionView } from '../../../src/ui/ui-server.js';
import {
  FakeSource,
  alert,
  exec,
  fileOpen,
  fork,
  install,
  linked,
  sessionStart,
  toolCall,
} from './synthetic.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(port: number, path: string, headers: Record<string, string> = {}, ms = 2000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      const done = () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      };
      res.on('end', done);
      // an event stream never ends: take what came in `ms`
      if (String(res.headers['content-type']).startsWith('text/event-stream')) {
        setTimeout(() => {
          req.destroy();
          done();
        }, ms);
      }
    });
    req.on('error', (err) => {
      if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(err);
    });
    req.end();
  });
}

async function server(t: TestContext): Promise<{ ui: UiServer; src: FakeSource; token: string }> {
  const src = new FakeSource();
  const token = 'test-token-0123456789';
  const ui = await UiServer.start({ source: src, port: 0, token });
  t.after(() => ui.close());
  return { ui, src, token };
}

const SECRET = '/home/dev/.ssh/id_ed25519';

test('TokenAuth: header, cookie or query; anything else is refused', () => {
  const auth = new TokenAuth('abc', 7394);
  assert.equal(auth.cookieName, 'vigil_ui_7394', 'one cookie per port: two UIs on a host do not clash');
  assert.ok(auth.matches('abc'));
  assert.ok(!auth.matches('abd'));
  assert.ok(!auth.matches(''));
  assert.ok(!auth.matches('abcabc'));
  assert.equal(cookie('a=1; vigil_ui_7394=abc; b=2', 'vigil_ui_7394'), 'abc');
  assert.equal(cookie('vigil_ui_7395=abc', 'vigil_ui_7394'), undefined);
  assert.match(auth.setCookie(), /HttpOnly/);
  assert.match(auth.setCookie(), /SameSite=Strict/);
});

test('without the token: 401 and no event content on page, static files, API and stream', async (t) => {
  const { ui, src } = await server(t);
  src.emit(fileOpen(1, 'run-1', 'BLOCK'));
  const l = fileOpen(2);
  if (l.event === 'file_open') l.path = SECRET;
  src.emit(l);
  for (const path of [
    '/',
    '/index.html',
    '/static/app.js',
    '/api/overview',
    '/api/events',
    '/api/events?since=0',
    '/api/line?id=2',
    '/api/ancestry?session=run-1&pid=1000',
    '/api/sessions/run-1',
    '/api/sessions/run-1/timeline',
    '/api/alerts',
    '/api/profiles',
    '/api/doctor',
    '/api/posture',
  ]) {
    for (const headers of [
      {},
      { Cookie: `${ui.auth.cookieName}=wrong` },
      { Authorization: 'Bearer wrong' },
    ]) {
      const r = await get(ui.port, path, headers);
      assert.equal(r.status, 401, `${path} ${JSON.stringify(headers)}`);
      assert.ok(!r.body.includes(SECRET) && !r.body.includes('run-1'), `no event content from ${path}`);
      assert.ok(!String(r.headers['content-type']).includes('event-stream'));
    }
    const wrongQuery = await get(ui.port, `${path}${path.includes('?') ? '&' : '?'}token=nope`);
    assert.equal(wrongQuery.status, 401, `${path} with a wrong ?token`);
  }
});

test('?token= on the page is traded for an HttpOnly cookie and a URL without it', async (t) => {
  const { ui, token } = await server(t);
  assert.match(ui.url, new RegExp(`^http://127\\.0\\.0\\.1:${ui.port}/\\?token=${token}$`));
  const r = await get(ui.port, `/?token=${token}&tab=system`);
  assert.equal(r.status, 303);
  assert.equal(r.headers.location, '/?tab=system');
  const setCookie = String(r.headers['set-cookie']);
  assert.match(setCookie, new RegExp(`^${ui.auth.cookieName}=${token};`));
  assert.match(setCookie, /HttpOnly/);
  const page = await get(ui.port, '/', { Cookie: `${ui.auth.cookieName}=${token}` });
  assert.equal(page.status, 200);
  assert.match(page.body, /<script type="module" src="\/static\/app.js">/);
  assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
  assert.equal(page.headers['referrer-policy'], 'no-referrer');
  const js = await get(ui.port, '/static/app.js', { Cookie: `${ui.auth.cookieName}=${token}` });
  assert.equal(js.status, 200);
  assert.match(String(js.headers['content-type']), /text\/javascript/);
  const api = await get(ui.port, '/api/overview', { Authorization: `Bearer ${token}` });
  assert.equal(api.status, 200);
  assert.equal(
    await get(ui.port, '/static/../ui-server.js', { Authorization: `Bearer ${token}` }).then((x) => x.status),
    404,
  );
});

test('a request naming another host is refused (DNS rebinding)', async (t) => {
  const { ui, token } = await server(t);
  const r = await get(ui.port, `/api/overview?token=${token}`, { Host: `evil.example:${ui.port}` });
  assert.equal(r.status, 421);
  const ok = await get(ui.port, `/api/overview?token=${token}`, { Host: `localhost:${ui.port}` });
  assert.equal(ok.status, 200);
});

test('the stream resumes after Last-Event-ID; API views come from the lines', async (t) => {
  const { ui, src, token } = await server(t);
  src.emit(sessionStart('run-1', 900));
  src.emit(fork('run-1', 900, 901));
  src.emit(exec('run-1', 901, 900, ['/usr/bin/git', 'status']));
  for (let i = 4; i <= 10; i++) src.emit(fileOpen(i, 'run-1', i === 7 ? 'BLOCK' : 'OBSERVE'));
  const auth = { Authorization: `Bearer ${token}` };
  const r = await get(ui.port, '/api/events', { ...auth, 'Last-Event-ID': '6' }, 400);
  assert.equal(r.status, 200);
  assert.match(String(r.headers['content-type']), /^text\/event-stream/);
  const lines = /event: lines\ndata: (.*)\n/.exec(r.body);
  const data = JSON.parse(lines?.[1] ?? '{}') as { from: number; lines: { action: string }[] };
  assert.equal(data.from, 7);
  assert.equal(data.lines.length, 4);
  assert.equal(data.lines[0]?.action, 'BLOCK');
  assert.ok(!r.body.includes('event: gap'));
  const anc = JSON.parse((await get(ui.port, '/api/ancestry?session=run-1&pid=901', auth)).body) as {
    chain: { pid: number; root: boolean }[];
    complete: boolean;
  };
  assert.deepEqual(
    anc.chain.map((c) => c.pid),
    [901, 900],
  );
  assert.ok(anc.complete);
  const overview = JSON.parse((await get(ui.port, '/api/overview', auth)).body) as {
    sessions: {
      name: string;
      counters: { actions: Record<string, number>; blocksByRule: Record<string, number> };
    }[];
  };
  const s = overview.sessions.find((x) => x.name === 'run-1');
  assert.equal(s?.counters.actions.BLOCK, 1);
  assert.deepEqual(s.counters.blocksByRule, { '~/.ssh/**': 1 });
});

test('--ui flags: loopback by default; another address needs --ui-public', () => {
  assert.equal(uiOptionsFrom('run', {}), undefined);
  assert.deepEqual(uiOptionsFrom('run', { ui: true }), { host: '127.0.0.1', port: 7394, public: false });
  assert.deepEqual(uiOptionsFrom('run', { ui: true, 'ui-port': '0', 'ui-host': '::1' }), {
    host: '::1',
    port: 0,
    public: false,
  });
  assert.throws(() => uiOptionsFrom('run', { ui: true, 'ui-host': '0.0.0.0' }), /--ui-public/);
  assert.deepEqual(uiOptionsFrom('watch', { ui: true, 'ui-host': '0.0.0.0', 'ui-public': true }), {
    host: '0.0.0.0',
    port: 7394,
    public: true,
  });
  assert.throws(() => uiOptionsFrom('run', { 'ui-port': '8000' }), /--ui-port needs --ui/);
  assert.throws(() => uiOptionsFrom('run', { ui: true, 'ui-port': '70000' }), /port number/);
  assert.throws(() => uiOptionsFrom('run', { ui: true, 'ui-host': 'example.com' }), /IP address/);
});

test('a taken port is a clear error', async (t) => {
  const { ui } = await server(t);
  await assert.rejects(
    UiServer.start({ source: new FakeSource(), port: ui.port }),
    /VIGIL_UI_LISTEN|--ui-port|cannot serve/,
  );
});

function summary(name: string, capture?: CaptureSummary): SessionSummary {
  return {
    id: 1,
    name,
    kind: 'run',
    profile: 'generic',
    profileSource: 'builtin:generic',
    rootPid: 900,
    startedAt: new Date().toISOString(),
    endedAt: null,
    cgroup: null,
    enforced: true,
    auditOnly: false,
    landlock: null,
    processes: [900],
    ...(capture === undefined ? {} : { capture }),
    events: {},
    actions: {},
  };
}

const CAPTURE: CaptureSummary = {
  kernel: true,
  transcript: {
    agent: 'claude-code',
    found: false,
    path: null,
    reason: 'no session log under /root/.claude/projects for this working directory',
    toolCalls: 0,
    linkedLines: 0,
  },
  detectors: {
    installs: { policy: 'audit', commands: 2 },
    secrets: {
      argv: 7,
      environ: 6,
      environUnread: 1,
      files: 0,
      transcript: 0,
      skipped: 0,
      workingTree: null,
    },
  },
  captureTranscript: false,
};

test('alerts, timeline and capture: /api/alerts, /api/sessions/<name>/timeline, overview', async (t) => {
  const { ui, src, token } = await server(t);
  const auth = { Authorization: `Bearer ${token}` };
  const ref = { id: 'toolu_01', name: 'Bash', turn: 0 };
  src.emit(sessionStart('run-1', 900)); // 1
  src.emit(linked(exec('run-1', 901, 900, ['/bin/sh', '-c', 'true']), 10, ref)); // 2
  src.emit(alert('run-1', 11, 'high', ref)); // 3
  src.emit(install('run-1', 12, 'info')); // 4: nothing flagged, not an alert; not linked
  src.emit(install('run-2', 13, 'medium')); // 5
  src.emit(linked(fileOpen(14, 'run-1', 'BLOCK'), 14)); // 6: not linked
  src.emit(toolCall('run-1', ref, 5, 30, 'true')); // 7

  const all = JSON.parse((await get(ui.port, '/api/alerts', auth)).body) as AlertsView;
  assert.deepEqual(
    all.alerts.map((a) => [a.id, a.line.event, a.line.session]),
    [
      [5, 'install', 'run-2'],
      [3, 'alert', 'run-1'],
    ],
  );
  assert.deepEqual(all.severities, ['info', 'low', 'medium', 'high', 'critical']);
  const high = JSON.parse((await get(ui.port, '/api/alerts?severity=high', auth)).body) as AlertsView;
  assert.deepEqual(
    high.alerts.map((a) => a.id),
    [3],
  );
  const run2 = JSON.parse((await get(ui.port, '/api/alerts?session=run-2', auth)).body) as AlertsView;
  assert.deepEqual(
    run2.alerts.map((a) => a.id),
    [5],
  );
  const bad = await get(ui.port, '/api/alerts?severity=urgent', auth);
  assert.equal(bad.status, 400);
  assert.match(bad.body, /severity must be one of info, low, medium, high, critical/);

  const tl = JSON.parse((await get(ui.port, '/api/sessions/run-1/timeline', auth)).body) as TimelineView;
  assert.equal(tl.session, 'run-1');
  const call = tl.turns[0]?.calls[0];
  assert.equal(call?.id, 'toolu_01');
  assert.equal(call.durationMs, 25);
  assert.deepEqual(
    call.lines.map((l) => l.id),
    [2, 3],
  );
  assert.deepEqual(
    tl.unlinked.lines.map((l) => l.id),
    [4, 6],
    'the install (an installer exec too) and the denied open',
  );
  assert.equal(tl.unlinked.denied, 1);
  const none = await get(ui.port, '/api/sessions/run-9/timeline', auth);
  assert.equal(none.status, 404);
  assert.match(none.body, /no tool call or process line of session run-9/);
  const encoded = await get(ui.port, `/api/sessions/${encodeURIComponent('run-1')}/timeline`, auth);
  assert.equal(encoded.status, 200);

  // the capture matrix: from the daemon's summary; remembered once the daemon stops listing the
  // session; null when the daemon never reported one
  src.status$.sessions = [summary('run-1', CAPTURE), summary('run-2')];
  type Overview = { sessions: SessionView[] };
  let o = JSON.parse((await get(ui.port, '/api/overview', auth)).body) as Overview;
  assert.deepEqual(o.sessions.find((x) => x.name === 'run-1')?.capture, CAPTURE);
  assert.equal(o.sessions.find((x) => x.name === 'run-2')?.capture, null);
  src.status$.sessions = [];
  o = JSON.parse((await get(ui.port, '/api/overview', auth)).body) as Overview;
  assert.deepEqual(o.sessions.find((x) => x.name === 'run-1')?.capture, CAPTURE, 'the last one reported');
  assert.equal(o.sessions.find((x) => x.name === 'run-2')?.capture, null);

  // the page's schema facts: event kinds and severities
  const kinds = await get(ui.port, '/static/event-kinds.js', auth);
  assert.match(kinds.body, /export const SEVERITIES = \["info","low","medium","high","critical"\];/);
  assert.match(kinds.body, /"tool_call"/);
});
