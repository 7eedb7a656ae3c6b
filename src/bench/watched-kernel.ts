// The kernel's own cost of a watched open (path walk, matcher, ring buffer reserve/submit),
// apart from the daemon's: the agent object with a session under `generic`, its rings drained
// by a consumer that drops every event (decoding only), against no vigil in the same round.
// The report sets it beside the "watched, built-in generic" row, where the real daemon builds
// and writes every audit line.
import { spawn } from 'node:child_process';
import { homedir } from 'node:os';

import { AgentKernel } from '../loader/agent-kernel.js';
import { loadBuiltinProfile } from '../policy/builtin-profiles.js';

export interface WatchedKernelRow {
  rep: number;
  baseNs: number;
  watchedNs: number;
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
): Promise<WatchedKernelRow[]> {
  const events = { count: 0 };
  const kernel = AgentKernel.open({
    onEvents: (evs) => {
      events.count += evs.length;
    },
  });
  const rows: WatchedKernelRow[] = [];
  try {
    kernel.loadProfile(HANDLE, loadBuiltinProfile('generic', { home: homedir(), workspace: process.cwd() }));
    kernel.setSession(SESSION, { profile: HANDLE, enforce: true, auditOnly: false, rawSockets: false });
    const args = ['open', String(n), file];
    for (let rep = 0; rep < reps; rep++) {
      // alternate which goes first, as in overhead.ts
      if (rep % 2 === 0) {
        const baseNs = await run(ops, args);
        rows.push({ rep, baseNs, watchedNs: await run(ops, args, kernel) });
      } else {
        const watchedNs = await run(ops, args, kernel);
        rows.push({ rep, baseNs: await run(ops, args), watchedNs });
      }
    }
    kernel.flush();
    if (events.count === 0) throw new Error('the watched helper produced no events: it was not watched');
  } finally {
    kernel.deleteSession(SESSION);
    kernel.close();
  }
  return rows;
}
