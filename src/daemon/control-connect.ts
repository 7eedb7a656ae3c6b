// Reaching the control socket: a connection when a daemon answers, nothing when none does.
import { connect, type Socket } from 'node:net';

/** A connection to the daemon at `path`, or undefined when none answers. */
export function tryConnect(path: string): Promise<Socket | undefined> {
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

/** Whether a daemon answers on the control socket at `path` now. */
export async function socketAnswers(path: string): Promise<boolean> {
  const sock = await tryConnect(path);
  sock?.destroy();
  return sock !== undefined;
}
