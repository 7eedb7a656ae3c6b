// A question to the feedback socket (feedback-server.ts), for the agent's hook and MCP server:
// one connection, one request, its answer. Small on purpose: a hook runs on every tool call.
// subscribeFeedback reads a session's feedback stream (vigil feedback).
import { createConnection } from 'node:net';

import { SystemError } from '../errors.js';
import type { FeedbackRequest, FeedbackResult } from './feedback-protocol.js';
import type { FeedbackMessage } from './session-feedback-schema.js';

type Question = FeedbackRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

function unreachable(path: string, err: NodeJS.ErrnoException): SystemError {
  return new SystemError(
    'VIGIL_NO_DAEMON',
    err.code === 'ENOENT' || err.code === 'ECONNREFUSED'
      ? `no vigil daemon is running (nothing answers at ${path})`
      : `cannot reach the vigil daemon at ${path}: ${err.message}`,
  );
}

/** The daemon's answer; rejects (with why) when no daemon answers within `timeoutMs`. */
export function askFeedback(path: string, question: Question, timeoutMs = 1000): Promise<FeedbackResult> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(path);
    let buf = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(
        new SystemError('VIGIL_NO_DAEMON', `no answer from the vigil daemon at ${path} in ${timeoutMs} ms`),
      );
    }, timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => {
      sock.write(`${JSON.stringify({ id: 1, ...question })}\n`);
    });
    sock.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      sock.destroy();
      try {
        const r = JSON.parse(buf.slice(0, nl)) as { ok: boolean; result?: FeedbackResult; error?: string };
        if (r.ok && r.result !== undefined) resolve(r.result);
        else reject(new SystemError('VIGIL_PROTOCOL', r.error ?? 'the daemon refused the question'));
      } catch {
        reject(new SystemError('VIGIL_PROTOCOL', 'the daemon answered something that is not JSON'));
      }
    });
    sock.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(unreachable(path, err));
    });
  });
}

/**
 * `subscribe` (feedback-server.ts): each message of the session's feedback stream to
 * `onMessage` until the daemon ends the stream; resolves with the daemon's answer (which names
 * the session, or says the caller is in none).
 */
export function subscribeFeedback(
  path: string,
  request: { session?: string; replay: number; follow: boolean },
  onMessage: (m: FeedbackMessage) => void,
): Promise<FeedbackResult> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(path);
    let buf = '';
    let answer: FeedbackResult | undefined;
    sock.setEncoding('utf8');
    sock.on('connect', () => {
      sock.write(`${JSON.stringify({ id: 1, op: 'subscribe', ...request })}\n`);
    });
    sock.on('data', (chunk: string) => {
      buf += chunk;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const text = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (answer !== undefined) {
          onMessage(JSON.parse(text) as FeedbackMessage);
          continue;
        }
        const r = JSON.parse(text) as { ok: boolean; result?: FeedbackResult; error?: string };
        if (!r.ok || r.result === undefined) {
          sock.destroy();
          reject(new SystemError('VIGIL_PROTOCOL', r.error ?? 'the daemon refused the subscription'));
          return;
        }
        answer = r.result;
      }
    });
    sock.on('close', () => {
      if (answer !== undefined) resolve(answer);
    });
    sock.on('error', (err: NodeJS.ErrnoException) => {
      reject(unreachable(path, err));
    });
  });
}
