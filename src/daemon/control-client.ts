// A CLI verb's way to the daemon: over the control socket when a daemon runs, or directly
// to a daemon it starts in its own process when none does (so `vigil run` needs no service).
import { connect, type Socket } from 'node:net';

import { VigilError, EXIT_CODES } from '../errors.js';
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
import { ControlServer } from './control-server.js';
import { Daemon, type DaemonOptions, type SessionSink } from './daemon.js';

export interface ClientSink {
  line: (line: AuditLine) => void;
  ended: (session: number, name: string) => void;
}

type RequestBody = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** What a CLI verb needs from the daemon, wherever it runs. */
export interface DaemonHandle {
  readonly inProcess: boolean;
  status(): Promise<StatusResult>;
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
  /** Events still in the kernel's ring buffer are delivered before this resolves. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export class DaemonUnavailable extends VigilError {
  constructor(message: string, options: { cause?: unknown; hint?: string } = {}) {
    super('VIGIL_NO_DAEMON', message, EXIT_CODES.failure, options);
  }
}

class RemoteDaemon implements DaemonHandle {
  readonly inProcess = false;
  readonly #sock: Socket;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #nextId = 1;
  #onPush: ((p: Push) => void) | undefined;

  constructor(sock: Socket) {
    this.#sock = sock;
    let buffered = '';
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      buffered += chunk;
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const msg = JSON.parse(buffered.slice(0, nl)) as ServerMessage;
        buffered = buffered.slice(nl + 1);
        if ('push' in msg) this.#onPush?.(msg);
        else this.#settle(msg);
      }
    });
    sock.on('close', () => {
      for (const p of this.#pending.values())
        p.reject(new DaemonUnavailable('the vigil daemon closed the connection'));
      this.#pending.clear();
    });
  }

  #settle(msg: Response): void {
    const p = this.#pending.get(msg.id);
    if (p === undefined) return;
    this.#pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.result);
    else
      p.reject(
        new VigilError(msg.error.code, msg.error.message, EXIT_CODES.failure, { hint: msg.error.hint }),
      );
  }

  #request<T>(body: RequestBody): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#sock.write(`${JSON.stringify({ ...body, id })}\n`);
    });
  }

  status(): Promise<StatusResult> {
    return this.#request({ op: 'status' });
  }
  createRunSession(
    profile: ProfileRef,
    cgroup: boolean,
    enforce: EnforceOptions,
    sink: ClientSink,
  ): Promise<SessionSummary> {
    this.#sink(sink);
    return this.#request({ op: 'session.create', kind: 'run', profile, cgroup, subscribe: true, enforce });
  }
  async adoptRoot(session: number, pid: number, landlock?: LandlockState): Promise<void> {
    await this.#request({
      op: 'session.adopt',
      session,
      pid,
      ...(landlock === undefined ? {} : { landlock }),
    });
  }
  attach(
    pid: number,
    profile: ProfileRef,
    enforce: EnforceOptions,
    sink: ClientSink,
  ): Promise<SessionSummary> {
    this.#sink(sink);
    return this.#request({ op: 'attach', pid, profile, subscribe: true, enforce });
  }
  addWatch(
    profile: ProfileRef,
    enforce: EnforceOptions,
  ): Promise<{ rules: string[]; adopted: SessionSummary[] }> {
    return this.#request({ op: 'watch.add', profile, enforce });
  }
  async subscribe(
    filter: { session?: number; watch?: boolean },
    onLine: (line: AuditLine) => void,
    onEnd: (session: number, name: string) => void,
  ): Promise<void> {
    this.#sink({ line: onLine, ended: onEnd });
    await this.#request({ op: 'subscribe', ...filter });
  }
  #sink(sink: ClientSink): void {
    this.#onPush = (p) => {
      if (p.push === 'line') sink.line(p.line);
      else sink.ended(p.session, p.name);
    };
  }
  reloadProfiles(): Promise<ReloadResult> {
    return this.#request({ op: 'profile.reload' });
  }
  async flush(): Promise<void> {
    // The daemon delivers on its own every 50 ms; a round trip after that covers it.
    await new Promise((r) => setTimeout(r, 120));
    await this.#request({ op: 'hello' });
  }
  close(): Promise<void> {
    this.#sock.end();
    return Promise.resolve();
  }
}

class LocalDaemon implements DaemonHandle {
  readonly inProcess = true;
  readonly daemon: Daemon;
  readonly #server: ControlServer | undefined;

  constructor(daemon: Daemon, server: ControlServer | undefined) {
    this.daemon = daemon;
    this.#server = server;
  }

  status(): Promise<StatusResult> {
    return Promise.resolve(this.daemon.status());
  }
  createRunSession(
    profile: ProfileRef,
    cgroup: boolean,
    enforce: EnforceOptions,
    sink: ClientSink,
  ): Promise<SessionSummary> {
    return Promise.resolve(this.daemon.createRunSession(profile, cgroup, enforce, localSink(sink)).summary());
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
    return Promise.resolve(this.daemon.attach(pid, profile, enforce, localSink(sink)).summary());
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

function tryConnect(path: string): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const sock = connect(path);
    sock.once('connect', () => {
      resolve(sock);
    });
    sock.once('error', () => {
      sock.destroy();
      resolve(undefined);
    });
  });
}

/** A connection to the running daemon, or undefined when none answers at `socketPath`. */
export async function connectDaemon(socketPath = DEFAULT_SOCKET): Promise<DaemonHandle | undefined> {
  const sock = await tryConnect(socketPath);
  return sock === undefined ? undefined : new RemoteDaemon(sock);
}

/**
 * The running daemon, or a new one in this process that also serves the socket, so other
 * verbs (`vigil status`, a second `vigil run`) reach it while this process lives.
 */
export async function connectOrStartDaemon(
  options: DaemonOptions & { socketPath?: string; serve?: boolean } = {},
): Promise<DaemonHandle> {
  const path = options.socketPath ?? DEFAULT_SOCKET;
  const remote = await connectDaemon(path);
  if (remote !== undefined) return remote;
  const daemon = Daemon.start(options);
  let server: ControlServer | undefined;
  if (options.serve !== false) {
    try {
      server = await ControlServer.listen(daemon, path);
    } catch (err) {
      process.emitWarning(`vigil: cannot serve the control socket at ${path}: ${String(err)}`);
    }
  }
  return new LocalDaemon(daemon, server);
}
