// The UI's event stream: every audit line gets an id and a place in a bounded backlog (a ring),
// and each connected browser gets the lines after its cursor in batched Server-Sent Events
// frames, one frame per tick (100 ms) holding an array of lines.
//
// Costs on the event path: `push` stores a reference and counts, nothing else; lines are
// serialized only when a client reads them, once per tick however many clients do. A slot
// holds the line until it is serialized, then only its JSON text (get() parses it back), so
// the backlog does not keep both.
//
// Clients never slow the producer and never make the server buffer without bound: a client
// has no queue of its own, only a cursor into the shared backlog, plus its socket's buffer,
// which is not written to past `clientBufferBytes`. A client that falls behind the backlog's
// oldest line gets a `gap` event naming the ids it missed (they are still in the audit log),
// then continues from the oldest line; one whose socket stays full for `stuckMs` is dropped
// (the browser reconnects with Last-Event-ID and learns about its gap the same way).
import { randomBytes } from 'node:crypto';

import { auditLineJson } from '../sinks/audit-json.js';
import type { AuditLine } from '../sinks/audit-schema.js';

export interface HubOptions {
  /** lines kept for reconnects and new clients (default 50 000: 5 s at 10 000 lines/s) */
  backlog?: number;
  /** batching period in ms (default 100) */
  tickMs?: number;
  /** most lines in one frame (default 5 000); a catching-up client gets several per tick */
  maxFrameLines?: number;
  /** a client's socket buffer is not written to beyond this many bytes (default 4 MiB) */
  clientBufferBytes?: number;
  /** a client whose buffer stays over the limit this long is dropped (default 10 s) */
  stuckMs?: number;
  /** lines replayed to a client that connects without Last-Event-ID (default 10 000) */
  initialTail?: number;
  /** ms clock, Date.now by default; tests drive it */
  now?: () => number;
  /** false: no timer, the caller calls tick() (tests) */
  timer?: boolean;
}

/** Where a client's frames go: an HTTP response in the server, a fake in tests. */
export interface SseSink {
  write(chunk: string): boolean;
  readonly writableLength: number;
  /** `drop`: cut the connection now (a stuck client); else end it after what is buffered. */
  close(drop: boolean): void;
}

export interface HubStats {
  instance: string;
  /** id of the newest line (0: none yet) */
  head: number;
  /** id of the oldest line still in the backlog */
  oldest: number;
  backlog: number;
  clients: number;
  /** clients dropped because their socket stayed full */
  droppedClients: number;
  /** gap events sent (a client missed lines that had left the backlog) */
  gaps: number;
  /** lines the gap events covered */
  gapLines: number;
  frames: number;
  bytes: number;
}

export interface GapInfo {
  /** first missed id */
  from: number;
  /** last missed id */
  to: number;
  missed: number;
  reason: 'backlog' | 'unknown-id';
}

interface Client {
  readonly sink: SseSink;
  /** id of the next line to send */
  cursor: number;
  stuckSince: number | undefined;
  closed: boolean;
}

export const HUB_DEFAULTS = {
  backlog: 50_000,
  tickMs: 100,
  maxFrameLines: 5_000,
  clientBufferBytes: 4 * 1024 * 1024,
  stuckMs: 10_000,
  initialTail: 10_000,
} as const;

/** How soon a browser retries after losing the stream (the SSE `retry:` field). */
const RETRY_MS = 1000;

export class EventHub {
  readonly instance = randomBytes(6).toString('hex');
  readonly capacity: number;
  readonly tickMs: number;
  readonly #maxFrame: number;
  readonly #bufferLimit: number;
  readonly #stuckMs: number;
  readonly #initialTail: number;
  readonly #now: () => number;
  /** the line, or its JSON text once a frame needed it */
  readonly #slots: (AuditLine | string | undefined)[];
  readonly #clients = new Set<Client>();
  readonly #timer: NodeJS.Timeout | undefined;
  readonly #listeners = new Set<(line: AuditLine, id: number) => void>();
  /** id the next line gets; ids start at 1 */
  #next = 1;
  #droppedClients = 0;
  #gaps = 0;
  #gapLines = 0;
  #frames = 0;
  #bytes = 0;
  /** frames built this tick, by `${from}:${to}`: clients at the same cursor share them */
  #frameCache = new Map<string, string>();

  constructor(options: HubOptions = {}) {
    this.capacity = Math.max(1, options.backlog ?? HUB_DEFAULTS.backlog);
    this.tickMs = options.tickMs ?? HUB_DEFAULTS.tickMs;
    this.#maxFrame = Math.max(1, options.maxFrameLines ?? HUB_DEFAULTS.maxFrameLines);
    this.#bufferLimit = options.clientBufferBytes ?? HUB_DEFAULTS.clientBufferBytes;
    this.#stuckMs = options.stuckMs ?? HUB_DEFAULTS.stuckMs;
    this.#initialTail = options.initialTail ?? HUB_DEFAULTS.initialTail;
    this.#now = options.now ?? Date.now;
    this.#slots = new Array<AuditLine | string | undefined>(this.capacity);
    if (options.timer !== false) {
      this.#timer = setInterval(() => {
        this.tick();
      }, this.tickMs);
      this.#timer.unref();
    }
  }

  /** Adds a line; returns its id. O(1), no serialization, no I/O. */
  push(line: AuditLine): number {
    const id = this.#next++;
    const slot = id % this.capacity;
    this.#slots[slot] = line;
    for (const l of this.#listeners) l(line, id);
    return id;
  }

  /** Called with every line as it is pushed (stats, lineage); must be cheap. */
  onLine(listener: (line: AuditLine, id: number) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get head(): number {
    return this.#next - 1;
  }

  get oldest(): number {
    return Math.max(1, this.#next - this.capacity);
  }

  /** The line with this id, while it is in the backlog. */
  get(id: number): AuditLine | undefined {
    if (!Number.isInteger(id) || id < this.oldest || id >= this.#next) return undefined;
    const held = this.#slots[id % this.capacity];
    return typeof held === 'string' ? (JSON.parse(held) as AuditLine) : held;
  }

  /**
   * A new client. `lastEventId` is the browser's Last-Event-ID (or ?since=): the client gets
   * every line after it that the backlog still holds, and a `gap` event for the rest. Without
   * it, the newest `initialTail` lines.
   */
  attach(sink: SseSink, lastEventId?: number): () => void {
    const client: Client = { sink, cursor: 0, stuckSince: undefined, closed: false };
    const hello = {
      instance: this.instance,
      head: this.head,
      oldest: this.oldest,
      backlog: this.capacity,
      tickMs: this.tickMs,
      resumed: lastEventId !== undefined,
    };
    this.#write(client, `retry: ${RETRY_MS}\nevent: hello\ndata: ${JSON.stringify(hello)}\n\n`);
    if (lastEventId === undefined) {
      client.cursor = Math.max(this.oldest, this.#next - this.#initialTail);
    } else if (lastEventId > this.head) {
      // an id this server never gave (another vigil process, before a restart)
      client.cursor = this.oldest;
      if (this.head >= 1) this.#gap(client, { from: 0, to: 0, missed: 0, reason: 'unknown-id' });
    } else {
      client.cursor = Math.max(1, lastEventId + 1);
    }
    this.#clients.add(client);
    this.#serve(client);
    return () => {
      this.#detach(client);
    };
  }

  /** A named event without an id (stats, notices) to every client that is keeping up. */
  broadcast(event: string, data: unknown): void {
    if (this.#clients.size === 0) return;
    const chunk = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const c of this.#clients) if (c.sink.writableLength <= this.#bufferLimit) this.#write(c, chunk);
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  /** One batching round: each client gets what it has not seen, as far as its buffer allows. */
  tick(): void {
    this.#frameCache = new Map();
    for (const c of [...this.#clients]) this.#serve(c);
  }

  stats(): HubStats {
    return {
      instance: this.instance,
      head: this.head,
      oldest: this.oldest,
      backlog: this.capacity,
      clients: this.#clients.size,
      droppedClients: this.#droppedClients,
      gaps: this.#gaps,
      gapLines: this.#gapLines,
      frames: this.#frames,
      bytes: this.#bytes,
    };
  }

  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    for (const c of [...this.#clients]) {
      this.#detach(c);
      c.sink.close(false);
    }
  }

  #serve(client: Client): void {
    if (client.closed) return;
    const oldest = this.oldest;
    if (client.cursor < oldest && client.cursor < this.#next) {
      const from = client.cursor;
      this.#gap(client, { from, to: oldest - 1, missed: oldest - from, reason: 'backlog' });
      client.cursor = oldest;
    }
    while (client.cursor < this.#next && client.sink.writableLength <= this.#bufferLimit) {
      const to = Math.min(this.#next, client.cursor + this.#maxFrame);
      this.#write(client, this.#frame(client.cursor, to));
      this.#frames++;
      client.cursor = to;
    }
    if (!this.#clients.has(client)) return; // a write failed
    if (client.sink.writableLength <= this.#bufferLimit) {
      client.stuckSince = undefined;
      return;
    }
    const now = this.#now();
    client.stuckSince ??= now;
    if (now - client.stuckSince >= this.#stuckMs) {
      this.#droppedClients++;
      this.#detach(client);
      client.sink.close(true);
    }
  }

  #gap(client: Client, gap: GapInfo): void {
    this.#gaps++;
    this.#gapLines += gap.missed;
    this.#write(client, `event: gap\ndata: ${JSON.stringify(gap)}\n\n`);
  }

  /** Lines [from, to) as one frame: `id:` is the last line's, data is {from, lines: [...]}. */
  #frame(from: number, to: number): string {
    const key = `${from}:${to}`;
    const cached = this.#frameCache.get(key);
    if (cached !== undefined) return cached;
    const parts: string[] = [];
    for (let id = from; id < to; id++) {
      const slot = id % this.capacity;
      const held = this.#slots[slot];
      if (typeof held === 'string') {
        parts.push(held);
      } else if (held === undefined) {
        parts.push('null');
      } else {
        const json = auditLineJson(held);
        this.#slots[slot] = json;
        parts.push(json);
      }
    }
    const frame = `id: ${to - 1}\nevent: lines\ndata: {"from":${from},"lines":[${parts.join(',')}]}\n\n`;
    this.#frameCache.set(key, frame);
    return frame;
  }

  #write(client: Client, chunk: string): void {
    if (client.closed) return;
    this.#bytes += chunk.length;
    try {
      client.sink.write(chunk);
    } catch {
      this.#detach(client);
    }
  }

  #detach(client: Client): void {
    client.closed = true;
    this.#clients.delete(client);
  }
}
