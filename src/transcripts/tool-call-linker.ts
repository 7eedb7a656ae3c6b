// Which logged tool call caused a kernel event. The log says what the agent meant to do and when;
// the kernel says which process did what. They meet here:
//  - a shell call owns the process whose exec argv carries its command (shell-match.ts) at a time
//    inside the call's window [startedAt - slack, endedAt + slack] (open-ended while it runs),
//    and every descendant of that process, whenever they act (a background job outlives its call);
//  - a file tool owns the agent's own opens of one of its paths (or below it, for a folder; or a
//    temporary sibling `<path>.<suffix>`, for a write) in its window;
//  - a web fetch owns the agent's own connects in its window (one to the URL's host first).
// "The agent's own" process: the agent's pid, a process that exec'd an agent command (Gemini CLI
// relaunches itself, Codex's npm wrapper execs its native binary), or a direct child of the agent
// the linker saw no exec of.
//
// The kernel event may come before the log line that explains it: a line is read by polling, and
// Codex (a command's CommandExecution) and Gemini CLI (every toolCall) log a call only once it has
// ended. So events that link to nothing are kept a while (the last UNLINKED_MAX, at most
// UNLINKED_MS old); when a later update brings calls, they are matched again, in the order they
// came, and what links now is handed out by takeLateLinks() (the processes they claim link the
// usual way from then on).
import { agentOfCommand } from './agent-command.js';
import { argvCarries } from './shell-match.js';
import type { KernelEventRef, ToolCall, TranscriptUpdate } from './types.js';

const DEFAULT_SLACK_MS = 1_000;
const UNLINKED_MAX = 4_096;
const UNLINKED_MS = 120_000;

const copy = (c: ToolCall): ToolCall => ({ ...c, paths: [...c.paths] });

export interface LateLink {
  event: KernelEventRef;
  call: ToolCall;
}

function hostOf(url: string | null): string | null {
  if (url === null) return null;
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return null;
  }
}

export class ToolCallLinker {
  readonly #agentPid: number;
  readonly #slack: number;
  readonly #calls = new Map<string, ToolCall>();
  /** every call, iterable more than once, without a copy per event */
  readonly #all: Iterable<ToolCall> = { [Symbol.iterator]: () => this.#calls.values() };
  /** pid -> the call whose command its exec carried */
  readonly #owner = new Map<number, string>();
  /** call id -> how many processes it owns by their exec */
  readonly #roots = new Map<string, number>();
  /** processes that exec'd an agent command */
  readonly #agentSide = new Set<number>();
  /** processes the linker saw exec something */
  readonly #execed = new Set<number>();
  #unlinked: KernelEventRef[] = [];
  #late: LateLink[] = [];

  constructor(agentPid: number, options: { slackMs?: number } = {}) {
    this.#agentPid = agentPid;
    this.#slack = options.slackMs ?? DEFAULT_SLACK_MS;
  }

  /** Takes in a tail's update: new calls, and the ends of running ones. */
  update(u: TranscriptUpdate): void {
    const fresh: ToolCall[] = [];
    for (const c of [...u.started, ...u.finished]) {
      const known = this.#calls.get(c.id);
      const next = copy(c);
      this.#calls.set(c.id, next);
      if (known === undefined || known.endedAt !== next.endedAt || known.startedAt !== next.startedAt) {
        fresh.push(next);
      }
    }
    if (fresh.length > 0 && this.#unlinked.length > 0) this.#relink(fresh);
  }

  /** The call that caused the event, or null. */
  link(ev: KernelEventRef): ToolCall | null {
    const call = this.#match(ev, this.#all);
    if (call === null) this.#keep(ev);
    return call === null ? null : copy(call);
  }

  /** Every call known, in the order they were first seen. */
  calls(): ToolCall[] {
    return [...this.#calls.values()].map(copy);
  }

  /** Events link() gave null for that later updates linked, oldest first; each is handed out once. */
  takeLateLinks(): LateLink[] {
    const late = this.#late;
    this.#late = [];
    return late;
  }

  /** The event's process and its ancestors below the agent, nearest first; [] for the agent. */
  #chain(ev: KernelEventRef): number[] {
    if (ev.pid === this.#agentPid) return [];
    const above = ev.ancestors[0] === ev.pid ? ev.ancestors.slice(1) : ev.ancestors;
    return [ev.pid, ...above];
  }

  #inWindow(c: ToolCall, at: number): boolean {
    return at >= c.startedAt - this.#slack && (c.endedAt === null || at <= c.endedAt + this.#slack);
  }

  #match(ev: KernelEventRef, candidates: Iterable<ToolCall>): ToolCall | null {
    const chain = this.#chain(ev);
    let inherited: ToolCall | undefined;
    for (const pid of chain) {
      const id = this.#owner.get(pid);
      if (id !== undefined) {
        inherited = this.#calls.get(id);
        break;
      }
    }
    if (ev.kind === 'exec' && ev.argv !== null && chain.length > 0) {
      const byCommand = this.#byCommand(ev.argv, ev.at, candidates);
      // a reused pid: its old call ended before this exec, which carries another's command
      const stale =
        inherited !== undefined && inherited.endedAt !== null && ev.at > inherited.endedAt + this.#slack;
      if (byCommand !== null && (inherited === undefined || (stale && byCommand.id !== inherited.id))) {
        this.#owner.set(ev.pid, byCommand.id);
        this.#roots.set(byCommand.id, (this.#roots.get(byCommand.id) ?? 0) + 1);
        return byCommand;
      }
      if (inherited === undefined) {
        this.#execed.add(ev.pid);
        if (agentOfCommand(ev.argv) !== null) this.#agentSide.add(ev.pid);
      }
    }
    if (inherited !== undefined) return inherited;
    if (!this.#agentsOwn(ev, chain)) return null;
    if (ev.kind === 'file_open' && ev.path !== null) return this.#byPath(ev.path, ev.at, candidates);
    if (ev.kind === 'net_connect') return this.#byConnect(ev.host, ev.at, candidates);
    return null;
  }

  #agentsOwn(ev: KernelEventRef, chain: readonly number[]): boolean {
    if (chain.length === 0 || this.#agentSide.has(ev.pid)) return true;
    return chain.length === 1 && !this.#execed.has(ev.pid);
  }

  /**
   * The shell call whose command the argv carries, in its window: the longest command first; then
   * one that owns no process yet, the first asked for (two calls of one command running at once);
   * then the latest.
   */
  #byCommand(argv: readonly string[], at: number, candidates: Iterable<ToolCall>): ToolCall | null {
    let best: { call: ToolCall; score: number; free: boolean } | null = null;
    for (const call of candidates) {
      if (call.kind !== 'shell' || call.command === null || !this.#inWindow(call, at)) continue;
      const score = argvCarries(argv, call.command);
      if (score === 0) continue;
      const free = !this.#roots.has(call.id);
      const better =
        best === null ||
        score > best.score ||
        (score === best.score && free && !best.free) ||
        (score === best.score &&
          free === best.free &&
          (free ? call.startedAt < best.call.startedAt : call.startedAt > best.call.startedAt));
      if (better) best = { call, score, free };
    }
    return best === null ? null : best.call;
  }

  #byPath(path: string, at: number, candidates: Iterable<ToolCall>): ToolCall | null {
    let best: ToolCall | null = null;
    for (const c of candidates) {
      if ((c.kind !== 'file_read' && c.kind !== 'file_write') || !this.#inWindow(c, at)) continue;
      const hit = c.paths.some(
        (p) =>
          path === p ||
          path.startsWith(p.endsWith('/') ? p : `${p}/`) ||
          (c.kind === 'file_write' && path.startsWith(`${p}.`)),
      );
      if (hit && (best === null || c.startedAt > best.startedAt)) best = c;
    }
    return best;
  }

  #byConnect(host: string | null, at: number, candidates: Iterable<ToolCall>): ToolCall | null {
    let any: ToolCall | null = null;
    for (const c of candidates) {
      if (c.kind !== 'web_fetch' || !this.#inWindow(c, at)) continue;
      if (host !== null && hostOf(c.url) === host) return c;
      if (any === null || c.startedAt > any.startedAt) any = c;
    }
    return any;
  }

  #keep(ev: KernelEventRef): void {
    this.#unlinked.push(ev);
    if (this.#unlinked.length > UNLINKED_MAX) this.#unlinked = this.#unlinked.slice(-UNLINKED_MAX / 2);
  }

  /** Events kept unlinked, matched again against calls new (or newly ended) in an update. */
  #relink(fresh: readonly ToolCall[]): void {
    const newest = this.#unlinked.reduce((m, e) => Math.max(m, e.at), 0);
    const still: KernelEventRef[] = [];
    for (const ev of this.#unlinked) {
      if (ev.at < newest - UNLINKED_MS) continue;
      const call = this.#match(ev, fresh);
      if (call === null) still.push(ev);
      else this.#late.push({ event: ev, call: copy(call) });
    }
    this.#unlinked = still;
  }
}
