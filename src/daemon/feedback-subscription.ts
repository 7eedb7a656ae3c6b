// One reader of a session's feedback stream on the feedback socket (`subscribe`): the session's
// messages as JSON lines, through a queue of its own that never grows past QUEUE_BYTES. A reader
// that falls that far behind loses violations (only on its socket: the file has them all) and
// is told how many with one `overflow` message before the next one it gets; the daemon never
// waits for it.
import type { Socket } from 'node:net';

import type { FeedbackMessage, FeedbackOverflow } from './session-feedback-schema.js';
import type { SessionFeedback } from './session-feedback.js';
import type { Session } from './sessions.js';

/** Bytes a reader may leave unread (beyond what the kernel's socket buffer holds). */
export const QUEUE_BYTES = 256 * 1024;

/**
 * Streams the session's messages to `sock`: the latest `replay` violations, then (with
 * `follow`) each new one until `end`, when the socket is ended. The caller checked the
 * session has room for one more reader (SessionFeedback.hasRoom).
 */
export function streamSession(
  sock: Socket,
  stream: SessionFeedback,
  s: Session,
  options: { replay: number; follow: boolean },
): void {
  let dropped = 0;
  const write = (m: FeedbackMessage) => {
    sock.write(`${JSON.stringify(m)}\n`);
  };
  const owed = () => {
    if (dropped === 0 || sock.destroyed) return;
    const overflow: FeedbackOverflow = { type: 'overflow', session: s.name, dropped };
    dropped = 0;
    write(overflow);
  };
  const deliver = (m: FeedbackMessage) => {
    if (sock.destroyed) return;
    if (m.type === 'end') {
      owed();
      write(m);
      sock.end();
    } else if (sock.writableLength > QUEUE_BYTES) {
      dropped++;
    } else {
      owed();
      write(m);
    }
  };
  const unsubscribe = stream.subscribe(s, options.replay, deliver);
  if (unsubscribe === undefined || !options.follow) {
    unsubscribe?.();
    sock.end();
    return;
  }
  sock.on('drain', owed);
  sock.once('close', unsubscribe);
}
