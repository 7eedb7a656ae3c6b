// The live web UI in a real browser (Debian's chromium, driven by playwright-core) against a
// real `vigil run --ui` session: the token is required on page, API and stream; the badge of
// a real event appears; filters work; the detail panel shows the ancestry up to the session's
// root; a reconnect resumes after the last id without a gap. A second session (another `vigil
// run` on the same daemon) leaks a fake AWS key in its argv: the daemon's secrets detector
// writes an alert line, the Alerts tab shows it masked, and the raw key is nowhere in the page
// (the kernel's exec line carries it; the page masks what the detector reported). The session
// view shows the capture matrix and the timeline with its "not linked" group. The UI's home (its
// $HOME) holds Claude Code settings that bypass every permission and gate tool calls with a hook
// that only exits 0: the Posture tab shows Claude Code's score and those reasons, as
// /api/posture scores them. Screenshots go to test-artifacts/ui/. Needs root (vigil run) and /usr/bin/chromium (scripts/setup.sh
// installs it).
//
// The profile denies one file the command reads. When the policy engine enforces it, the line
// is a BLOCK and the test asserts the BLOCK badge; until then vigil honestly logs OBSERVE for
// every event (docs/audit.md), and the test asserts the OBSERVE badge and says so.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import { chromium, type Browser, type Page } from 'playwright-core';

import { waitFor } from '../support/kernel.js';
import { requires } from '../support/requires.js';
import { repoRoot } from '../support/paths.js';
import { readAuditLog } from '../support/audit-log.js';
import type { PostureReport } from '../../src/posture/types.js';

const VIGIL = join(repoRoot, 'dist/src/cli/main.js');
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(repoRoot, 'test-artifacts/ui');
const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => {
        resolve(port);
      });
    });
  });
}

function httpGet(
  url: string,
  headers: Record<string, string> = {},
  ms = 1500,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body });
      });
      setTimeout(() => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body });
      }, ms);
    });
    req.on('error', (err) => {
      if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(err);
    });
    req.end();
  });
}

interface Session {
  child: ChildProcess;
  url: string;
  base: string;
  token: string;
  log: string;
  dir: string;
  /** the UI's home: its Claude Code settings are CLAUDE_SETTINGS */
  home: string;
  stderr: () => string;
}

/** Claude Code settings a posture scan scores high: bypass mode, and a PreToolUse gate that never closes. */
const CLAUDE_SETTINGS = {
  permissions: { defaultMode: 'bypassPermissions' },
  hooks: { PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: 'exit 0' }] }] },
};

async function startSession(t: TestContext): Promise<Session> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-ui-'));
  chmodSync(dir, 0o755);
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const secret = join(dir, 'secret.txt');
  writeFileSync(secret, 'not for agents\n');
  chmodSync(secret, 0o644);
  const profile = join(dir, 'ui-test.yaml');
  writeFileSync(
    profile,
    `name: ui-test\ndescription: browser test profile\ndefault_policy: allow\ndenied_paths:\n  - ${secret}\ndenied_networks:\n  - '127.0.0.1/32:9'\n`,
  );
  const log = join(dir, 'audit.jsonl');
  // the UI reads the posture of the home of the user it was started for ($HOME without sudo)
  // and of its working folder (this folder: no agent settings in it)
  const home = join(dir, 'home');
  mkdirSync(join(home, '.claude'), { recursive: true });
  writeFileSync(join(home, '.claude', 'settings.json'), JSON.stringify(CLAUDE_SETTINGS, null, 2));
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
  const sudoUser = env.SUDO_UID !== undefined && env.SUDO_UID !== '0' ? env.SUDO_USER : undefined;
  delete env.SUDO_UID;
  delete env.SUDO_USER;
  const port = await freePort();
  // each round: an allowed read, a denied read, and a connect the kernel refuses inline (BLOCK)
  const connect = `/usr/bin/python3 -c "import socket\ntry: socket.create_connection(('127.0.0.1', 9), 1)\nexcept OSError: pass"`;
  const script = `for i in $(seq 1 600); do cat /etc/hostname > /dev/null; cat ${secret} > /dev/null 2>&1; ${connect}; sleep 0.1; done`;
  const child = spawn(
    process.execPath,
    [
      VIGIL,
      'run',
      '--ui',
      '--ui-port',
      String(port),
      '--profile',
      profile,
      '--audit-log',
      log,
      // under sudo the command still runs as the sudo caller, named here now that the
      // environment no longer says it
      ...(sudoUser === undefined || sudoUser === '' ? [] : ['--user', sudoUser]),
      '--',
      '/bin/sh',
      '-c',
      script,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir, env },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (c: string) => (stderr += c));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const gone = await waitFor(() => child.exitCode !== null || child.signalCode !== null, 5000);
      if (!gone) child.kill('SIGKILL');
    }
  });
  const ok = await waitFor(() => /live UI at (http\S+)/.test(stderr) || child.exitCode !== null, 20_000);
  const m = /live UI at (http\S+)/.exec(stderr);
  assert.ok(ok && m?.[1] !== undefined, `vigil printed the UI's URL (stderr: ${stderr})`);
  const url = m[1];
  const u = new URL(url);
  assert.equal(u.hostname, '127.0.0.1', 'loopback by default');
  assert.equal(u.port, String(port), '--ui-port is honoured');
  const token = u.searchParams.get('token') ?? '';
  assert.ok(token.length >= 40, 'a long random token');
  return { child, url, base: `${u.protocol}//${u.host}`, token, log, dir, home, stderr: () => stderr };
}

async function launch(t: TestContext): Promise<Browser> {
  // launch() gives chromium a fresh temporary user-data-dir of its own, removed on close
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
  t.after(() => browser.close());
  return browser;
}

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/**
 * A fake AWS access key id: 'AKIA' and 16 upper-case letters and digits. Not AWS's documented
 * example (AKIAIOSFODNN7EXAMPLE), which secretlint skips; built from parts so that no scanner
 * of this repository takes the source for a leak.
 */
const LEAKED_KEY = ['AKIA', 'QZ7RW4TL', 'XM2KVN5P'].join('');
const LEAKED_MASK = 'AKIA…VN5P';

/** A second session on the daemon the UI's verb uses, whose command leaks LEAKED_KEY in its argv. */
function startLeakSession(t: TestContext, s: Session): { log: string; stderr: () => string } {
  const log = join(s.dir, 'leak-audit.jsonl');
  const child = spawn(
    process.execPath,
    [
      VIGIL,
      'run',
      '--profile',
      join(s.dir, 'ui-test.yaml'),
      '--audit-log',
      log,
      '--',
      '/bin/sh',
      '-c',
      `true ${LEAKED_KEY}; sleep 6`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (c: string) => (stderr += c));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const gone = await waitFor(() => child.exitCode !== null || child.signalCode !== null, 5000);
      if (!gone) child.kill('SIGKILL');
    }
  });
  return { log, stderr: () => stderr };
}

/** The page's whole text and markup, hidden views and attributes included. */
function pageText(page: Page): Promise<string> {
  return page.evaluate(() => `${document.body.textContent}\n${document.documentElement.outerHTML}`);
}

/** Asserts the raw key is nowhere in the page; else says where it is. */
async function assertNoKey(page: Page, where: string): Promise<void> {
  const text = await pageText(page);
  const at = text.indexOf(LEAKED_KEY);
  assert.ok(
    at < 0,
    `the raw key is nowhere in the page (${where}); found in: ${text.slice(Math.max(0, at - 300), at + 60).replaceAll(LEAKED_KEY, '<KEY>')}`,
  );
}

/** The UI lives as long as its session (600 rounds): the steps that need new lines check it runs. */
function assertRunning(s: Session): void {
  assert.equal(
    s.child.exitCode ?? s.child.signalCode,
    null,
    `the session (and its UI) ended early; vigil's stderr: ${s.stderr().slice(0, 1500)}`,
  );
}

/** Texts of one column of the rows on screen. */
function column(page: Page, n: number): Promise<string[]> {
  return page.$$eval(`.list .row:not([hidden]) .c${n}`, (els) => els.map((e) => e.textContent));
}

test('web UI in chromium: token, badges, filters, detail, reconnect', { timeout: 180_000 }, async (t) => {
  if (!(await requires(t, 'root', 'tp_btf', 'cgroup2'))) return;
  if (!existsSync(CHROMIUM)) {
    t.skip(`needs ${CHROMIUM}: apt-get install chromium (scripts/setup.sh installs it)`);
    return;
  }
  const s = await startSession(t);

  // --- no token, no data: page, static file, API, stream ---
  for (const path of [
    '/',
    '/static/app.js',
    '/api/overview',
    '/api/posture',
    '/api/events',
    '/api/events?since=0',
  ]) {
    const r = await httpGet(`${s.base}${path}`);
    assert.equal(r.status, 401, `${path} without the token`);
    assert.ok(!r.body.includes('run-'), `${path}: no event content`);
  }
  const wrong = await httpGet(`${s.base}/api/events`, { Authorization: 'Bearer x'.padEnd(50, 'x') });
  assert.equal(wrong.status, 401, 'a wrong token');

  const browser = await launch(t);
  const anon = await browser.newContext();
  const anonPage = await anon.newPage();
  const refused = await anonPage.goto(`${s.base}/`);
  assert.equal(refused?.status(), 401, 'the browser without the token gets 401');
  assert.ok(!(await anonPage.content()).includes('run-'));
  const apiRefused = await anonPage.goto(`${s.base}/api/overview`);
  assert.equal(apiRefused?.status(), 401);
  await anon.close();

  // --- the page, opened with the printed URL ---
  const context = await browser.newContext({ viewport: { width: 1500, height: 880 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const opened = await page.goto(s.url);
  assert.equal(opened?.status(), 200);
  assert.equal(new URL(page.url()).search, '', 'the token left the address bar for a cookie');
  const cookies = await context.cookies();
  assert.ok(cookies.some((c) => c.httpOnly && c.value === s.token));

  await page.waitForSelector('#conn[data-state=live]', { timeout: 10_000 });
  await page.waitForSelector('.list .row .badge', { timeout: 15_000 });
  // the session that leaks a credential, while the page is live (the alert comes by the stream)
  const leak = startLeakSession(t, s);
  // a line about the denied file, then its badge
  assert.ok(
    await waitFor(
      () => readAuditLog(s.log).some((l) => l.event === 'file_open' && l.path.endsWith('secret.txt')),
      15_000,
    ),
    'the audit log has the open of the denied file',
  );
  const lines = readAuditLog(s.log);
  // The profile denies the file: the kernel refused it (BLOCK, inline backends) or killed the
  // reader (KILL, the reactive tracepoint backend on hosts without BPF-LSM).
  const denial = lines.find((l) => l.event === 'file_open' && l.path.endsWith('secret.txt'))?.action;
  assert.ok(
    denial === 'BLOCK' || denial === 'KILL',
    `the open of the denied file was denied (${String(denial)})`,
  );
  const expected = denial;
  await page.fill('[data-filter=q]', 'secret.txt');
  await page.waitForFunction(
    (want) =>
      [...document.querySelectorAll('.list .row:not([hidden]) .badge')].some((b) => b.textContent === want),
    expected,
    { timeout: 10_000 },
  );
  const targets = await column(page, 6);
  assert.ok(
    targets.length > 0 && targets.every((x) => x.includes('secret.txt')),
    'search keeps only matching lines',
  );
  // dispatched to the row itself: the live feed may shift rows between locating one and a
  // pointer click at its coordinates, which would then land on a neighbour
  await page
    .locator('.list .row:not([hidden])')
    .filter({ has: page.locator('.badge', { hasText: expected }) })
    .first()
    .dispatchEvent('click');
  await page.waitForSelector('.detail .anc', { timeout: 10_000 });
  const detail = await page.locator('.detail').innerText();
  assert.match(detail, new RegExp(expected));
  assert.match(detail, /secret\.txt/);
  const anc = await page.$$eval('.detail .anc', (els) => els.map((e) => e.textContent));
  assert.ok(anc[0]?.includes('root'), `the ancestry starts at the session root: ${anc.join(' | ')}`);
  assert.ok(anc.length >= 2, 'cat under the shell');
  await shot(page, 'feed-detail');
  await page.fill('[data-filter=q]', '');
  await page.keyboard.press('Escape');

  // --- filters: event type, action, session, process ---
  await page.selectOption('[data-filter=event]', 'exec');
  await page.waitForTimeout(300);
  const events = await column(page, 2);
  assert.ok(
    events.length > 0 && events.every((e) => e === 'exec'),
    `event filter: ${events.slice(0, 5).join(',')}`,
  );
  await page.fill('[data-filter=proc]', 'cat');
  await page.waitForTimeout(300);
  const comms = await column(page, 5);
  assert.ok(comms.length > 0 && comms.every((c) => c === 'cat'), 'process filter');
  await shot(page, 'feed-filtered');
  await page.selectOption('[data-filter=event]', '');
  await page.fill('[data-filter=proc]', '');
  await page.dblclick(`.chip[data-action=${expected}]`);
  await page.waitForTimeout(300);
  const onlyOther = await column(page, 1);
  assert.ok(
    onlyOther.length > 0 && onlyOther.every((b) => b === expected),
    'action filter: only the chosen badge',
  );
  // the inline BLOCK of the refused connect has its own badge
  await page.dblclick('.chip[data-action=BLOCK]');
  await page.waitForFunction(
    () =>
      [...document.querySelectorAll('.list .row:not([hidden]) .badge')].some(
        (b) => b.textContent === 'BLOCK',
      ),
    undefined,
    { timeout: 15_000 },
  );
  const blocks = await column(page, 1);
  assert.ok(blocks.length > 0 && blocks.every((b) => b === 'BLOCK'), 'BLOCK badges for the refused connect');
  await shot(page, 'feed-block');
  await page.dblclick('.chip[data-action=OBSERVE]');
  await page.waitForTimeout(300);
  assert.ok((await column(page, 1)).every((b) => b === 'OBSERVE'));
  for (const a of ['BLOCK', 'KILL', 'AUDIT', 'ALLOW']) await page.click(`.chip[data-action=${a}]`);
  const session = lines[0]?.session ?? '';
  assert.match(session, /^run-/);
  await page.selectOption('[data-filter=session]', session);
  await page.waitForTimeout(300);
  const sessions = await column(page, 3);
  assert.ok(sessions.length > 0 && sessions.every((x) => x === session), 'session filter');
  await page.selectOption('[data-filter=session]', '');
  await page.waitForTimeout(300);
  await shot(page, 'feed');

  // --- reconnect: resumes after the last id, no gap, no duplicate ---
  assertRunning(s);
  const lastBefore = await page.evaluate(
    () => (window as unknown as { vigil: { lastId: number } }).vigil.lastId,
  );
  const resumed = page.waitForRequest((r) => r.url().includes('/api/events?since='));
  await page.evaluate(() => {
    (window as unknown as { vigil: { reconnect(): void } }).vigil.reconnect();
  });
  const req = await resumed;
  const since = Number(new URL(req.url()).searchParams.get('since'));
  assert.ok(since >= lastBefore, 'the page asks for what follows its last id');
  await page.waitForFunction(
    (n) => (window as unknown as { vigil: { lastId: number } }).vigil.lastId > n + 5,
    since,
    { timeout: 10_000 },
  );
  const ids = await page.evaluate(() =>
    (window as unknown as { vigil: { feed: { rows: { id: number; gap?: string }[] } } }).vigil.feed.rows.map(
      (r) => (r.gap === undefined ? r.id : -1),
    ),
  );
  assert.ok(!ids.includes(-1), 'no gap marker');
  assert.ok(
    ids.every((id, i) => i === 0 || id === (ids[i - 1] ?? 0) + 1),
    'every id once, in order, across the reconnect',
  );
  assert.equal(await page.locator('.banner-gap:not([hidden])').count(), 0);

  // the server side of Last-Event-ID, as the browser's own EventSource reconnect sends it
  const raw = await httpGet(`${s.base}/api/events`, {
    Cookie: `vigil_ui_${new URL(s.base).port}=${s.token}`,
    'Last-Event-ID': '3',
  });
  assert.equal(raw.status, 200);
  assert.match(raw.body, /event: lines\ndata: \{"from":4,/, 'Last-Event-ID: 3 resumes at id 4');

  // --- alerts: the credential in the leak session's argv, masked; the raw key nowhere ---
  const leakAlert = await waitFor(
    () => readAuditLog(leak.log).some((l) => l.event === 'alert' && l.source === 'argv'),
    20_000,
  );
  const leakLines = readAuditLog(leak.log);
  assert.ok(
    leakAlert,
    `the daemon wrote an alert line for the key in the argv (the leak session's lines: ${leakLines.map((l) => `${l.event}/${l.action}`).join(' ')}; stderr: ${leak.stderr()})`,
  );
  const alertLine = leakLines.find((l) => l.event === 'alert');
  assert.ok(alertLine?.event === 'alert');
  assert.equal(alertLine.masked, LEAKED_MASK, 'the alert line carries the key masked');
  assert.equal(alertLine.kind, 'aws_access_key_id');
  assert.ok(!JSON.stringify(alertLine).includes(LEAKED_KEY), 'and never the key');
  const leakSession = alertLine.session;
  assert.notEqual(leakSession, session);
  await page.click('[data-tab=alerts]');
  const item = page.locator(`.alert-item[data-kind=alert][data-session="${leakSession}"]`).first();
  await item.waitFor({ timeout: 15_000 });
  assert.equal(await item.locator('.al-masked').innerText(), LEAKED_MASK);
  assert.equal(await item.getAttribute('data-severity'), alertLine.severity);
  assert.equal(await item.locator('.sev').innerText(), alertLine.severity.toUpperCase());
  assert.match(await item.innerText(), /credential: aws_access_key_id/);
  assert.match(await item.innerText(), /found in\s+argv/);
  assert.equal(await item.locator('.session-link').innerText(), leakSession);
  assert.match(await page.locator('[data-tab=alerts] .tab-count').innerText(), /^[1-9]/);
  // the filters: this session, critical only (an AWS key id is high: none), then any severity
  await page.selectOption('[data-filter=alert-session]', leakSession);
  await page.selectOption('[data-filter=alert-severity]', 'critical');
  await page.waitForTimeout(300);
  assert.equal(
    await page.locator('.alert-item[data-kind=alert]').count(),
    alertLine.severity === 'critical' ? 1 : 0,
    'the severity filter',
  );
  await page.selectOption('[data-filter=alert-severity]', '');
  await page.waitForSelector(`.alert-item[data-kind=alert][data-session="${leakSession}"]`);
  await shot(page, 'alerts');
  // the kernel's exec line has the key in its argv: the page shows it masked, in every view
  assert.ok(
    leakLines.some((l) => l.event === 'exec' && l.argv.join(' ').includes(LEAKED_KEY)),
    'the exec line carries the key as the kernel saw it',
  );
  await page.click('[data-tab=feed]');
  await page.selectOption('[data-filter=session]', leakSession);
  await page.selectOption('[data-filter=event]', 'exec');
  await page.waitForFunction(
    (mask) =>
      [...document.querySelectorAll('.list .row:not([hidden]) .c6')].some((c) =>
        c.textContent.includes(mask),
      ),
    LEAKED_MASK,
    { timeout: 10_000 },
  );
  await shot(page, 'feed-masked');
  await assertNoKey(page, 'feed');
  await page.selectOption('[data-filter=session]', '');
  await page.selectOption('[data-filter=event]', '');
  // the alert's session link opens the session: its capture matrix
  await page.click('[data-tab=alerts]');
  await item.locator('.session-link').click();
  await page.waitForFunction(
    (name) => document.querySelector('.sd-head h2')?.textContent === name,
    leakSession,
    { timeout: 10_000 },
  );
  assert.ok(await page.locator('#view-sessions').isVisible());
  await page.waitForSelector('.capture', { timeout: 10_000 });
  assert.equal(
    await page.locator('.capture-none').count(),
    0,
    'the daemon reports a capture matrix for the session (vigil status has it)',
  );
  assert.match(await page.locator('.capture tr[data-capture="kernel events"]').innerText(), /always/);
  assert.match(
    await page.locator('.capture tr[data-capture="secrets: argv"]').innerText(),
    /[1-9]\d* exec\(s\) scanned/,
  );
  await assertNoKey(page, 'sessions');

  // --- sessions and system views ---
  assertRunning(s);
  await page.click('[data-tab=sessions]');
  await page.waitForSelector(`.session-card[data-session="${session}"]`, { timeout: 10_000 });
  await page.click(`.session-card[data-session="${session}"]`);
  await page.waitForSelector('.tree .tnode', { timeout: 10_000 });
  await page.waitForSelector('.chart polyline');
  assert.ok((await page.locator('.tree .tnode').count()) >= 1, 'a live process tree');
  // the capture matrix and the timeline: `sh` keeps no session log, so no tool call; every
  // line of the session is in the "not linked" group, the refused ones highlighted
  await page.waitForSelector('.capture tr[data-capture="agent log"]', { timeout: 10_000 });
  await page.waitForSelector(`.timeline[data-session="${session}"] .tl-unlinked`, { timeout: 10_000 });
  const unlinked = page.locator('.timeline .tl-unlinked');
  assert.match(await unlinked.locator('summary').innerText(), /not linked to a tool call/);
  assert.equal(await unlinked.getAttribute('open'), null, 'collapsed');
  await unlinked.locator('summary').click();
  await page.waitForSelector('.timeline .tl-unlinked[open] .tl-line', { timeout: 10_000 });
  assert.ok((await unlinked.locator('.tl-line[data-event=file_open]').count()) >= 1);
  assert.ok((await unlinked.locator('.tl-line.tl-denied').count()) >= 1, 'the refusals are highlighted');
  await page.waitForTimeout(2500); // redraws keep the group open
  assert.notEqual(await unlinked.getAttribute('open'), null);
  await unlinked.scrollIntoViewIfNeeded();
  await shot(page, 'timeline');
  await unlinked.locator('summary').click();
  // the learned profile: what the session needed beyond its profile, and what it still refuses
  await page.click('.learn-go');
  await page.waitForSelector('.learn-diff', { timeout: 15_000 });
  const diff = await page.locator('.learn-diff').innerText();
  assert.match(diff, new RegExp(`learned from ${session} against 'ui-test'`));
  assert.match(diff, /~ default_policy: paths allow -> deny/);
  assert.match(diff, /\+ allowed_paths: \/etc\/hostname \[read\]/);
  assert.match(diff, /! open .*: BLOCK by denied_paths\[0\]/);
  assert.match(diff, /! connect 127\.0\.0\.1:9\/tcp: BLOCK by denied_networks\[0\]/);
  assert.equal((await page.locator('.learn .ld-refused').count()) >= 2, true, 'refusals are highlighted');
  await page.waitForTimeout(2500); // overviews redraw the detail: the result stays
  assert.match(await page.locator('.learn-diff').innerText(), /learned from/);
  await page.locator('.learn-diff').scrollIntoViewIfNeeded();
  await shot(page, 'learned');
  await page.waitForTimeout(1500);
  await shot(page, 'sessions');
  await page.click('[data-tab=system]');
  await page.waitForSelector('.doctor tbody tr', { timeout: 30_000 });
  const protections = await page.$$eval('.doctor tbody tr', (rows) =>
    rows.map((r) => r.getAttribute('data-protection')),
  );
  assert.deepEqual(protections, [
    'file_open',
    'exec',
    'connect',
    'udp_send',
    'raw_sockets',
    'unlink',
    'rename',
    'ptrace',
    'signals',
    'exec_memory',
    'self_protection',
  ]);
  await page.waitForSelector('.profile[data-profile=ui-test]');
  await page.waitForSelector('.loss');
  await shot(page, 'system');

  // --- posture: Claude Code's settings in the UI's home, scored ---
  await page.click('[data-tab=posture]');
  const card = page.locator('.posture-agent[data-agent=claude-code]');
  await card.waitFor({ timeout: 10_000 });
  const api = (await page.evaluate(() =>
    fetch('/api/posture', { cache: 'no-store' }).then((r) => r.json()),
  )) as { report: PostureReport | null; error: string | null };
  assert.equal(api.error, null);
  assert.equal(api.report?.home, s.home, "the UI reads its own user's home");
  assert.equal(api.report.project, s.dir, 'and its working folder');
  const claude = api.report.agents.find((a) => a.agent === 'claude-code');
  assert.ok(claude?.present);
  const settings = join(s.home, '.claude', 'settings.json');
  const bypass = claude.reasons.find((r) => r.code === 'bypass_permissions');
  assert.equal(bypass?.file, settings);
  assert.ok(claude.reasons.some((r) => r.code === 'hook_always_allows'));
  assert.ok(claude.score >= 55, `bypass mode and a gate that never closes: ${claude.score}`);
  const band = claude.score >= 50 ? 'high' : claude.score >= 20 ? 'medium' : 'low';
  assert.equal(await card.getAttribute('data-score'), String(claude.score));
  assert.equal(await card.getAttribute('data-band'), band);
  assert.equal(await card.locator('.pa-head .score').innerText(), String(claude.score));
  assert.equal(
    await card.locator('[data-confined]').getAttribute('data-confined'),
    claude.confinedByVigil.covered ? 'yes' : 'no',
  );
  const row = card.locator('tr[data-reason=bypass_permissions]');
  assert.match(await row.innerText(), /\+40/);
  assert.match(await row.innerText(), /bypassPermissions/, 'the snippet it was found in');
  assert.ok((await row.innerText()).includes(settings), 'the file it was found in');
  assert.equal(await card.locator('tr[data-reason=hook_always_allows]').count(), 1);
  assert.equal(await card.locator(`.pa-files tr[data-path="${settings}"]`).getAttribute('data-state'), 'ok');
  assert.ok((await page.locator('.posture-head').innerText()).includes(s.home));
  assert.equal(
    await page.locator('[data-tab=posture] .tab-count').innerText(),
    String(api.report.worst),
    'the tab shows the worst score',
  );
  await shot(page, 'posture');
  await assertNoKey(page, 'end');
  assert.deepEqual(errors, [], 'no script error in the page');
  await context.close();
});
