// What is attached right now: the probes say what vigil *can* use on this kernel; the running
// daemon says what its sessions *do* use. Doctor asks it over the control socket and never
// starts one.
import { connectDaemon, defaultSocketPath } from '../daemon/control-client.js';
import type { BackendReport } from '../loader/backends.js';
import { pinnedStates, type PinnedSummary } from '../loader/pinned-state.js';

export interface LiveDaemon {
  pid: number;
  startedAt: string;
  activeSessions: number;
  backends: BackendReport;
}

export type LiveState =
  | { state: 'running'; daemon: LiveDaemon }
  | { state: 'none'; pinned: PinnedSummary[] }
  | { state: 'unreachable'; reason: string };

const ANSWER_MS = 2000;

/** The running daemon's backends; 'none' (with what is pinned) when no daemon listens on `socketPath`. */
export async function queryLiveDaemon(socketPath = defaultSocketPath()): Promise<LiveState> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`no answer within ${ANSWER_MS} ms`));
    }, ANSWER_MS);
  });
  try {
    const handle = await Promise.race([connectDaemon(socketPath), timeout]);
    if (handle === undefined) return { state: 'none', pinned: pinnedStates() };
    try {
      const s = await Promise.race([handle.status(), timeout]);
      const activeSessions = s.sessions.filter((x) => x.endedAt === null).length;
      return {
        state: 'running',
        daemon: { pid: s.pid, startedAt: s.startedAt, activeSessions, backends: s.backends },
      };
    } finally {
      await handle.close();
    }
  } catch (err) {
    return { state: 'unreachable', reason: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}
