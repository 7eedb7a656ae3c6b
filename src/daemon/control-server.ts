// Serves the daemon on its Unix socket: requests in, answers and pushed audit lines out.
// The socket lives in a root-only folder, so only root can talk to vigil.
import { FeedbackServer, type FeedbackObserver } from './feedback-server.js';
import { chmodSync, existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';

import { VigilError } from '../errors.js';
import { errorBody, type Request, type ServerMessage } from './control-protocol.js';
import type { Daemon, SessionSink } from './daemon.js';
import { loadProfileSource } from '../policy/load-source.js';

/** Told of each request on the control socket (its op) and the feedback socket, for the metrics. */
export interface RequestObserver {
  control?: (op: string) => void;
  feedback?: FeedbackObserver;
}

export class ControlServer {
  readonly path: string;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  /** `daemon.stop` asked for: the daemon's owner stops it (unload: remove the pinned state too) */
  onStop: ((unload: boolean) => void) | undefined;
  #closing = false;

  /** where the agent's hooks and MCP tools ask about their own session (feedback-server.ts) */
  #feedback: FeedbackServer | undefined;

  private constructor(path: string, server: Server) {
    this.path = path;
    this.#server = server;
  }

  /** Listens at `path`, replacing a stale socket file (the caller checked no daemon answers). */
  static async listen(daemon: Daemon, path: string, observe: RequestObserver = {}): Promise<ControlServer> {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    chmodSync(dirname(path), 0o700);
    if (existsSync(path)) unlinkSync(path);
    const server = createServer();
    const cs = new ControlServer(path, server);
    server.on('connection', (sock) => {
      cs.#serve(daemon, sock, observe.control);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    chmodSync(path, 0o600);
    server.unref();
    cs.#feedback = await FeedbackServer.listen(
      daemon.feedback,
      path,
      daemon.feedbackStream,
      observe.feedback,
    );
    return cs;
  }

  /** Clients connected now (the daemon does not exit idle while one is). */
  get clients(): number {
    return this.#sockets.size;
  }

  /**
   * performance.now() of the last connection opened or closed: a client that came and went
   * between two looks of the idle check (a probe before its session request) still counts.
   */
  lastActivityAt = performance.now();

  /** Tells every client the daemon is stopping, and whether the pinned state stays in force. */
  announceStop(kept: boolean): void {
    for (const sock of this.#sockets)
      if (!sock.destroyed)
        sock.write(`${JSON.stringify({ push: 'daemon_stopping', kept } satisfies ServerMessage)}\n`);
  }

  #serve(daemon: Daemon, sock: Socket, observe: ((op: string) => void) | undefined): void {
    this.#sockets.add(sock);
    this.lastActivityAt = performance.now();
    const unsubscribe: (() => void)[] = [];
    // watch rules belong to the connection that added them: they go when it closes (not when
    // the daemon stops: they stay pinned for the next daemon and their client takes them back)
    const rules: number[] = [];
    unsubscribe.push(() => {
      if (rules.length > 0 && !this.#closing) daemon.removeWatch(rules);
    });
    const send = (msg: ServerMessage) => {
      if (!sock.destroyed) sock.write(`${JSON.stringify(msg)}\n`);
    };
    let buffered = '';
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      buffered += chunk;
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const text = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (text.trim() === '') continue;
        let req: Request;
        try {
          req = JSON.parse(text) as Request;
        } catch {
          send({ id: -1, ok: false, error: { code: 'VIGIL_PROTOCOL', message: 'request is not JSON' } });
          continue;
        }
        observe?.(req.op);
        try {
          const result = this.#handle(daemon, req, send, unsubscribe, rules);
          // a session answers once its DNS proxy listens (session-dns.ts): the agent's first query finds it
          if (result instanceof Promise)
            result.then(
              (r: unknown) => {
                send({ id: req.id, ok: true, result: r });
              },
              (err: unknown) => {
                send({ id: req.id, ok: false, error: errorBody(err) });
              },
            );
          else send({ id: req.id, ok: true, result });
        } catch (err) {
          send({ id: req.id, ok: false, error: errorBody(err) });
        }
      }
    });
    const close = () => {
      for (const u of unsubscribe) u();
      this.#sockets.delete(sock);
      this.lastActivityAt = performance.now();
    };
    sock.on('close', close);
    sock.on('error', close);
  }

  #handle(
    daemon: Daemon,
    req: Request,
    send: (m: ServerMessage) => void,
    unsubscribe: (() => void)[],
    rules: number[],
  ): unknown {
    switch (req.op) {
      case 'hello':
        return { pid: process.pid };
      case 'status':
        return daemon.status();
      case 'session.create': {
        const s = daemon.createRunSession(
          req.profile,
          req.cgroup,
          req.enforce,
          req.subscribe ? this.#sink(send, unsubscribe) : undefined,
        );
        return daemon.sessionReady(s.id).then(() => s.summary());
      }
      case 'session.adopt':
        if (req.landlock !== undefined) daemon.sessions.setLandlock(req.session, req.landlock);
        daemon.adoptRoot(req.session, req.pid);
        return null;
      case 'attach': {
        const s = daemon.attach(
          req.pid,
          req.profile,
          req.enforce,
          req.subscribe ? this.#sink(send, unsubscribe) : undefined,
        );
        return daemon.sessionReady(s.id).then(() => s.summary());
      }
      case 'watch.add': {
        const r = daemon.addWatch(req.profile, req.enforce);
        rules.push(...r.ruleIds);
        return { rules: r.rules, ruleIds: r.ruleIds, adopted: r.adopted.map((s) => s.summary()) };
      }
      case 'watch.own':
        // a watch client back after a daemon change takes its re-adopted rules again
        rules.push(...req.ruleIds);
        daemon.claimRules(req.ruleIds);
        return null;
      case 'session.resume':
        return daemon.resumeSession(req.session, this.#sink(send, unsubscribe)).summary();
      case 'daemon.stop':
        if (this.onStop === undefined)
          throw new VigilError('VIGIL_NOT_STOPPABLE', 'this daemon runs inside another vigil command');
        setImmediate(() => this.onStop?.(req.unload));
        return { pid: process.pid };
      case 'profile.reload':
        return daemon.reloadProfiles();
      case 'profile.load':
        return loadProfileSource(req.source, req.vars);
      case 'subscribe': {
        const filter: { session?: number; watch?: boolean } = {};
        if (req.session !== undefined) filter.session = req.session;
        if (req.watch !== undefined) filter.watch = req.watch;
        unsubscribe.push(
          daemon.subscribe(
            filter,
            (line) => {
              send({ push: 'line', line });
            },
            (s) => {
              send({ push: 'session_end', session: s.id, name: s.name });
            },
          ),
        );
        return null;
      }
      default: {
        const op = (req as { op?: unknown }).op;
        throw new VigilError('VIGIL_PROTOCOL', `unknown request '${String(op)}'`);
      }
    }
  }

  /** A sink pushing one session's lines to this connection; dropped when it closes. */
  #sink(send: (m: ServerMessage) => void, unsubscribe: (() => void)[]): SessionSink {
    let open = true;
    unsubscribe.push(() => {
      open = false;
    });
    return {
      line: (line) => {
        if (open) send({ push: 'line', line });
      },
      ended: (s) => {
        if (open) send({ push: 'session_end', session: s.id, name: s.name });
      },
    };
  }

  /**
   * Stops accepting at once (a client looking for a daemon must not reach this one while it
   * stops), then lets each client receive what was written to it (at most 2 s) and closes it.
   */
  async close(): Promise<void> {
    this.#closing = true;
    void this.#feedback?.close();
    const stopped = new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve();
      });
    });
    try {
      unlinkSync(this.path);
    } catch {
      // already gone
    }
    const closing = [...this.#sockets].map(
      (s) =>
        new Promise<void>((resolve) => {
          if (s.destroyed) {
            resolve();
            return;
          }
          const timer = setTimeout(() => {
            s.destroy();
          }, 2000);
          s.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
          s.end();
        }),
    );
    await Promise.all(closing);
    await stopped;
  }
}
