// A CLI verb's way to the daemon: over the control socket, starting a detached daemon when
// none runs (so `vigil run` needs no service), and finding one again when the connection drops.
// Tests and `vigil demo` may run the daemon in their own process instead.
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';

import { RemoteError, VigilError } from '../errors.js';
import type { AuditLine } from '../sinks/audit-schema.js';
import type {
  EnforceOptions,
  LandlockState,
  ReloadResult,
  Push,
  Request,
  Response,
  ServerMessage,
  SessionSummary,
  StatusResult,
  ProfileRef,
} from './control-protocol.js';
import { DEFAULT_SOCKET } from './control-protocol.js';
import type { LoadedSource } from '../policy/load-source.js';
// The in-process daemon (tests, vigil demo) is imported when used: a client of a running daemon
// loads none of the daemon, loader or bridge code.
import type { ControlServer } from './control-server.js';
import type { Daemon, DaemonOptions, SessionSink } from './daemon.js';
import { tryConnect } from './control-connect.js';
import { spawnDaemon } from './daemon-spawn.js';

export interface ClientSink {
  line: (line: AuditLine) => void;
  ended: (session: number, name: string) => void;
}

type RequestBody = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** What a CLI verb needs from the daemon, wherever it runs. */
export interface DaemonHandle {
  readonly inProcess: boolean;
  /** times the connection to the daemon dropped (and was looked for again) */
  readonly gaps: number;
  /** connected now */
  readonly connected: boolean;
  status(): Promise<StatusResult>;
  /** The daemon's process id (a cheap round trip, unlike status). */
  pid(): Promise<number>;
  /** A run session whose lines (from session_start on) go to `sink`. */
  createRunSession(
    profile: ProfileRef,
    cgroup: boolean,
    enforce: EnforceOptions,
    sink: ClientSink,
  ): Promise<SessionSummary>;
  /** Watches the launcher `pid` as the session's root; `landlock`: what the launcher reported. */
  adoptRoot(session: number, pid: number, landlock?: LandlockState): Promise<void>;
  /** An attach session whose lines (from session_start on) go to `sink`. */
  attach(
    pid: number,
    profile: ProfileRef,
    enforce: EnforceOptions,
    sink: ClientSink,
  ): Promise<SessionSummary>;
  addWatch(
    profile: ProfileRef,
    enforce: EnforceOptions,
  ): Promise<{ rules: string[]; adopted: SessionSummary[] }>;
  subscribe(
    filter: { session?: number; watch?: boolean },
    onLine: (line: AuditLine) => void,
    onEnd: (session: number, name: string) => void,
  ): Promise<void>;
  /** Loads every profile in use again from its source; a bad one leaves its old tables in force. */
  reloadProfiles(): Promise<ReloadResult>;
  /** Loads a profile (`builtin:NAME` or a file) where the loader already is: in the daemon. */
  loadProfile(source: string, vars: ProfileRef['vars']): Promise<LoadedSource>;
  /** Events still in the kernel's ring buffer are delivered before this resolves. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export class DaemonUnavailable extends VigilError {
  constructor(message: string, options: { cause?: unknown; hint?: string } = {}) {
    super('VIGIL_NO_DAEMON', message, options);
  }
}

/** What a client hears about its daemon connection (printed by the CLI verbs). */
export interface ConnectionEvents {
  /** the connection dropped; `stopping`: the daemon said it was stopping (and whether its state stays) */
  lost?: (why: string, stopping: { kept: boolean } | undefined) => void;
  /** connected again, to `pid`, and the client's session or subscription taken back */
  back?: (pid: number, downMs: number) => void;
  /** the session could not be taken back: the new daemon does not know it */
  resumeFailed?: (err: Error) => void;
}

/** How the client finds a daemon again: `start` is called when none answers for a while. */
interface Reconnect {
  path: string;
  start: (() => Promise<void>) | undefined;
  events: ConnectionEvents;
}

const RECONNECT_EVERY_MS = 200;
class RemoteDaemon implements DaemonHandle {
  readonly inProcess = false;
  #sock: Socket;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #nextId = 1;
  #onPush: ((p: Push) => void) | undefined;
  #closing = false;
  #stopping: { kept: boolean } | undefined;
  readonly #reconnect: Reconnect | undefined;
  /** what to take back on a new connection: the session followed, the subscription, the rules */
  #session: number | undefined;
  #filter: { session?: number; watch?: boolean } | undefined;
  #ruleIds: number[] = [];
  #lostAt: number | undefined;
  #gaps = 0;

  constructor(sock: Socket, reconnect?: Reconnect) {
    this.#reconnect = reconnect;
    this.#sock = sock;
    this.#wire(sock);
  }

  /** Times the connection dropped during this client's life. */
  get gaps(): number {
    return this.#gaps;
  }

  /** Connected now (false while a dropped connection is being re-established). */
  get connected(): boolean {
    return this.#lostAt === undefined;
  }

  #wire(sock: Socket): void {
    let buffered = '';
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      buffered += chunk;
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const msg = JSON.parse(buffered.slice(0, nl)) as ServerMessage;
        buffered = buffered.slice(nl + 1);
        if ('push' in msg) {
          if (msg.push === 'daemon_stopping') this.#stopping = { kept: msg.kept };
          else this.#onPush?.(msg);
        } else this.#settle(msg);
      }
    });
    sock.on('error', () => undefined);
    sock.on('close', () => {
      for (const p of this.#pending.values())
        p.reject(new DaemonUnavailable('the vigil daemon closed the connection'));
      this.#pending.clear();
      if (this.#closing || this.#reconnect === undefined) return;
      this.#gaps++;
      this.#lostAt = Date.now();
      const stopping = this.#stopping;
      this.#stopping = undefined;
      this.#reconnect.events.lost?.(
        stopping === undefined ? 'the connection to the vigil daemon dropped' : 'the vigil daemon stopped',
        stopping,
      );
      void this.#reestablish(this.#reconnect);
    });
  }

  /** Connects again (starting a daemon if none comes back), then takes the session back. */
  async #reestablish(r: Reconnect): Promise<void> {
    let started = false;
    while (!this.#closing) {
      const sock = await tryConnect(r.path);
      if (sock !== undefined) {
        if (this.#isClosing()) {
          sock.destroy();
          return;
        }
        this.#sock = sock;
        this.#wire(sock);
        const down = Date.now() - (this.#lostAt ?? Date.now());
        this.#lostAt = undefined;
        try {
          const hello = await this.#request<{ pid: number }>({ op: 'hello' });
          if (this.#session !== undefined)
            await this.#request({ op: 'session.resume', session: this.#session });
          if (this.#filter !== undefined) await this.#request({ op: 'subscribe', ...this.#filter });
          if (this.#ruleIds.length > 0) await this.#request({ op: 'watch.own', ruleIds: this.#ruleIds });
          r.events.back?.(hello.pid, down);
        } catch (err) {
          r.events.resumeFailed?.(err instanceof Error ? err : new Error(String(err)));
        }
        return;
      }
      // none answers: start one at once, since every ms counts against the fail-closed deadline
      // (one started meanwhile by another client, or by systemd, wins the lock; ours exits)
      if (!started && r.start !== undefined) {
        started = true;
        try {
          await r.start();
        } catch {
          started = false; // another client may be starting one: keep trying to connect
        }
        continue;
      }
      await new Promise((res) => setTimeout(res, RECONNECT_EVERY_MS));
    }
  }

  /** close() may have been called while a connect was pending. */
  #isClosing(): boolean {
    return this.#closing;
  }

  #settle(msg: Response): void {
    const p = this.#pending.get(msg.id);
    if (p === undefined) return;
    this.#pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new RemoteError(msg.error.code, msg.error.message, { hint: msg.error.hint }));
  }

  #request<T>(body: RequestBody): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      if (this.#sock.destroyed || this.#lostAt !== undefined) {
        reject(new DaemonUnavailable('no connection to the vigil daemon'));
        return;
      }
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#sock.write(`${JSON.stringify({ ...body, id })}\n`);
    });
  }

  status(): Promise<StatusResult> {
    return this.#request({ op: 'status' });
  }
  async pid(): Promise<number> {
    return (await this.#request<{ pid: number }>({ op: 'hello' })).pid;
  }
  async createRunSession(
    profile: ProfileRef,
    cgroup: boolean,
    enforce: EnforceOptions,
    sink: ClientSink,
  ): Promise<SessionSummary> {
    this.#sink(sink);
    const s = await this.#request<SessionSummary>({
      op: 'session.create',
      kind: 'run',
      profile,
      cgroup,
      subscribe: true,
      enforce,
    });
    this.#session = s.id;
    return s;
  }
  async adoptRoot(session: number, pid: number, landlock?: LandlockState): Promise<void> {
    await this.#request({
      op: 'session.adopt',
      session,
      pid,
      ...(landlock === undefined ? {} : { landlock }),
    });
  }
  async attach(
    pid: number,
    profile: ProfileRef,
    enforce: EnforceOptions,
    sink: ClientSink,
  ): Promise<SessionSummary> {
    this.#sink(sink);
    const s = await this.#request<SessionSummary>({ op: 'attach', pid, profile, subscribe: true, enforce });
    this.#session = s.id;
    return s;
  }
  async addWatch(
    profile: ProfileRef,
    enforce: EnforceOptions,
  ): Promise<{ rules: string[]; adopted: SessionSummary[] }> {
    const r = await this.#request<{ rules: string[]; ruleIds: number[]; adopted: SessionSummary[] }>({
      op: 'watch.add',
      profile,
      enforce,
    });
    this.#ruleIds.push(...r.ruleIds);
    return { rules: r.rules, adopted: r.adopted };
  }
  async subscribe(
    filter: { session?: number; watch?: boolean },
    onLine: (line: AuditLine) => void,
    onEnd: (session: number, name: string) => void,
  ): Promise<void> {
    this.#sink({ line: onLine, ended: onEnd });
    await this.#request({ op: 'subscribe', ...filter });
    this.#filter = filter;
  }
  #sink(sink: ClientSink): void {
    this.#onPush = (p) => {
      if (p.push === 'line') sink.line(p.line);
      else if (p.push === 'session_end') sink.ended(p.session, p.name);
    };
  }
  reloadProfiles(): Promise<ReloadResult> {
    return this.#request({ op: 'profile.reload' });
  }
  async loadProfile(source: string, vars: ProfileRef['vars']): Promise<LoadedSource> {
    try {
      return await this.#request<LoadedSource>({ op: 'profile.load', source, vars });
    } catch (err) {
      // a broken profile exits as one loaded here would (the catalogue's exit code for its code)
      if (err instanceof RemoteError && /^VIGIL_PROFILE_/.test(err.code))
        throw new VigilError(err.catalogueCode, err.message, { hint: err.hint });
      throw err;
    }
  }
  async flush(): Promise<void> {
    // The daemon delivers on its own every 50 ms; a round trip after that covers it.
    await new Promise((r) => setTimeout(r, 120));
    await this.#request({ op: 'hello' });
  }
  /** Asks the daemon to stop (unload: and remove its pinned state); resolves once it has closed. */
  async stopDaemon(unload: boolean): Promise<void> {
    this.#closing = true;
    const closed = new Promise<void>((r) => {
      this.#sock.once('close', () => {
        r();
      });
    });
    const { pid } = await this.#request<{ pid: number }>({ op: 'daemon.stop', unload });
    await closed;
    // the daemon lets its clients go first, then stops (and unloads): wait for it to be gone
    const end = Date.now() + 15_000;
    while (existsSync(`/proc/${pid}`) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  }
  close(): Promise<void> {
    this.#closing = true;
    this.#sock.end();
    return Promise.resolve();
  }
}

class LocalDaemon implements DaemonHandle {
  readonly inProcess = true;
  readonly gaps = 0;
  readonly connected = true;
  readonly daemon: Daemon;
  readonly #server: ControlServer | undefined;

  constructor(daemon: Daemon, server: ControlServer | undefined) {
    this.daemon = daemon;
    this.#server = server;
  }

  status(): Promise<StatusResult> {
    return Promise.resolve(this.daemon.status());
  }
  pid(): Promise<number> {
    return Promise.resolve(process.pid);
  }
  createRunSession(
    profile: ProfileRef,
    cgroup: boolean,
    enforce: EnforceOptions,
    sink: ClientSink,
  ): Promise<SessionSummary> {
    const s = this.daemon.createRunSession(profile, cgroup, enforce, localSink(sink));
    return this.daemon.sessionReady(s.id).then(() => s.summary());
  }
  adoptRoot(session: number, pid: number, landlock?: LandlockState): Promise<void> {
    if (landlock !== undefined) this.daemon.sessions.setLandlock(session, landlock);
    this.daemon.adoptRoot(session, pid);
    return Promise.resolve();
  }
  attach(
    pid: number,
    profile: ProfileRef,
    enforce: EnforceOptions,
    sink: ClientSink,
  ): Promise<SessionSummary> {
    const s = this.daemon.attach(pid, profile, enforce, localSink(sink));
    return this.daemon.sessionReady(s.id).then(() => s.summary());
  }
  addWatch(
    profile: ProfileRef,
    enforce: EnforceOptions,
  ): Promise<{ rules: string[]; adopted: SessionSummary[] }> {
    const r = this.daemon.addWatch(profile, enforce);
    return Promise.resolve({ rules: r.rules, adopted: r.adopted.map((s) => s.summary()) });
  }
  subscribe(
    filter: { session?: number; watch?: boolean },
    onLine: (line: AuditLine) => void,
    onEnd: (session: number, name: string) => void,
  ): Promise<void> {
    this.daemon.subscribe(filter, onLine, (s) => {
      onEnd(s.id, s.name);
    });
    return Promise.resolve();
  }
  reloadProfiles(): Promise<ReloadResult> {
    return Promise.resolve(this.daemon.reloadProfiles());
  }
  async loadProfile(source: string, vars: ProfileRef['vars']): Promise<LoadedSource> {
    return (await import('../policy/load-source.js')).loadProfileSource(source, vars);
  }
  flush(): Promise<void> {
    this.daemon.flush();
    return Promise.resolve();
  }
  async close(): Promise<void> {
    await this.#server?.close();
    this.daemon.stop();
  }
}

function localSink(sink: ClientSink): SessionSink {
  return {
    line: sink.line,
    ended: (s) => {
      sink.ended(s.id, s.name);
    },
  };
}

/** The control socket: VIGIL_SOCKET when set (tests, a second instance), else /run/vigil/vigil.sock. */
export function defaultSocketPath(): string {
  return process.env.VIGIL_SOCKET ?? DEFAULT_SOCKET;
}

/** A connection to the running daemon, or undefined when none answers at `socketPath`. */
export async function connectDaemon(socketPath = defaultSocketPath()): Promise<DaemonHandle | undefined> {
  const sock = await tryConnect(socketPath);
  return sock === undefined ? undefined : new RemoteDaemon(sock);
}

/** Asks the daemon at `socketPath` to stop; false when none answers. */
export async function stopDaemon(socketPath: string, unload: boolean): Promise<boolean> {
  const sock = await tryConnect(socketPath);
  if (sock === undefined) return false;
  await new RemoteDaemon(sock).stopDaemon(unload);
  return true;
}

/**
 * The running daemon, or a new one. CLI verbs start it as a process of its own (`vigil daemon
 * --idle-exit`, daemon-spawn.ts), so no session depends on the lifetime of the command that
 * started it; the connection is re-established (starting a daemon again if none comes back)
 * when it drops, with `events` told. `inProcess` (tests, `vigil demo`) runs it inside this
 * process instead, unpinned, serving the socket while this process lives.
 */
export async function connectOrStartDaemon(
  options: DaemonOptions & {
    socketPath?: string;
    serve?: boolean;
    inProcess?: boolean;
    events?: ConnectionEvents;
    /** runs only when no daemon answers, before one is started (a CLI checks its profile first) */
    beforeStart?: () => Promise<void>;
  } = {},
): Promise<DaemonHandle> {
  const path = options.socketPath ?? defaultSocketPath();
  const reconnect: Reconnect = {
    path,
    start: options.inProcess === true ? undefined : () => spawnDaemon(path),
    events: options.events ?? {},
  };
  const sock = await tryConnect(path);
  if (sock !== undefined) return new RemoteDaemon(sock, reconnect);
  await options.beforeStart?.();
  if (options.inProcess !== true) {
    await spawnDaemon(path);
    const again = await tryConnect(path);
    if (again === undefined)
      throw new DaemonUnavailable(`the vigil daemon started but does not answer at ${path}`);
    return new RemoteDaemon(again, reconnect);
  }
  const { Daemon } = await import('./daemon.js');
  const daemon = Daemon.start(options);
  let server: ControlServer | undefined;
  if (options.serve !== false) {
    try {
      const { ControlServer } = await import('./control-server.js');
      server = await ControlServer.listen(daemon, path);
    } catch (err) {
      process.emitWarning(`vigil: cannot serve the control socket at ${path}: ${String(err)}`);
    }
  }
  return new LocalDaemon(daemon, server);
}
