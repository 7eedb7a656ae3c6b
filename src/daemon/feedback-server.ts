// The feedback socket: where an agent's hook (vigil hook) and MCP server (vigil mcp) ask about
// their own session. Any user may connect, since agents run as their user; each connection is
// answered only about the session of the process at its other end, as the kernel names it
// (SO_PEERCRED), and only read-only questions are understood: nothing here changes policy.
// `subscribe` turns the connection into the session's feedback stream (feedback-subscription.ts);
// root may name any session.
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';

import { native } from '../bridge/native-binding.js';
import { SystemError } from '../errors.js';
import type { AgentFeedback, ExplainTarget } from './agent-feedback.js';
import { streamSession } from './feedback-subscription.js';
import { REPLAY_MAX, type SessionFeedback } from './session-feedback.js';
import {
  feedbackSocketPath,
  type FeedbackRequest,
  type FeedbackResponse,
  type FeedbackResult,
} from './feedback-protocol.js';

/** One request line at most this long: a hook's question is small. */
const MAX_LINE = 64 * 1024;

interface Peer {
  pid: number;
  uid: number;
}

function peerOf(sock: Socket): Peer | undefined {
  const fd = (sock as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (fd === undefined || fd < 0) return undefined;
  try {
    const c = native().peerCredentials(fd);
    return { pid: c.pid, uid: c.uid };
  } catch {
    return undefined;
  }
}

/** The answer to one request; its fields come from an agent, so each is checked. */
function answer(feedback: AgentFeedback, pid: number, req: FeedbackRequest): FeedbackResult {
  const none = { session: null } as const;
  const r = req as Partial<Record<string, unknown>>;
  const key = typeof r.toolUseId === 'string' ? r.toolUseId.slice(0, 256) : undefined;
  switch (r.op) {
    case 'mark':
      return (key === undefined ? null : feedback.markToolCall(pid, key)) ?? none;
    case 'toolCall':
      return feedback.toolCallDecisions(pid, key) ?? none;
    case 'latest': {
      const limit = typeof r.limit === 'number' && Number.isFinite(r.limit) ? r.limit : 20;
      return feedback.latest(pid, Math.min(Math.max(1, Math.floor(limit)), 256)) ?? none;
    }
    case 'explain':
      return feedback.explain(pid, validTargets(r.targets)) ?? none;
    case 'summary':
      return feedback.summary(pid) ?? none;
    default:
      throw new SystemError('VIGIL_PROTOCOL', `unknown feedback request '${String(r.op)}'`);
  }
}

/** The well-formed targets among what an agent sent (at most 64). */
function validTargets(v: unknown): ExplainTarget[] {
  if (!Array.isArray(v)) return [];
  return v.slice(0, 64).filter((t): t is ExplainTarget => {
    if (typeof t !== 'object' || t === null) return false;
    const o = t as Record<string, unknown>;
    if (o.kind === 'exec') return typeof o.path === 'string';
    if (o.kind === 'open')
      return (
        typeof o.path === 'string' &&
        (o.access === 'read' || o.access === 'write' || o.access === 'read-write')
      );
    if (o.kind === 'host') return typeof o.name === 'string' && typeof o.port === 'number';
    return false;
  });
}

export class FeedbackServer {
  readonly path: string;
  readonly #server: Server;
  readonly #sockets: Set<Socket>;

  private constructor(path: string, server: Server, sockets: Set<Socket>) {
    this.path = path;
    this.#server = server;
    this.#sockets = sockets;
  }

  static async listen(
    feedback: AgentFeedback,
    controlSocket: string,
    stream: SessionFeedback,
    observe?: FeedbackObserver,
  ): Promise<FeedbackServer> {
    const path = feedbackSocketPath(controlSocket);
    chmodSync(dirname(path), 0o711);
    if (existsSync(path)) unlinkSync(path);
    const sockets = new Set<Socket>();
    const server = createServer((sock) => {
      sockets.add(sock);
      sock.once('close', () => sockets.delete(sock));
      serve(feedback, stream, sock, observe);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    chmodSync(path, 0o666);
    server.unref();
    return new FeedbackServer(path, server, sockets);
  }

  /** Stops listening; readers still subscribed are let go. */
  close(): Promise<void> {
    for (const sock of this.#sockets) sock.destroy();
    return new Promise((resolve) => {
      this.#server.close(() => {
        resolve();
      });
    });
  }
}

/**
 * `subscribe`: the caller's own session, or with `session` one it names, which only root may
 * when it is not the caller's. True when the connection now carries the stream.
 */
function subscribe(
  feedback: AgentFeedback,
  stream: SessionFeedback,
  peer: Peer,
  req: FeedbackRequest,
  send: (r: FeedbackResponse) => void,
  sock: Socket,
): boolean {
  const r = req as Partial<Record<string, unknown>>;
  const own = feedback.sessionOf(peer.pid);
  const name = typeof r.session === 'string' ? r.session : undefined;
  if (name !== undefined && name !== own?.name && peer.uid !== 0) {
    send({ id: req.id, ok: false, error: "only root may read another session's feedback" });
    return false;
  }
  const s = name === undefined ? own : stream.named(name);
  if (s === undefined) {
    if (name === undefined) send({ id: req.id, ok: true, result: { session: null } });
    else send({ id: req.id, ok: false, error: `no session '${name}'` });
    return false;
  }
  const replay =
    typeof r.replay === 'number' && Number.isFinite(r.replay)
      ? Math.min(Math.max(0, Math.floor(r.replay)), REPLAY_MAX)
      : 0;
  if (!stream.hasRoom(s)) {
    send({ id: req.id, ok: false, error: `too many readers of session '${s.name}'` });
    return false;
  }
  const ref = {
    session: s.name,
    profile: s.profile.name,
    profileSource: s.profile.source,
    rootPid: s.rootPid,
  };
  send({ id: req.id, ok: true, result: { ...ref, file: stream.fileOf(s) ?? stream.pathFor(s) } });
  streamSession(sock, stream, s, { replay, follow: r.follow !== false });
  return true;
}

/** Told of each request, for the metrics: its op, and the agent when a `vigil hook` asks. */
export type FeedbackObserver = (op: string, hook: string | undefined) => void;

function serve(
  feedback: AgentFeedback,
  stream: SessionFeedback,
  sock: Socket,
  observe: FeedbackObserver | undefined,
): void {
  const peer = peerOf(sock);
  let streaming = false;
  let buffered = '';
  sock.setEncoding('utf8');
  sock.on('error', () => undefined);
  const send = (r: FeedbackResponse) => {
    if (!sock.destroyed) sock.write(`${JSON.stringify(r)}\n`);
  };
  sock.on('data', (chunk: string) => {
    if (streaming) return; // a subscribed connection only reads
    buffered += chunk;
    if (buffered.length > MAX_LINE && !buffered.includes('\n')) {
      send({ id: -1, ok: false, error: 'request line too long' });
      sock.destroy();
      return;
    }
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const text = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      let req: FeedbackRequest;
      try {
        req = JSON.parse(text) as FeedbackRequest;
      } catch {
        send({ id: -1, ok: false, error: 'request is not JSON' });
        continue;
      }
      const asked = req as { op?: unknown; hook?: unknown };
      observe?.(String(asked.op), typeof asked.hook === 'string' ? asked.hook : undefined);
      if (peer === undefined) {
        send({ id: req.id, ok: false, error: 'the caller could not be identified (SO_PEERCRED)' });
        continue;
      }
      if ((req as { op?: unknown }).op === 'subscribe') {
        streaming = subscribe(feedback, stream, peer, req, send, sock);
        if (streaming) return;
        sock.end();
        return;
      }
      try {
        send({ id: req.id, ok: true, result: answer(feedback, peer.pid, req) });
      } catch (err) {
        send({ id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) });
      }
    }
  });
}
