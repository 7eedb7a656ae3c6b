// The live web UI's HTTP server: static page and modules from src/ui/static (read once at
// start, no build step), a small JSON API, and the event stream (Server-Sent Events, see
// event-hub.ts). Every request must carry the token (auth.ts); nothing, not even the page,
// is served without it. Read-only: no request changes anything in vigil.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { CaptureSummary, SessionSummary, StatusResult } from '../daemon/control-protocol.js';
import { SystemError } from '../errors.js';
import { EVENT_KINDS, type AuditLine } from '../sinks/audit-schema.js';
import { AlertList, isSeverity, SEVERITIES, type AlertsView } from './alert-list.js';
import { newToken, TokenAuth } from './auth.js';
import { EventHub, type HubOptions } from './event-hub.js';
import { ProcessForest, type ProcNode } from './lineage.js';
import { PostureHistory, type PostureHistoryView } from './posture-history.js';
import { PostureReports, type PostureSnapshot, type PostureWhereOptions } from './posture-report.js';
import { SessionLearnLines, type LearnedView } from './session-learn.js';
import { SessionStats, type SessionCounters } from './session-stats.js';
import { SessionTimeline, type TimelineView } from './session-timeline.js';
import type { UiSource } from './ui-source.js';
import { DEFAULT_UI_HOST, DEFAULT_UI_PORT } from './ui-defaults.js';

/** How often the browser gets the overview (sessions, counters, rates). */
const OVERVIEW_MS = 1000;
/** The overview lists at most this many sessions (live ones first, then the newest). */
const OVERVIEW_SESSIONS = 50;
/** Capture matrices remembered after the daemon stops reporting their session. */
const CAPTURES_MAX = 200;

export interface UiServerOptions {
  source: UiSource;
  host?: string;
  port?: number;
  /** a fixed token (tests); a random one by default */
  token?: string;
  /** accept any Host header (needed when bound to a non-loopback address) */
  public?: boolean;
  hub?: HubOptions;
  /** whose posture the Posture view reads (tests); by default the home of the user the UI was
   * started for and this process's working folder */
  posture?: PostureWhereOptions;
}

interface StaticFile {
  body: Buffer;
  type: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'Cross-Origin-Resource-Policy': 'same-origin',
} as const;

/**
 * The static folder: next to this module (when copied into dist/) or in the source tree, found
 * from dist/src/ui/ as ../../../src/ui/static.
 */
export function staticDir(): string {
  const candidates = [
    fileURLToPath(new URL('./static/', import.meta.url)),
    fileURLToPath(new URL('../../../src/ui/static/', import.meta.url)),
  ];
  const dir = candidates.find((d) => existsSync(join(d, 'index.html')));
  if (dir === undefined) {
    throw new SystemError(
      'VIGIL_UI_ASSETS',
      `the web UI's files are missing (looked in ${candidates.join(', ')})`,
    );
  }
  return dir;
}

function loadStatic(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (type !== undefined) files.set(name, { body: readFileSync(join(dir, name)), type });
  }
  // the feed's list of event kinds and the alerts' severities, from the audit schema (no copy
  // in the page's code)
  const kinds =
    `export const EVENT_KINDS = ${JSON.stringify(EVENT_KINDS)};\n` +
    `export const SEVERITIES = ${JSON.stringify(SEVERITIES)};\n`;
  files.set('event-kinds.js', { body: Buffer.from(kinds), type: TYPES['.js'] ?? '' });
  return files;
}

export interface SessionView {
  name: string;
  kind: string | null;
  profile: string | null;
  profileSource: string | null;
  rootPid: number | null;
  startedAt: string | null;
  endedAt: string | null;
  live: boolean;
  processes: number;
  counters: SessionCounters | null;
  series: { end: number; events: number[]; blocks: number[] } | null;
  /**
   * What vigil captures of the session (the daemon's status; the last one it reported once it
   * no longer lists the session); null when the daemon never reported one (a daemon before it).
   */
  capture: CaptureSummary | null;
}

/** /api/posture: the posture now, and the changes the UI has seen. */
export interface PostureView extends PostureSnapshot {
  history: PostureHistoryView;
}

export interface AncestryView {
  chain: {
    pid: number;
    comm: string;
    exe: string | null;
    argv: string[] | null;
    exited: boolean;
    root: boolean;
  }[];
  /** where it came from: the session's lines, the daemon's process table, or both */
  from: 'lines' | 'daemon' | 'lines+daemon' | 'none';
  /** it reaches the session's root */
  complete: boolean;
}

export class UiServer {
  readonly hub: EventHub;
  readonly auth: TokenAuth;
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly #server: Server;
  readonly #source: UiSource;
  readonly #files: Map<string, StaticFile>;
  readonly #stats = new SessionStats();
  readonly #learnLines = new SessionLearnLines();
  readonly #alerts = new AlertList();
  readonly #timeline = new SessionTimeline();
  readonly #captures = new Map<string, CaptureSummary>();
  readonly #forest = new ProcessForest();
  readonly #postureHistory = new PostureHistory();
  readonly #postureReports: PostureReports;
  readonly #allowedHosts: Set<string> | undefined;
  readonly #overviewTimer: NodeJS.Timeout;
  #unsubscribe: () => void = () => undefined;
  #lastStatus: StatusResult | undefined;
  #overviewBusy = false;
  #closed = false;

  private constructor(
    server: Server,
    options: UiServerOptions,
    files: Map<string, StaticFile>,
    port: number,
  ) {
    this.#server = server;
    this.#source = options.source;
    this.#files = files;
    this.host = options.host ?? DEFAULT_UI_HOST;
    this.port = port;
    this.auth = new TokenAuth(options.token ?? newToken(), port);
    const shown = this.host.includes(':') ? `[${this.host}]` : this.host;
    this.url = `http://${shown === '0.0.0.0' || shown === '[::]' ? '127.0.0.1' : shown}:${port}/?token=${this.auth.token}`;
    this.#allowedHosts =
      options.public === true
        ? undefined
        : new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${shown}:${port}`]);
    this.hub = new EventHub(options.hub);
    this.hub.onLine((line, id) => {
      this.#stats.observe(line);
      this.#learnLines.observe(line);
      this.#forest.observe(line);
      this.#alerts.observe(line, id);
      this.#timeline.observe(line, id);
      this.#postureHistory.observe(line, id);
    });
    this.#postureReports = new PostureReports(options.posture ?? {}, async () =>
      (await this.#source.status()).watchRules.map((w) => w.basename),
    );
    this.#overviewTimer = setInterval(() => {
      void this.#broadcastOverview();
    }, OVERVIEW_MS);
    this.#overviewTimer.unref();
  }

  /** Listens, then subscribes to the source. Fails with a coded error when the port is taken. */
  static async start(options: UiServerOptions): Promise<UiServer> {
    const files = loadStatic(staticDir());
    const started: { ui?: UiServer } = {};
    const server = createServer((req, res) => {
      if (started.ui === undefined) res.writeHead(503).end();
      else started.ui.#handle(req, res);
    });
    const host = options.host ?? DEFAULT_UI_HOST;
    const port = options.port ?? DEFAULT_UI_PORT;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        const hint =
          err.code === 'EADDRINUSE'
            ? `choose another port with --ui-port (0: any free port)`
            : err.code === 'EADDRNOTAVAIL'
              ? `--ui-host must be an address of this machine`
              : undefined;
        reject(
          new SystemError('VIGIL_UI_LISTEN', `cannot serve the UI on ${host}:${port}: ${err.message}`, {
            cause: err,
            hint,
          }),
        );
      });
      server.listen(port, host, () => {
        resolve();
      });
    });
    server.unref();
    const ui = new UiServer(server, options, files, (server.address() as AddressInfo).port);
    ui.#unsubscribe = await options.source.subscribe((line) => ui.hub.push(line));
    started.ui = ui;
    return ui;
  }

  /** Ingests a line directly (tests, benchmarks); the source's lines arrive the same way. */
  push(line: AuditLine): number {
    return this.hub.push(line);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#overviewTimer);
    this.#unsubscribe();
    this.hub.close();
    await new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve();
      });
      this.#server.closeAllConnections();
    });
    await this.#source.close();
  }

  // --- requests ---

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://ui.invalid');
    if (this.#allowedHosts !== undefined && !this.#allowedHosts.has(req.headers.host ?? '')) {
      // DNS rebinding guard: a page on another name that resolves here gets nothing.
      this.#text(res, 421, 'vigil UI: unexpected Host header\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      this.#text(res, 405, 'vigil UI: read-only\n', { Allow: 'GET, HEAD' });
      return;
    }
    const auth = this.auth.check(req, url);
    if (!auth.ok) {
      this.#text(
        res,
        401,
        `vigil UI: ${auth.why === 'wrong' ? 'wrong token' : 'token required'}: open the URL vigil printed when it started (it ends in ?token=...)\n`,
        { 'WWW-Authenticate': 'Bearer realm="vigil"' },
      );
      return;
    }
    const path = url.pathname;
    if (path === '/' || path === '/index.html') {
      if (auth.via === 'query') {
        // Trade the token in the address bar for a cookie, so it is not left on screen or in
        // bookmarks; the redirect keeps any other query parameters.
        url.searchParams.delete('token');
        const rest = url.searchParams.toString();
        res.writeHead(303, {
          ...SECURITY_HEADERS,
          'Set-Cookie': this.auth.setCookie(),
          Location: `/${rest === '' ? '' : `?${rest}`}`,
        });
        res.end();
        return;
      }
      this.#file(res, 'index.html');
      return;
    }
    if (path.startsWith('/static/')) {
      this.#file(res, path.slice('/static/'.length));
      return;
    }
    if (path === '/api/events') {
      this.#events(req, res, url);
      return;
    }
    void this.#api(res, path, url).catch((err: unknown) => {
      if (!res.headersSent) this.#json(res, 500, { error: err instanceof Error ? err.message : String(err) });
      else res.destroy();
    });
  }

  async #api(res: ServerResponse, path: string, url: URL): Promise<void> {
    if (path === '/api/overview') {
      this.#json(res, 200, await this.overview());
    } else if (path === '/api/doctor') {
      this.#json(res, 200, await this.#source.doctor());
    } else if (path === '/api/profiles') {
      this.#json(res, 200, await this.#source.profiles());
    } else if (path === '/api/ancestry') {
      const pid = Number(url.searchParams.get('pid'));
      const session = url.searchParams.get('session') ?? '';
      if (!Number.isInteger(pid) || pid <= 0)
        this.#json(res, 400, { error: 'pid must be a positive integer' });
      else this.#json(res, 200, this.ancestry(session, pid));
    } else if (path === '/api/alerts') {
      const severity = url.searchParams.get('severity') ?? '';
      if (severity !== '' && !isSeverity(severity))
        this.#json(res, 400, { error: `severity must be one of ${SEVERITIES.join(', ')}` });
      else this.#json(res, 200, this.alerts(url.searchParams.get('session') ?? '', severity));
    } else if (path === '/api/posture') {
      this.#json(res, 200, await this.posture());
    } else if (path.startsWith('/api/sessions/') && path.endsWith('/timeline')) {
      const name = decodeURIComponent(path.slice('/api/sessions/'.length, -'/timeline'.length));
      const view = this.timeline(name);
      if (view === undefined)
        this.#json(res, 404, { error: `no tool call or process line of session ${name} yet` });
      else this.#json(res, 200, view);
    } else if (path.startsWith('/api/sessions/') && path.endsWith('/learned')) {
      const name = decodeURIComponent(path.slice('/api/sessions/'.length, -'/learned'.length));
      const r = await this.learned(name);
      this.#json(res, 'error' in r ? r.status : 200, 'error' in r ? { error: r.error } : r);
    } else if (path.startsWith('/api/sessions/')) {
      const name = decodeURIComponent(path.slice('/api/sessions/'.length));
      const tree = this.#forest.tree(name);
      const counters = this.#stats.get(name);
      if (tree === undefined && counters === undefined) this.#json(res, 404, { error: `no session ${name}` });
      else this.#json(res, 200, { name, counters, series: this.#stats.series(name), tree });
    } else if (path === '/api/line') {
      const line = this.hub.get(Number(url.searchParams.get('id')));
      if (line === undefined) this.#json(res, 404, { error: 'not in the backlog' });
      else this.#json(res, 200, line);
    } else {
      this.#json(res, 404, { error: `no such endpoint ${path}` });
    }
  }

  #events(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const header = req.headers['last-event-id'];
    const raw = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('since') ?? undefined;
    const last = raw !== undefined && /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : undefined;
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    req.socket.setNoDelay(true);
    const detach = this.hub.attach(
      {
        write: (chunk) => res.write(chunk),
        get writableLength() {
          return res.writableLength;
        },
        close: (drop) => {
          if (drop) res.destroy();
          else res.end();
        },
      },
      last,
    );
    res.on('close', detach);
  }

  #file(res: ServerResponse, name: string): void {
    const f = this.#files.get(name);
    if (f === undefined) {
      this.#text(res, 404, 'not found\n');
      return;
    }
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': f.type, 'Content-Length': f.body.length });
    res.end(f.body);
  }

  #json(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      ...SECURITY_HEADERS,
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
    });
    res.end(text);
  }

  #text(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, {
      ...SECURITY_HEADERS,
      ...headers,
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
    });
    res.end(text);
  }

  // --- views ---

  /** Sessions (daemon's view merged with the UI's counters), rates, loss counters. */
  async overview(): Promise<unknown> {
    let status: StatusResult | undefined;
    let statusError: string | null = null;
    try {
      status = await this.#source.status();
      this.#lastStatus = status;
    } catch (err) {
      status = this.#lastStatus;
      statusError = err instanceof Error ? err.message : String(err);
    }
    return {
      source: this.#source.kind,
      statusError,
      daemon:
        status === undefined
          ? null
          : {
              pid: status.pid,
              startedAt: status.startedAt,
              kernel: status.kernel,
              ring: status.ring,
              watchRules: status.watchRules,
            },
      ui: this.hub.stats(),
      totals: this.#stats.totals,
      series: this.#stats.series(),
      sessions: this.sessions(status?.sessions ?? []),
    };
  }

  /** The profile that allows what `name` did, learned against the session's own profile. */
  async learned(name: string): Promise<LearnedView | { status: number; error: string }> {
    const [status, refs] = await Promise.all([this.#source.status(), this.#source.profiles()]);
    const summary = status.sessions.find((s) => s.name === name);
    const profile = summary?.profile ?? this.#stats.get(name)?.profile;
    const ref = refs.find(
      (r) => r.name === profile && (summary === undefined || r.source === summary.profileSource),
    );
    if (ref === undefined)
      return { status: 404, error: `the profile of session ${name} is not known to this UI` };
    try {
      return (
        this.#learnLines.learn(name, ref) ?? { status: 404, error: `no decision of session ${name} yet` }
      );
    } catch (e) {
      return { status: 422, error: e instanceof Error ? e.message : String(e) };
    }
  }

  /** Alerts and flagged installs, newest first; `severity`: the least serious one shown. */
  alerts(session = '', severity = ''): AlertsView {
    return this.#alerts.list({
      session: session === '' ? undefined : session,
      severity: isSeverity(severity) ? severity : undefined,
    });
  }

  /** Each agent's posture (rescanned at most every couple of seconds) and the posture_change
   * lines seen, newest first. */
  async posture(): Promise<PostureView> {
    return { ...(await this.#postureReports.get()), history: this.#postureHistory.list() };
  }

  /** The session's turns, tool calls and the kernel lines linked to them. */
  timeline(name: string): TimelineView | undefined {
    return this.#timeline.view(name);
  }

  sessions(summaries: SessionSummary[]): SessionView[] {
    const byName = new Map<string, SessionView>();
    for (const s of summaries) {
      if (s.capture !== undefined) {
        this.#captures.delete(s.name);
        this.#captures.set(s.name, s.capture);
        if (this.#captures.size > CAPTURES_MAX)
          this.#captures.delete(this.#captures.keys().next().value as string);
      }
      byName.set(s.name, {
        name: s.name,
        kind: s.kind,
        profile: s.profile,
        profileSource: s.profileSource,
        rootPid: s.rootPid,
        startedAt: s.startedAt,
        endedAt: s.endedAt,
        live: s.endedAt === null,
        processes: s.processes.length,
        counters: null,
        series: null,
        capture: s.capture ?? null,
      });
    }
    for (const c of this.#stats.sessions()) {
      const v = byName.get(c.session) ?? {
        name: c.session,
        kind: null,
        profile: c.profile,
        profileSource: null,
        rootPid: null,
        startedAt: c.firstTs,
        endedAt: c.ended ? c.lastTs : null,
        live: !c.ended,
        processes: 0,
        counters: null,
        series: null,
        capture: this.#captures.get(c.session) ?? null,
      };
      v.counters = c;
      byName.set(c.session, v);
    }
    const list = [...byName.values()]
      .sort((a, b) => Number(b.live) - Number(a.live) || (b.startedAt ?? '').localeCompare(a.startedAt ?? ''))
      .slice(0, OVERVIEW_SESSIONS);
    for (const v of list) v.series = this.#stats.series(v.name) ?? null;
    return list;
  }

  /** The chain of `pid` up to its session's root: from the session's lines, else the daemon. */
  ancestry(session: string, pid: number): AncestryView {
    const fromLines = this.#forest.ancestry(session, pid).map(nodeView);
    const last = fromLines.at(-1);
    if (last?.root === true) return { chain: fromLines, from: 'lines', complete: true };
    const tail = last?.pid ?? pid;
    const daemon = this.#source.ancestry(tail);
    if (daemon === undefined || daemon.length === 0) {
      return { chain: fromLines, from: fromLines.length === 0 ? 'none' : 'lines', complete: false };
    }
    const extra = (fromLines.length === 0 ? daemon : daemon.slice(1)).map((e) => ({
      pid: e.pid,
      comm: e.comm,
      exe: e.exe,
      argv: null,
      exited: e.exited,
      root: false,
    }));
    return {
      chain: [...fromLines, ...extra],
      from: fromLines.length === 0 ? 'daemon' : 'lines+daemon',
      complete: false,
    };
  }

  async #broadcastOverview(): Promise<void> {
    if (this.hub.clientCount === 0 || this.#overviewBusy) return;
    this.#overviewBusy = true;
    try {
      this.hub.broadcast('overview', await this.overview());
    } finally {
      this.#overviewBusy = false;
    }
  }
}

function nodeView(n: ProcNode): AncestryView['chain'][number] {
  return { pid: n.pid, comm: n.comm, exe: n.exe, argv: n.argv, exited: n.exited, root: n.root };
}
