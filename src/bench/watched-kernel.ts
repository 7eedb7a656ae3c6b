// The kernel's own cost of a watched open, apart from the daemon's, split by stage: the agent
// object loaded with one session under `generic`, its rings drained by a consumer that drops
// every event (decoding only), no daemon. Per repetition, in alternating order:
//   not watched  the hooks run and find no session (the cost every process of the machine pays)
//   none         the session's path walk, matcher and counting (--file-events none: no record)
//   first        as none, plus the LRU lookup that keeps repeats of a file out of the ring
//   all          as none, plus one ring-buffer record per open (reserve, fill, submit, decode)
// and "no vigil" before the object loads and after it closes. The report sets these beside the
// "watched, built-in generic" row, where the real daemon watches with its default, first.
import { spawn } from 'node:child_process';
import { homedir } from 'node:os';

import { AgentKernel, type SessionConfig } from '../loader/agent-kernel.js';
import { loadBuiltinProfile } from '../policy/builtin-profiles.js';
import type { FileOpenVolume } from '../wire/file-events.js';

export const WATCHED_STAGES = ['none', 'first', 'all'] as const satisfies readonly FileOpenVolume[];
type Stage = (typeof WATCHED_STAGES)[number];

export interface WatchedKernelRow {
  rep: number;
  /** the hooks attached, this process in no session */
  notWatchedNs: number;
  /** watched, per --file-events mode */
  watchedNs: Record<Stage, number>;
  /** ring records read during the `all` run, per open (about 1: each open is recorded) */
  recordsPerOpen: number;
}

export interface WatchedKernelResult {
  /** no vigil loaded: the mean of the runs before the object loaded and after it closed */
  noVigilNs: number[];
  rows: WatchedKernelRow[];
}

// a session number no daemon hands out (the bench runs this with no daemon loaded)
const SESSION = 0x7ff0_0001;
const HANDLE = 1;

/** Runs the gated ops helper, watched for SESSION first when `kernel` is given; ns per op. */
async function run(ops: string, args: string[], kernel?: AgentKernel): Promise<number> {
  const child = spawn(ops, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  if (kernel !== undefined && child.pid !== undefined)
    kernel.watchProcess(child.pid, SESSION, { root: true });
  child.stdin.end('x');
  const code = await exited;
  const last = out.trim().split('\n').pop() ?? '';
  if (code !== 0 || !last.startsWith('{')) throw new Error(`${ops} ${args.join(' ')}: exit ${code}`);
  const j = JSON.parse(last) as { ns: number; n: number };
  return j.ns / j.n;
}

export async function measureWatchedKernel(
  ops: string,
  file: string,
  reps: number,
  n: number,
): Promise<WatchedKernelResult> {
  const args = ['open', String(n), file];
  const noVigilNs: number[] = [];
  for (let i = 0; i < Math.max(2, reps >> 1); i++) noVigilNs.push(await run(ops, args));
  const events = { count: 0 };
  const kernel = AgentKernel.open({
    onEvents: (evs) => {
      events.count += evs.length;
    },
  });
  const rows: WatchedKernelRow[] = [];
  try {
    kernel.loadProfile(HANDLE, loadBuiltinProfile('generic', { home: homedir(), workspace: process.cwd() }));
    const session = (fileEvents: Stage): SessionConfig => ({
      profile: HANDLE,
      enforce: true,
      auditOnly: false,
      rawSockets: false,
      fileEvents,
    });
    for (let rep = 0; rep < reps; rep++) {
      const order: (Stage | 'not watched')[] = ['not watched', ...WATCHED_STAGES];
      if (rep % 2 === 1) order.reverse(); // drift falls on every stage alike
      const row: WatchedKernelRow = {
        rep,
        notWatchedNs: NaN,
        watchedNs: { none: NaN, first: NaN, all: NaN },
        recordsPerOpen: NaN,
      };
      for (const stage of order) {
        if (stage === 'not watched') {
          row.notWatchedNs = await run(ops, args);
          continue;
        }
        kernel.setSession(SESSION, session(stage));
        kernel.flush();
        const before = events.count;
        row.watchedNs[stage] = await run(ops, args, kernel);
        kernel.flush();
        if (stage === 'all') row.recordsPerOpen = (events.count - before) / n;
      }
      rows.push(row);
    }
    if (events.count === 0) throw new Error('the watched helper produced no events: it was not watched');
  } finally {
    kernel.deleteSession(SESSION);
    kernel.close();
  }
  for (let i = 0; i < Math.max(2, reps >> 1); i++) noVigilNs.push(await run(ops, args));
  return { noVigilNs, rows };
}
