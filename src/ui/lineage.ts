// Each session's process tree, rebuilt from its audit lines: session_start names the root,
// fork lines link child to parent, exec lines rename, exit lines close. It works wherever the
// lines come from (the daemon in this process or one reached over the control socket), and it
// remembers processes after the daemon's own table has let them go, so the detail panel can
// show the ancestry of an old event.
//
// Lineage is per session, so a PID reused by another session is never taken for the old
// process. Bounded: MAX_PER_SESSION processes per session (exited ones are forgotten first)
// and MAX_SESSIONS sessions (ended ones first).
import type { AuditLine } from '../sinks/audit-schema.js';

const MAX_PER_SESSION = 5_000;
const MAX_SESSIONS = 200;
const MAX_DEPTH = 64;

export interface ProcNode {
  pid: number;
  /** the process that forked it; null for the session's root or when never seen */
  ppid: number | null;
  comm: string;
  exe: string | null;
  argv: string[] | null;
  root: boolean;
  /** ts of the first line that named it */
  since: string;
  exited: boolean;
  exit: string | null;
  /** BLOCK/KILL lines of this process */
  blocks: number;
  lines: number;
}

interface SessionTree {
  nodes: Map<number, ProcNode>;
  root: number | null;
  ended: boolean;
}

export class ProcessForest {
  readonly #sessions = new Map<string, SessionTree>();

  observe(line: AuditLine): void {
    if (
      line.event === 'loss' ||
      line.event === 'file_activity' ||
      line.event === 'dns_query' ||
      line.event === 'sni_check' ||
      line.event === 'alert' ||
      line.event === 'tool_call' ||
      line.event === 'posture_change' ||
      line.event === 'export_drop'
    )
      return; // about no process (an alert's process has its own exec line)
    let t = this.#sessions.get(line.session);
    if (t === undefined) {
      t = { nodes: new Map(), root: null, ended: false };
      this.#sessions.set(line.session, t);
      this.#boundSessions();
    }
    const node = this.#node(t, line.pid, line.comm, line.ts, line.ppid);
    node.lines++;
    if (line.action === 'BLOCK' || line.action === 'KILL') node.blocks++;
    switch (line.event) {
      case 'session_start':
        node.root = true;
        node.ppid = null;
        t.root = line.pid;
        if (line.exe !== null) node.exe = line.exe;
        if (line.argv !== undefined) node.argv = line.argv;
        break;
      case 'exec':
        if (line.result !== undefined) break; // the execve failed: the old program still runs
        node.comm = line.comm;
        node.exe = line.exe ?? line.path;
        node.argv = line.argv;
        node.exited = false;
        break;
      case 'fork': {
        const child = this.#node(t, line.child_pid, line.comm, line.ts, line.pid);
        // A fork line introduces the child: it is a new process even if the PID was seen before.
        child.ppid = line.pid;
        child.exited = false;
        child.exit = null;
        child.root = false;
        child.exe = node.exe;
        child.argv = node.argv;
        break;
      }
      case 'exit':
        node.exited = true;
        node.exit = line.signal ?? (line.exit_code === null ? null : `exit ${line.exit_code}`);
        break;
      case 'session_end':
        t.ended = true;
        break;
      default:
        if (line.exe !== null && node.exe === null) node.exe = line.exe;
    }
  }

  /** [process, parent, ..., root] within the session, as the lines tell it; at most 64. */
  ancestry(session: string, pid: number): ProcNode[] {
    const t = this.#sessions.get(session);
    const out: ProcNode[] = [];
    const seen = new Set<number>();
    let n = t?.nodes.get(pid);
    while (n !== undefined && out.length < MAX_DEPTH && !seen.has(n.pid)) {
      seen.add(n.pid);
      out.push(n);
      if (n.root || n.ppid === null) break;
      n = t?.nodes.get(n.ppid);
    }
    return out;
  }

  /** The session's processes (parents before children where known), and its root. */
  tree(session: string): { root: number | null; nodes: ProcNode[] } | undefined {
    const t = this.#sessions.get(session);
    if (t === undefined) return undefined;
    return { root: t.root, nodes: [...t.nodes.values()] };
  }

  sessions(): string[] {
    return [...this.#sessions.keys()];
  }

  #node(t: SessionTree, pid: number, comm: string, ts: string, ppid: number | null): ProcNode {
    let n = t.nodes.get(pid);
    if (n === undefined) {
      n = {
        pid,
        ppid,
        comm,
        exe: null,
        argv: null,
        root: false,
        since: ts,
        exited: false,
        exit: null,
        blocks: 0,
        lines: 0,
      };
      t.nodes.set(pid, n);
      if (t.nodes.size > MAX_PER_SESSION) this.#evict(t);
    }
    return n;
  }

  #evict(t: SessionTree): void {
    for (const n of t.nodes.values()) {
      if (n.exited && !n.root) {
        t.nodes.delete(n.pid);
        return;
      }
    }
    const first = t.nodes.keys().next();
    if (first.done !== true) t.nodes.delete(first.value);
  }

  #boundSessions(): void {
    if (this.#sessions.size <= MAX_SESSIONS) return;
    for (const [name, t] of this.#sessions) {
      if (t.ended) {
        this.#sessions.delete(name);
        return;
      }
    }
    const first = this.#sessions.keys().next();
    if (first.done !== true) this.#sessions.delete(first.value);
  }
}
