// Doctor's "attached now" section: the running daemon's own account of which backend decides
// each protection and every program it has attached, grouped by hook type.
import type { BackendReport } from '../loader/backends.js';
import { describeOrphanedPins } from '../loader/pinned-state.js';
import type { LiveState } from './live-daemon.js';

export function renderLiveText(
  live: LiveState,
  wrap: (text: string, first: number, rest: number) => string[],
) {
  const out: string[] = ['', 'Attached now'];
  if (live.state === 'none') {
    const orphaned = describeOrphanedPins(live.pinned);
    out.push(
      ...wrap(
        orphaned === undefined
          ? 'No vigil daemon is running, so nothing is attached. The table above is what a session would use; `vigil run`, `vigil watch` or the systemd unit start the daemon.'
          : `No vigil daemon is running: ${orphaned}.`,
        2,
        2,
      ),
    );
    return out;
  }
  if (live.state === 'unreachable') {
    out.push(...wrap(`The vigil daemon's socket exists but it did not answer: ${live.reason}.`, 2, 2));
    return out;
  }
  const d = live.daemon;
  const b = d.backends;
  const lsm = b.lsm.state === 'attached' ? 'BPF-LSM attached' : `BPF-LSM ${b.lsm.state}`;
  out.push(
    `  vigil daemon pid ${d.pid}, up since ${d.startedAt}, ${d.activeSessions} active session(s); ${lsm}`,
  );
  out.push(...protectionLines(b));
  if (b.pinned !== null)
    out.push(...wrap(`pinned in ${b.pinned}: these hooks and tables outlive the daemon`, 2, 4));
  const groups = new Map<string, string[]>();
  for (const h of b.hooks) {
    const slash = h.hook.indexOf('/');
    const type = slash < 0 ? h.hook : h.hook.slice(0, slash);
    const where = h.cgroup === null ? type : `${type} at ${h.cgroup}`;
    const list = groups.get(where) ?? [];
    list.push(slash < 0 ? h.program : h.hook.slice(slash + 1));
    groups.set(where, list);
  }
  out.push(`  ${b.hooks.length} programs attached:`);
  for (const [where, names] of groups) out.push(...wrap(`${where}: ${names.join(', ')}`, 4, 6));
  return out;
}

/** One line per protection: its enforcement and the backend deciding it (doctor, vigil status). */
export function protectionLines(b: BackendReport): string[] {
  return Object.entries(b.protections).map(
    ([protection, p]) => `  ${protection.padEnd(16)}${p.enforcement.padEnd(9)}${p.backend}`,
  );
}

export function liveJson(live: LiveState) {
  if (live.state === 'none') return { state: live.state, pinned: live.pinned };
  if (live.state === 'unreachable') return { state: live.state, reason: live.reason };
  const d = live.daemon;
  return {
    state: live.state,
    daemon_pid: d.pid,
    started_at: d.startedAt,
    active_sessions: d.activeSessions,
    bpf_lsm: d.backends.lsm,
    protections: d.backends.protections,
    hooks: d.backends.hooks,
    pinned: d.backends.pinned,
  };
}
