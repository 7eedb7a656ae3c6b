// The per-session feedback stream: every BLOCK, KILL and AUDIT line of a session becomes one
// violation (session-feedback-record.ts), appended to the session's own JSONL file and handed to
// the readers that subscribed through the feedback socket (feedback-subscription.ts). Made from
// the audit lines the daemon already writes, as they are emitted: one source of facts. A reader
// never slows this down: each is handed the message and keeps its own bounded queue; the file
// is written whatever the readers do.
import {
  chmodSync,
  closeSync,
  fchownSync,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

import type { AuditLine } from '../sinks/audit-schema.js';
import { inWriteBatch, joinWriteBatch, type BatchMember } from '../sinks/write-batch.js';
import { violationOf } from './session-feedback-record.js';
import {
  FEEDBACK_SCHEMA_VERSION,
  type FeedbackEnd,
  type FeedbackMessage,
  type FeedbackViolation,
} from './session-feedback-schema.js';
import type { Session, SessionRegistry } from './sessions.js';

/** Violations kept per session for a reader that asks for the latest ones first. */
export const REPLAY_MAX = 256;
/** Readers of one session at once (each holds a queue of its own). */
const READERS_PER_SESSION = 16;
/** Streams of ended sessions kept for late readers (root), oldest first out. */
const ENDED_KEPT = 64;
/** A session's file stops growing here (the audit log, rotated, has every line). */
const FILE_LIMIT = 64 * 1024 * 1024;

/** Who may read a session's file: the agent's user. */
export interface FeedbackOwner {
  uid: number;
  /** -1: left as created */
  gid: number;
}

export type FeedbackListener = (m: FeedbackMessage) => void;

export interface SessionFeedbackOptions {
  /** where the sessions' files go; none: no files (the socket only) */
  dir?: string;
  /** the user the session's agent runs as, for its file */
  owner: (s: Session, line: AuditLine) => FeedbackOwner | undefined;
  log: (message: string) => void;
  sessions: SessionRegistry;
}

/** One session's file: appended with O_APPEND, one write per ring-buffer batch (write-batch.ts). */
class FeedbackFile implements BatchMember {
  readonly path: string;
  #fd: number | null;
  #size: number;
  #queued = '';
  readonly #log: (message: string) => void;

  constructor(path: string, fd: number, log: (message: string) => void) {
    this.path = path;
    this.#fd = fd;
    this.#size = fstatSync(fd).size;
    this.#log = log;
  }

  /** False when the file is at its limit (the line is left out). */
  write(m: FeedbackMessage, force = false): boolean {
    const text = `${JSON.stringify(m)}\n`;
    if (!force && this.#size + text.length > FILE_LIMIT) return false;
    this.#size += text.length;
    this.#queued += text;
    if (inWriteBatch()) joinWriteBatch(this);
    else this.endBatch();
    return true;
  }

  /** Never throws: a feedback file that cannot be written must not stop the daemon's lines. */
  endBatch(): void {
    const text = this.#queued;
    this.#queued = '';
    if (this.#fd === null || text === '') return;
    try {
      writeSync(this.#fd, text);
    } catch (err) {
      this.#log(`vigil: the feedback file ${this.path} cannot be written (${String(err)}); it is closed`);
      this.close();
    }
  }

  close(): void {
    this.endBatch();
    if (this.#fd === null) return;
    closeSync(this.#fd);
    this.#fd = null;
  }
}

interface Stream {
  readonly name: string;
  seq: number;
  readonly recent: FeedbackViolation[];
  readonly listeners: Set<FeedbackListener>;
  /** undefined: not opened yet; null: no file */
  file: FeedbackFile | null | undefined;
  unwritten: number;
  end: FeedbackEnd | null;
}

export class SessionFeedback {
  readonly #dir: string | undefined;
  readonly #owner: SessionFeedbackOptions['owner'];
  readonly #log: (message: string) => void;
  readonly #sessions: SessionRegistry;
  readonly #streams = new Map<number, Stream>();
  #dirReady = false;

  constructor(options: SessionFeedbackOptions) {
    this.#dir = options.dir;
    this.#owner = options.owner;
    this.#log = options.log;
    this.#sessions = options.sessions;
  }

  /** The session of that name (`vigil status` shows them), ended ones while they are kept. */
  named(name: string): Session | undefined {
    return this.#sessions.list().find((s) => s.name === name);
  }

  /** A line of the session: a violation when it is a BLOCK, KILL or AUDIT. */
  record(s: Session, line: AuditLine): void {
    if (line.action !== 'BLOCK' && line.action !== 'KILL' && line.action !== 'AUDIT') return;
    const st = this.#stream(s);
    const v = violationOf(line, {
      profile: s.profile.profile,
      profileSource: s.profile.source,
      seq: st.seq + 1,
    });
    if (v === undefined || st.end !== null) return;
    st.seq = v.seq;
    st.recent.push(v);
    if (st.recent.length > REPLAY_MAX) st.recent.splice(0, st.recent.length - REPLAY_MAX);
    if (st.file === undefined) st.file = this.#open(s, line);
    if (st.file !== null && !st.file.write(v)) st.unwritten++;
    this.#tell(st, v);
  }

  /** The session ended: its `end` message, to the file and every reader, who are then let go. */
  ended(s: Session, at = s.endedAt ?? new Date()): void {
    const st = this.#streams.get(s.id);
    if (st === undefined || st.end !== null) return;
    st.end = {
      type: 'end',
      schema_version: FEEDBACK_SCHEMA_VERSION,
      ts: at.toISOString(),
      session: st.name,
      violations: st.seq,
      ...(st.unwritten === 0 ? {} : { unwritten: st.unwritten }),
    };
    st.file?.write(st.end, true);
    st.file?.close();
    this.#tell(st, st.end);
    st.listeners.clear();
    const ended = [...this.#streams].filter(([, x]) => x.end !== null);
    for (const [id] of ended.slice(0, Math.max(0, ended.length - ENDED_KEPT))) this.#streams.delete(id);
  }

  /** Whether the session may have one more reader. */
  hasRoom(s: Session): boolean {
    const st = this.#streams.get(s.id);
    return st === undefined || st.end !== null || st.listeners.size < READERS_PER_SESSION;
  }

  /**
   * A reader of the session: the latest `replay` violations at once, then each new one, then
   * `end`. Returns the unsubscribe function; undefined when the session has too many readers.
   */
  subscribe(s: Session, replay: number, listener: FeedbackListener): (() => void) | undefined {
    const st = this.#stream(s);
    if (st.end === null && st.listeners.size >= READERS_PER_SESSION) return undefined;
    for (const v of replay > 0 ? st.recent.slice(-replay) : []) listener(v);
    if (st.end !== null) {
      listener(st.end);
      return () => undefined;
    }
    st.listeners.add(listener);
    return () => st.listeners.delete(listener);
  }

  /** The session's file, once it has one (its first violation makes it). */
  fileOf(s: Session): string | null {
    const f = this.#streams.get(s.id)?.file;
    return f === undefined || f === null ? null : f.path;
  }

  /** Where the session's file is (or will be), or null without a folder. */
  pathFor(s: Session): string | null {
    if (this.#dir === undefined) return null;
    const stamp = s.startedAt
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    return join(this.#dir, `${s.name}-${stamp}.jsonl`);
  }

  /** Closes the files of sessions still running (a stopping daemon; no `end` for them). */
  close(): void {
    for (const st of this.#streams.values()) st.file?.close();
    this.#streams.clear();
  }

  #stream(s: Session): Stream {
    let st = this.#streams.get(s.id);
    if (st === undefined) {
      const path = this.pathFor(s);
      st = {
        name: s.name,
        seq: path === null ? 0 : lastSeq(path),
        recent: [],
        listeners: new Set(),
        file: undefined,
        unwritten: 0,
        end: null,
      };
      this.#streams.set(s.id, st);
    }
    return st;
  }

  #tell(st: Stream, m: FeedbackMessage): void {
    for (const l of st.listeners) {
      try {
        l(m);
      } catch (err) {
        process.emitWarning(`vigil: a feedback reader failed: ${String(err)}`);
      }
    }
  }

  /** The session's file, readable by the agent's user only (the folders: traversable, not listable). */
  #open(s: Session, line: AuditLine): FeedbackFile | null {
    const path = this.pathFor(s);
    if (path === null) return null;
    try {
      this.#prepareDir(dirname(path));
      const fd = openSync(path, 'a', 0o400);
      const owner = this.#owner(s, line);
      if (owner !== undefined && fstatSync(fd).uid !== owner.uid) {
        try {
          fchownSync(fd, owner.uid, owner.gid);
        } catch (err) {
          this.#log(`vigil: the feedback file ${path} stays the daemon's: ${String(err)}`);
        }
      }
      return new FeedbackFile(path, fd, this.#log);
    } catch (err) {
      this.#log(`vigil: no feedback file for ${s.name}: ${String(err)}`);
      return null;
    }
  }

  /** The folder 0711, and its parent (the log folder) traversable, so an agent reaches its file by name. */
  #prepareDir(dir: string): void {
    if (this.#dirReady) return;
    mkdirSync(dir, { recursive: true, mode: 0o711 });
    chmodSync(dir, 0o711);
    const parent = dirname(dir);
    const mode = statSync(parent).mode & 0o7777;
    if ((mode & 0o011) !== 0o011) chmodSync(parent, mode | 0o011);
    this.#dirReady = true;
  }
}

/** The seq of the file's last violation (a daemon taking a session over goes on from it); 0 if none. */
function lastSeq(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return 0;
  }
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    const lines = buf.toString('utf8').split('\n').reverse();
    for (const text of lines) {
      const m = /"seq":(\d+)/.exec(text);
      if (m !== null && text.startsWith('{"type":"violation"')) return Number(m[1]);
    }
    return 0;
  } finally {
    closeSync(fd);
  }
}
