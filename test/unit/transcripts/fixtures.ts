// The recorded runs under test/fixtures/transcripts/<agent>/: each agent CLI driven offline
// against test/support/fake-model-api.ts (README.md there says how), its session log
// (real-session.jsonl) and every exec of the run under strace (real-execs.json). Helpers replay a
// run the way the daemon sees it: kernel events in time order, the log growing as it was written.
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { isObject, msOf } from '../../../src/transcripts/log-state.js';
import { ToolCallLinker } from '../../../src/transcripts/tool-call-linker.js';
import { TranscriptTail } from '../../../src/transcripts/transcript-tail.js';
import type {
  KernelEventRef,
  ToolCall,
  TranscriptAgent,
  TranscriptUpdate,
} from '../../../src/transcripts/types.js';
import { repoRoot } from '../../support/paths.js';

export const FIXTURES = join(repoRoot, 'test/fixtures/transcripts');

export interface RecordedExec {
  pid: number;
  ppid: number | null;
  at: number;
  filename: string;
  argv: string[];
}

export interface RecordedRun {
  agent: TranscriptAgent;
  /** the session log's lines, as the CLI wrote them */
  lines: string[];
  /** the pid of the agent's first exec (the daemon's agentPid) */
  agentPid: number;
  execs: RecordedExec[];
  /** every process the run forked (exec or not) and its parent */
  parents: Map<number, number>;
}

/** The file name of an agent's log in its folder, as the CLI named it. */
export const LOG_NAMES: Readonly<Record<TranscriptAgent, string>> = {
  'claude-code': 'a3985694-3db7-45fe-9a54-d623ec823d81.jsonl',
  codex: 'rollout-2026-12-06T20-22-38-01a24d05-d9ca-7f33-be60-03c18011d3de.jsonl',
  'gemini-cli': 'session-2026-12-06T20-22-28fb79c5.jsonl',
};

/** The working directory of each recorded run (temporary folders, as they were). */
export const RUN_CWD: Readonly<Record<TranscriptAgent, string>> = {
  'claude-code': '/tmp/tx/work-cc.KlCw',
  codex: '/tmp/tx/work-cx.eftk',
  'gemini-cli': '/tmp/tx/work-gm.RMzA',
};

export function loadRun(agent: TranscriptAgent): RecordedRun {
  const dir = join(FIXTURES, agent);
  const lines = readFileSync(join(dir, 'real-session.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  const recorded = JSON.parse(readFileSync(join(dir, 'real-execs.json'), 'utf8')) as {
    agentPid: number;
    execs: RecordedExec[];
    parents: Record<string, number>;
  };
  const parents = new Map(Object.entries(recorded.parents).map(([k, v]) => [Number(k), v]));
  return { agent, lines, agentPid: recorded.agentPid, execs: recorded.execs, parents };
}

/** A temporary folder, removed when the test ends. */
export function tempDir(t: { after: (fn: () => void) => void }, prefix = 'vigil-transcripts-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Everything a whole log gives, parsed in one poll. */
export function parseAll(agent: TranscriptAgent, lines: readonly string[], dir: string): TranscriptUpdate {
  const path = join(dir, agent === 'codex' ? LOG_NAMES.codex : `log-${agent}.jsonl`);
  writeFileSync(path, lines.map((l) => `${l}\n`).join(''));
  const tail = new TranscriptTail(agent, path);
  const u = tail.poll();
  tail.close();
  return u;
}

/**
 * When a log line was written: its own timestamp, but a Gemini CLI message logged again with its
 * tool calls was written when the last of them completed.
 */
export function writtenAt(line: string, previous: number): number {
  const v: unknown = JSON.parse(line);
  if (!isObject(v)) return previous;
  let at = msOf(v.timestamp) ?? previous;
  for (const tc of Array.isArray(v.toolCalls) ? (v.toolCalls as unknown[]) : []) {
    if (isObject(tc)) at = Math.max(at, msOf(tc.timestamp) ?? at);
  }
  return Math.max(at, previous);
}

/** The pids above `pid` up to, not including, the agent (the daemon's ancestors). */
export function ancestorsOf(run: RecordedRun, pid: number): number[] {
  const out: number[] = [];
  for (
    let p = run.parents.get(pid) ?? null;
    p !== null && p !== run.agentPid;
    p = run.parents.get(p) ?? null
  ) {
    out.push(p);
    if (out.length > 64) break;
  }
  return out;
}

export function execRef(run: RecordedRun, e: RecordedExec): KernelEventRef {
  return {
    pid: e.pid,
    ancestors: e.pid === run.agentPid ? [] : ancestorsOf(run, e.pid),
    at: e.at,
    kind: 'exec',
    argv: e.argv,
    path: e.filename,
    host: null,
  };
}

export interface Replayed {
  linker: ToolCallLinker;
  /** what link() said for each exec, in order */
  linked: { exec: RecordedExec; call: ToolCall | null }[];
  /** late links handed out after the whole log was read */
  late: Map<RecordedExec, ToolCall>;
  calls: ToolCall[];
}

/**
 * The run as the daemon sees it: before each exec event, the log as it stood at that moment
 * (plus `lagMs`: how late the log is read) is polled and given to the linker, then the event is
 * linked. After the last event the rest of the log is read.
 */
export function replay(
  t: { after: (fn: () => void) => void },
  run: RecordedRun,
  options: { lagMs?: number; slackMs?: number } = {},
): Replayed {
  const dir = tempDir(t);
  const path = join(dir, 'log.jsonl');
  writeFileSync(path, '');
  const tail = new TranscriptTail(run.agent, path);
  const linker = new ToolCallLinker(
    run.agentPid,
    options.slackMs === undefined ? {} : { slackMs: options.slackMs },
  );
  const lag = options.lagMs ?? 0;
  let next = 0;
  let previous = 0;
  const written = run.lines.map((l) => (previous = writtenAt(l, previous)));
  const feedUntil = (at: number): void => {
    while (next < run.lines.length && (written[next] ?? 0) <= at) {
      appendFileSync(path, `${run.lines[next] ?? ''}\n`);
      next++;
    }
    linker.update(tail.poll());
  };
  const refs = new Map<KernelEventRef, RecordedExec>();
  const linked: Replayed['linked'] = [];
  for (const e of [...run.execs].sort((a, b) => a.at - b.at)) {
    feedUntil(e.at - lag);
    const ref = execRef(run, e);
    refs.set(ref, e);
    linked.push({ exec: e, call: linker.link(ref) });
  }
  feedUntil(Number.MAX_SAFE_INTEGER);
  const late = new Map<RecordedExec, ToolCall>();
  for (const l of linker.takeLateLinks()) {
    const e = refs.get(l.event);
    if (e !== undefined) late.set(e, l.call);
  }
  tail.close();
  return { linker, linked, late, calls: linker.calls() };
}

/** What a recorded exec was linked to, at once or late: the call's id, or null. */
export function linkedId(r: Replayed, e: RecordedExec): string | null {
  const now = r.linked.find((l) => l.exec === e)?.call ?? null;
  return (now ?? r.late.get(e) ?? null)?.id ?? null;
}

/** An update with hand-written calls. */
export function update(started: ToolCall[], finished: ToolCall[] = []): TranscriptUpdate {
  return { turns: [], started, finished, texts: [] };
}

export function call(partial: Partial<ToolCall> & Pick<ToolCall, 'id'>): ToolCall {
  return {
    name: 'Bash',
    kind: 'shell',
    turn: 1,
    startedAt: 1_000,
    endedAt: null,
    command: null,
    paths: [],
    url: null,
    isError: null,
    output: null,
    ...partial,
  };
}
