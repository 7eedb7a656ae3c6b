// The agent's own session log beside its kernel events. When a session's process execs an agent
// vigil knows (Claude Code, Codex, Gemini CLI), the daemon looks for that run's log by the
// user's home, the agent's working directory and its start time, tails it, and links each tool
// call to the kernel lines it caused (its process subtree and time window): those lines gain
// `tool_call`, and each call gets a tool_call line once its result is logged. The log is the
// agent's word; the linked lines are the kernel's.
import { readFileSync, readlinkSync } from 'node:fs';

import {
  agentOfCommand,
  findTranscript,
  ToolCallLinker,
  TranscriptTail,
  type KernelEventRef,
  type ToolCall,
  type TranscriptAgent,
  type TranscriptUpdate,
} from '../transcripts/index.js';
import {
  AUDIT_SCHEMA_VERSION,
  auditKeyOrder,
  EVENT_KINDS,
  type AuditEvent,
  type AuditLine,
  type AuditLineOf,
} from '../sinks/audit-schema.js';
import type { ProcessTable } from '../enrich/process-table.js';
import { secretScanner } from './secret-scanner.js';
import type { Session } from './sessions.js';

type ToolCallRef = NonNullable<AuditLineOf<'exec'>['tool_call']>;
type Linked = AuditLineOf<'tool_call'>['linked'];

/** The log is polled at most this often while lines arrive (and every tick). */
const POLL_MS = 20;
/** While not found, the log is looked for at most this often. */
const FIND_MS = 250;
/** A finished call's line waits this long for kernel lines still in the ring. */
const SETTLE_MS = 1_000;
/** The lines about a process's own call (those the schema gives a tool_call, but the detectors'). */
const LINKED_KINDS: ReadonlySet<AuditEvent> = new Set(
  EVENT_KINDS.filter((e) => e !== 'install' && e !== 'alert' && auditKeyOrder(e).includes('tool_call')),
);
/** Processes listed on a tool_call line. */
const MAX_PIDS = 64;
/** The captured output of a call is cut here. */
const OUTPUT_MAX = 4_096;

export interface TranscriptCapture {
  agent: TranscriptAgent;
  agentPid: number;
  path: string | null;
  /** why no log was found, while none is */
  reason: string;
  toolCalls: number;
  linkedLines: number;
}

interface Watched {
  agent: TranscriptAgent;
  agentPid: number;
  cwd: string;
  home: string;
  startedAt: number;
  path: string | null;
  reason: string;
  tail: TranscriptTail | null;
  linker: ToolCallLinker;
  lastPoll: number;
  lastFind: number;
  calls: Map<
    string,
    { call: ToolCall; linked: Linked; pids: number[]; finishedAt: number | null; written: boolean }
  >;
  /** the agent's environment: where it keeps its logs (CLAUDE_CONFIG_DIR, CODEX_HOME, ...) */
  env: Record<string, string>;
  linkedLines: number;
  /** events no call claimed yet (a call logged only after it ended: Gemini CLI, Codex scripts) */
  unlinked: WeakMap<KernelEventRef, { denied: boolean }>;
  /** lines linked only after they were written: counted on the call's line, not annotated */
  lateLinked: number;
}

export interface TranscriptHooks {
  emit: (s: Session, line: AuditLine) => void;
  /** text of the log (prompts, answers, tool output) for the secret detector */
  text: (s: Session, text: string, transcript: string, toolCall?: ToolCallRef) => void;
  processes: ProcessTable;
  /** --capture-transcript: tool_call lines carry the call's input and output, masked */
  capture: (s: Session) => boolean;
}

export class TranscriptWatch {
  readonly #sessions = new Map<Session, Watched>();
  /** ended sessions' watches, for their capture summary */
  readonly #ended = new WeakMap<Session, Watched>();
  readonly #hooks: TranscriptHooks;
  /** tool_call lines being masked and written */
  readonly #inflight = new Set<Promise<void>>();

  constructor(hooks: TranscriptHooks) {
    this.#hooks = hooks;
  }

  /** An exec line: the first exec of a known agent in the session starts the watch. */
  onExec(s: Session, exec: AuditLineOf<'exec'>): void {
    if (this.#sessions.has(s) || exec.result !== undefined) return;
    const agent = agentOfCommand(exec.argv);
    if (agent === null) return;
    const cwd = procCwd(exec.pid);
    if (cwd === undefined) return;
    const env = procEnv(exec.pid);
    const home = env.HOME?.startsWith('/') === true ? env.HOME : passwdHome(exec.uid);
    const w: Watched = {
      agent,
      agentPid: exec.pid,
      cwd,
      home,
      startedAt: Date.parse(exec.ts),
      path: null,
      reason: 'not looked for yet',
      tail: null,
      linker: new ToolCallLinker(exec.pid),
      lastPoll: 0,
      lastFind: 0,
      calls: new Map(),
      linkedLines: 0,
      unlinked: new WeakMap(),
      lateLinked: 0,
      env,
    };
    this.#sessions.set(s, w);
    this.#find(w, Date.now());
  }

  /** The agent's working directory, once an agent was seen (for the file-write detector). */
  cwdOf(s: Session): string | undefined {
    return this.#sessions.get(s)?.cwd;
  }

  /** Sets tool_call on a process line the log links to a call; before the line is written. */
  annotate(s: Session, line: AuditLine): void {
    const w = this.#sessions.get(s);
    if (w === undefined || !LINKED_KINDS.has(line.event) || !('pid' in line) || line.pid === null) return;
    const now = Date.now();
    if (now - w.lastPoll >= POLL_MS || line.event === 'exec') this.#poll(s, w, now);
    const ref = eventRef(line, w.agentPid, this.#hooks.processes);
    if (ref === undefined) return;
    const call = w.linker.link(ref);
    const denied = line.action === 'BLOCK' || line.action === 'KILL';
    if (call === null) {
      w.unlinked.set(ref, { denied });
      return;
    }
    (line as { tool_call?: ToolCallRef }).tool_call = { id: call.id, name: call.name, turn: call.turn };
    w.linkedLines++;
    count(w, call.id, ref, denied);
  }

  /** Every second: look for logs not found yet, read new entries, write settled calls. */
  tick(): void {
    const now = Date.now();
    for (const [s, w] of this.#sessions) {
      this.#poll(s, w, now);
      this.#writeSettled(s, w, now, false);
    }
  }

  /** The session ended: read the log to its end and write every call left (false: no log watched). */
  sessionEnded(s: Session): boolean {
    const w = this.#sessions.get(s);
    if (w === undefined) return false;
    this.#poll(s, w, Date.now(), true);
    this.#writeSettled(s, w, Date.now(), true);
    w.tail?.close();
    w.tail = null;
    w.reason = w.path === null ? w.reason : 'found; the session ended';
    this.#sessions.delete(s);
    this.#ended.set(s, w);
    return true;
  }

  busy(): boolean {
    return this.#inflight.size > 0;
  }

  /** Resolves when every tool_call line started so far is written. */
  async settled(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.all([...this.#inflight]);
  }

  capture(s: Session): TranscriptCapture | undefined {
    const w = this.#sessions.get(s) ?? this.#ended.get(s);
    if (w === undefined) return undefined;
    return {
      agent: w.agent,
      agentPid: w.agentPid,
      path: w.path,
      reason: w.reason,
      toolCalls: w.calls.size,
      linkedLines: w.linkedLines,
    };
  }

  #find(w: Watched, now: number, force = false): void {
    if (w.tail !== null || (!force && now - w.lastFind < FIND_MS)) return;
    w.lastFind = now;
    const r = findTranscript(w.agent, { home: w.home, cwd: w.cwd, startedAt: w.startedAt, env: w.env });
    if (!r.found) {
      w.reason = r.reason;
      return;
    }
    w.path = r.path;
    w.reason = 'found';
    w.tail = new TranscriptTail(w.agent, r.path, { cwd: w.cwd });
  }

  #poll(s: Session, w: Watched, now: number, force = false): void {
    this.#find(w, now, force);
    if (w.tail === null) return;
    w.lastPoll = now;
    let u: TranscriptUpdate;
    try {
      u = w.tail.poll();
    } catch (err) {
      w.reason = `reading the log failed: ${String(err)}`;
      return;
    }
    w.linker.update(u);
    for (const late of w.linker.takeLateLinks()) {
      const was = w.unlinked.get(late.event);
      if (was === undefined) continue;
      w.unlinked.delete(late.event);
      w.lateLinked++;
      if (!w.calls.has(late.call.id)) w.calls.set(late.call.id, newEntry(late.call));
      count(w, late.call.id, late.event, was.denied, true);
    }
    for (const c of u.started) if (!w.calls.has(c.id)) w.calls.set(c.id, newEntry(c));
    for (const c of u.finished) {
      let entry = w.calls.get(c.id);
      if (entry === undefined) {
        // logged only once it ended (Gemini CLI)
        entry = newEntry(c);
        w.calls.set(c.id, entry);
      }
      entry.call = c;
      entry.finishedAt = now;
    }
    const path = w.path ?? '';
    for (const t of u.texts) this.#hooks.text(s, t.text, path);
  }

  #writeSettled(s: Session, w: Watched, now: number, all: boolean): void {
    for (const entry of w.calls.values()) {
      if (entry.written) continue;
      if (!all && (entry.finishedAt === null || now - entry.finishedAt < SETTLE_MS)) continue;
      entry.written = true;
      const p = this.#writeCall(s, w, entry.call, entry.linked, entry.pids)
        .catch(() => undefined)
        .finally(() => this.#inflight.delete(p));
      this.#inflight.add(p);
    }
  }

  async #writeCall(s: Session, w: Watched, c: ToolCall, linked: Linked, pids: number[]): Promise<void> {
    const capture = this.#hooks.capture(s);
    const command = c.command === null ? null : await masked(c.command);
    const url = c.url === null ? null : await masked(c.url);
    const output = capture && c.output !== null ? await masked(c.output.slice(0, OUTPUT_MAX)) : undefined;
    const input = capture
      ? await masked(JSON.stringify({ command: c.command, paths: c.paths, url: c.url }))
      : undefined;
    const denied = linked.denied === 0 ? '' : `; ${linked.denied} of them refused or killed`;
    const late =
      linked.late === 0
        ? ''
        : `; ${linked.late} of them only once the call was logged, after they were written (they carry no tool_call)`;
    const line: AuditLineOf<'tool_call'> = {
      ts: new Date(c.startedAt).toISOString(),
      event: 'tool_call',
      action: 'OBSERVE',
      agent: w.agent,
      id: c.id,
      name: c.name,
      tool_kind: c.kind,
      turn: c.turn,
      ended_at: c.endedAt === null ? null : new Date(c.endedAt).toISOString(),
      is_error: c.isError,
      command,
      paths: c.paths,
      url,
      linked,
      pids,
      transcript: w.path ?? '',
      ...(input === undefined ? {} : { input }),
      ...(output === undefined ? {} : { output }),
      reason: `${w.agent} logged a ${c.name} call; ${linked.exec + linked.file_open + linked.net_connect + linked.other} kernel line(s) linked to it${denied}${late}`,
      rule: null,
      profile: s.profile.name,
      session: s.name,
      backend: `transcript:${w.agent}`,
      enforcement: 'none',
      schema_version: AUDIT_SCHEMA_VERSION,
    };
    this.#hooks.emit(s, line);
  }
}

function newEntry(c: ToolCall): Watched['calls'] extends Map<string, infer E> ? E : never {
  return {
    call: c,
    pids: [],
    linked: { exec: 0, file_open: 0, net_connect: 0, other: 0, denied: 0, late: 0 },
    finishedAt: null,
    written: false,
  };
}

/** One more line linked to a call, by its kind. */
function count(w: Watched, id: string, ref: KernelEventRef, denied: boolean, late = false): void {
  const entry = w.calls.get(id);
  if (entry === undefined) return;
  const k =
    ref.kind === 'exec' || ref.kind === 'file_open' || ref.kind === 'net_connect' ? ref.kind : 'other';
  entry.linked[k]++;
  if (denied) entry.linked.denied++;
  if (entry.pids.length < MAX_PIDS && !entry.pids.includes(ref.pid)) entry.pids.push(ref.pid);
  if (late) entry.linked.late++;
}

async function masked(text: string): Promise<string> {
  const { scanText, maskFindings } = await secretScanner();
  const { findings } = await scanText(text);
  return findings.length === 0 ? text : maskFindings(text, findings);
}

/** What the linker needs of a process line; undefined for lines about no process call. */
function eventRef(line: AuditLine, agentPid: number, processes: ProcessTable): KernelEventRef | undefined {
  if (!('pid' in line) || line.pid === null) return undefined;
  const ancestors: number[] = [];
  for (const a of processes.ancestry(line.pid).slice(1)) {
    if (a.pid === agentPid) break;
    ancestors.push(a.pid);
  }
  const at = Date.parse(line.ts);
  switch (line.event) {
    case 'exec':
      return { pid: line.pid, ancestors, at, kind: 'exec', argv: line.argv, path: line.path, host: null };
    case 'file_open':
      return { pid: line.pid, ancestors, at, kind: 'file_open', argv: null, path: line.path, host: null };
    case 'net_connect':
      return {
        pid: line.pid,
        ancestors,
        at,
        kind: 'net_connect',
        argv: null,
        path: null,
        host: line.dest_host ?? line.dest_ip,
      };
    default:
      return { pid: line.pid, ancestors, at, kind: 'other', argv: null, path: null, host: null };
  }
}

/** The process's working directory; undefined when it is gone. */
function procCwd(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

/** The process's environment (empty when it is gone or unreadable). */
function procEnv(pid: number): Record<string, string> {
  const env: Record<string, string> = {};
  try {
    for (const e of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
      const at = e.indexOf('=');
      if (at > 0) env[e.slice(0, at)] = e.slice(at + 1);
    }
  } catch {
    // gone
  }
  return env;
}

/** The home of a user in /etc/passwd, else /root. */
function passwdHome(uid: number): string {
  try {
    for (const row of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = row.split(':');
      if (f[2] === String(uid) && f[5] !== undefined) return f[5];
    }
  } catch {
    // no passwd
  }
  return '/root';
}
