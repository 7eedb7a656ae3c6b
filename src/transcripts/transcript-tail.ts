// Reads an agent's session log as it grows, synchronously, a poll at a time. A JSONL log is read
// from where the last poll stopped, whole lines only (a last line still being written waits for
// the next poll). A log that shrank or was replaced (another inode at the path: Gemini CLI rewrites
// its log through a temporary file and a rename) is read again from its start; the parser's state
// remembers what it gave already, so only what is new is given again. A whole-JSON log (older
// Gemini CLI, `.json`) is parsed again whenever it changed, the same way.
import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { ClaudeCodeLog } from './claude-code-log.js';
import { CodexLog } from './codex-log.js';
import { GeminiCliLog } from './gemini-cli-log.js';
import { LogState, type LogParser } from './log-state.js';
import type { TranscriptAgent, TranscriptUpdate } from './types.js';

/** At most this much is read in one poll; the rest waits for the next. */
const READ_MAX = 16 << 20;
const CHUNK = 1 << 20;

function parserFor(agent: TranscriptAgent): LogParser {
  switch (agent) {
    case 'claude-code':
      return new ClaudeCodeLog();
    case 'codex':
      return new CodexLog();
    case 'gemini-cli':
      return new GeminiCliLog();
  }
}

/** Gemini CLI's log says no cwd; its project folder's `.project_root` does (chats/ or chats/<parent>/). */
function geminiProjectRoot(path: string): string | null {
  for (const dir of [dirname(dirname(path)), dirname(dirname(dirname(path)))]) {
    try {
      const root = readFileSync(join(dir, '.project_root'), 'utf8').trim();
      if (root.startsWith('/')) return root;
    } catch {
      // not this one
    }
  }
  return null;
}

/** The bytes [start, end) of a file (fewer if it ends first); the file position is not used. */
function readRange(fd: number, start: number, end: number): Buffer {
  const chunks: Buffer[] = [];
  let at = start;
  while (at < end) {
    const buf = Buffer.alloc(Math.min(CHUNK, end - at));
    const n = readSync(fd, buf, 0, buf.length, at);
    if (n === 0) break;
    chunks.push(buf.subarray(0, n));
    at += n;
  }
  return Buffer.concat(chunks);
}

export class TranscriptTail {
  readonly #path: string;
  readonly #parser: LogParser;
  readonly #state = new LogState();
  /** a whole-JSON log, parsed again on change, rather than JSONL */
  readonly #whole: boolean;
  #fd: number | null = null;
  #ino = 0;
  #dev = 0;
  #offset = 0;
  /** the start of a line whose end was not written yet */
  #rest: Buffer = Buffer.alloc(0);
  /** the whole-JSON log's size and mtime when last parsed */
  #seen = '';
  #closed = false;

  constructor(agent: TranscriptAgent, path: string, options: { cwd?: string } = {}) {
    this.#path = path;
    this.#parser = parserFor(agent);
    this.#whole = path.endsWith('.json');
    this.#state.cwd = options.cwd ?? (agent === 'gemini-cli' ? geminiProjectRoot(path) : null);
  }

  /** What the log gained since the last poll (nothing while the file is missing). */
  poll(): TranscriptUpdate {
    if (!this.#closed && this.#open()) {
      if (this.#whole) this.#readWhole();
      else this.#readLines();
    }
    return this.#state.take();
  }

  close(): void {
    this.#closed = true;
    this.#release();
  }

  #release(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }

  /** Opens the file at the path, again when it was replaced; false while it is missing. */
  #open(): boolean {
    const st = statSync(this.#path, { throwIfNoEntry: false });
    if (st === undefined) return this.#fd !== null;
    if (this.#fd !== null && st.ino === this.#ino && st.dev === this.#dev) return true;
    this.#release();
    this.#fd = openSync(this.#path, 'r');
    const fst = fstatSync(this.#fd);
    this.#ino = fst.ino;
    this.#dev = fst.dev;
    this.#offset = 0;
    this.#rest = Buffer.alloc(0);
    this.#seen = '';
    return true;
  }

  #readLines(): void {
    const fd = this.#fd;
    if (fd === null) return;
    const size = fstatSync(fd).size;
    if (size < this.#offset) {
      // truncated in place: read it again from its start
      this.#offset = 0;
      this.#rest = Buffer.alloc(0);
    }
    const end = Math.min(size, this.#offset + READ_MAX);
    const got = readRange(fd, this.#offset, end);
    this.#offset += got.length;
    const data = Buffer.concat([this.#rest, got]);
    const last = data.lastIndexOf(0x0a);
    this.#rest = last === -1 ? data : data.subarray(last + 1);
    if (last === -1) return;
    for (const line of data.subarray(0, last).toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        continue; // not a JSON line: skipped, as the agents skip it when they read their own logs
      }
      this.#parser.record(value, this.#state);
    }
  }

  #readWhole(): void {
    const fd = this.#fd;
    if (fd === null) return;
    const st = fstatSync(fd);
    const seen = `${String(st.size)}:${String(st.mtimeMs)}`;
    if (seen === this.#seen) return;
    let doc: unknown;
    try {
      doc = JSON.parse(readRange(fd, 0, st.size).toString('utf8'));
    } catch {
      return; // caught mid-write: parsed at a later poll
    }
    this.#seen = seen;
    this.#parser.record(doc, this.#state);
  }
}
