// vigil status [--json]: the daemon's sessions with their profile, root process and counters,
// and every kernel counter (src/wire/kernel-counters.ts).
import { connectDaemon } from '../daemon/control-client.js';
import type { CaptureSummary, LandlockSummary, StatusResult } from '../daemon/control-protocol.js';
import { protectionLines } from '../doctor/render-live.js';
import { KERNEL_COUNTERS } from '../wire/kernel-counters.js';
import { describeOrphanedPins, pinnedStates } from '../loader/pinned-state.js';
import { EXIT_CODES } from '../errors.js';
import { parseVerbArgs, requireRoot } from './args.js';

const HELP = `usage: vigil status [--json]

Lists the sessions of the running vigil daemon: profile, root process, live processes,
counters by event and action, and the kernel's loss counters. Exit 1 if no daemon runs.`;

export async function statusCommand(argv: string[]): Promise<number> {
  const { values } = parseVerbArgs('status', argv, {
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    console.log(HELP);
    return 0;
  }
  requireRoot('status');
  const daemon = await connectDaemon();
  if (daemon === undefined) {
    const pinned = pinnedStates();
    const orphaned = describeOrphanedPins(pinned);
    if (values.json === true) console.log(JSON.stringify({ running: false, pinned }));
    else if (orphaned !== undefined) console.error(`vigil: ${orphaned}`);
    else
      console.error(
        'vigil: no daemon is running (start one with `vigil run`, `vigil watch` or the systemd unit)',
      );
    return EXIT_CODES.failure;
  }
  try {
    const status = await daemon.status();
    console.log(
      values.json === true ? JSON.stringify({ running: true, ...status }, null, 2) : renderStatus(status),
    );
    return 0;
  } finally {
    await daemon.close();
  }
}

export function renderStatus(s: StatusResult): string {
  const out: string[] = [];
  out.push(`vigil daemon pid ${s.pid}, up since ${s.startedAt}`);
  if (s.backends.pinned !== null) {
    const a = s.adoption;
    const how = a.adopted
      ? `re-adopted from an earlier daemon${a.gapMs === null ? '' : ` after ${a.gapMs} ms without one`} (${a.sessions} session(s), ${a.resumed} stopped process(es) resumed)`
      : 'loaded fresh';
    out.push(
      `pinned in ${s.backends.pinned}: ${how}; sessions fail closed ${s.failClosedAfterMs ?? '?'} ms after no daemon reads their events; ${s.kernel.failClosed} call(s) decided fail-closed so far`,
    );
  }
  const lost =
    s.kernel.ringbufFull === '0'
      ? 'no events lost'
      : `${s.kernel.ringbufFull} events LOST (ring buffer full)`;
  out.push(
    `kernel: ${lost}; ${s.ring.records} events read in ${s.ring.batches} batches; watch table full ${s.kernel.watchFull}x; stale entries dropped ${s.kernel.staleEntry}; decisions not reported one by one ${s.kernel.alertLost}; self-protection refusals ${s.kernel.selfProtect}`,
    `kernel counters: ${KERNEL_COUNTERS.map((c) => `${c.key} ${s.kernel[c.key]}`).join(', ')}`,
  );
  const lsm =
    s.backends.lsm.state === 'attached'
      ? 'BPF-LSM attached'
      : `BPF-LSM ${s.backends.lsm.state}: ${s.backends.lsm.reason ?? ''}`;
  out.push(`backends (${lsm}):`);
  out.push(...protectionLines(s.backends));
  for (const e of s.exporters ?? []) {
    const dropped = e.droppedLines.full + e.droppedLines.age;
    const state =
      e.lastError !== null ? `DOWN: ${e.lastError}` : e.depthLines === 0 ? 'all delivered' : 'sending';
    out.push(
      `exporter ${e.name} (${e.destination}): ${state}; ${e.deliveredLines} delivered, ${e.depthLines} waiting (${e.depthBytes} bytes spooled), ${dropped === 0 ? 'none dropped' : `${dropped} DROPPED (${e.droppedLines.full} spool full, ${e.droppedLines.age} too old)`}, ${e.errors} failed send(s)`,
    );
  }
  if (s.watchRules.length > 0) {
    out.push(`watching for: ${s.watchRules.map((w) => `${w.basename} (${w.profile})`).join(', ')}`);
  }
  const active = s.sessions.filter((x) => x.endedAt === null);
  const ended = s.sessions.filter((x) => x.endedAt !== null);
  out.push('', `sessions: ${active.length} active, ${ended.length} ended`);
  for (const x of [...active, ...ended]) {
    const state = x.endedAt === null ? `active, ${x.processes.length} process(es)` : `ended ${x.endedAt}`;
    const counts = Object.entries(x.events)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    const actions = Object.entries(x.actions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    out.push(`  ${x.name}  profile ${x.profile}  root ${x.rootPid ?? '-'}  ${state}`);
    out.push(`    since ${x.startedAt}; events: ${counts || 'none'}; actions: ${actions || 'none'}`);
    if (x.landlock !== null) out.push(`    ${landlockText(x.landlock)}`);
    if (x.hosts !== undefined)
      out.push(
        `    hosts learned: ${Object.entries(x.hosts)
          .map(([host, addrs]) => `${host} (${addrs.join(', ')})`)
          .join(', ')}`,
      );
    if (x.capture !== undefined) out.push(...captureLines(x.capture));
  }
  return out.join('\n');
}

/** The capture matrix: kernel events always; the agent's log found or not, and why; the detectors. */
export function captureLines(c: CaptureSummary): string[] {
  const t = c.transcript;
  const log =
    t.agent === null
      ? `not read: ${t.reason}`
      : t.found
        ? `${t.agent}, ${t.path ?? '?'}: ${t.toolCalls} tool call(s), ${t.linkedLines} kernel line(s) linked${c.captureTranscript ? '; input and output captured (masked)' : ''}`
        : `${t.agent}, not found: ${t.reason}`;
  const sec = c.detectors.secrets;
  const unread =
    sec.environUnread === 0 ? '' : ` (${sec.environUnread} exited before their environment was read)`;
  const skipped = sec.skipped === 0 ? '' : `; ${sec.skipped} scan(s) skipped: the detector fell behind`;
  return [
    '    captured: kernel events (always)',
    `    agent log: ${log}`,
    `    installs (${c.detectors.installs.policy}): ${c.detectors.installs.commands} installer command(s)`,
    `    secrets: argv of ${sec.argv} exec(s), environment of ${sec.environ}${unread}, ${sec.files} written file scan(s) in ${sec.workingTree ?? '(working tree not known yet)'}, ${sec.transcript} log text(s)${skipped}`,
  ];
}

function landlockText(l: LandlockSummary): string {
  if (!l.inForce) return `landlock: not in force (${l.mode}): ${l.note}`;
  const skipped = l.skipped === 0 ? '' : `, ${l.skipped} path(s) gone at start`;
  return `landlock: in force (${l.mode}, ABI ${l.abi ?? '?'}), ${l.rules} rule(s)${skipped}; ${l.note}`;
}
