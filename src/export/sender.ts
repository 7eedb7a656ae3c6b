// Moves one spool's lines to one transport, in spool order, at least once.
//
// Batches: a batch goes as soon as maxLines lines wait, or maxDelayMs after the oldest of
//          them began to wait; one send at a time, never two in flight.
// Acks:    a transport with confirmMs 0 (an HTTP 2xx is an answer) has a batch acked when
//          send() resolves. A stream (confirmMs > 0) has it acked once confirmMs passed with
//          the transport's generation unchanged since the send began; when the generation
//          changed, the spool is rewound to its checkpoint and every batch not yet acked is
//          sent again (receivers deduplicate by event id).
// Failures: a failed send is retried from the checkpoint after an exponential backoff with
//          jitter (initialMs doubling up to maxMs, each wait between half and all of it).
//          The log says when a destination goes down (and why) and when it is back (after how
//          long, with how many lines waiting), never once per retry; stats() has the count and
//          the last error.
// close(drainMs) sends what is left for at most drainMs; what is not acked stays in the spool
// for the next daemon. The spool and the transport belong to the caller, who closes them after.
import { InternalError } from '../errors.js';
import type { Spool, SpoolCursor } from './spool.js';
import type { ExporterStats, Transport } from './types.js';

export interface SenderOptions {
  spool: Spool;
  transport: Transport;
  /** default 500 */
  maxLines?: number;
  /** bytes of JSON per batch (a longer line goes alone); default 1 MiB */
  maxBytes?: number;
  /** default 200 ms */
  maxDelayMs?: number;
  /** defaults 500 ms and 30 s */
  backoff?: { initialMs?: number; maxMs?: number };
  /** state changes of the destination; stderr by default */
  log?: (message: string) => void;
  /** the jitter's source, in [0, 1); Math.random by default */
  random?: () => number;
}

export type SenderStats = Pick<ExporterStats, 'errors' | 'lastError'>;

export const SENDER_DEFAULTS = {
  maxLines: 500,
  maxBytes: 1024 * 1024,
  maxDelayMs: 200,
  initialMs: 500,
  maxMs: 30_000,
} as const;

/** A batch sent and not yet acked (streams only). */
interface Unconfirmed {
  readonly end: SpoolCursor;
  /** the transport's generation when its send began */
  readonly generation: number;
  readonly sentAt: number;
}

const now = (): number => performance.now();

export class Sender {
  readonly #spool: Spool;
  readonly #transport: Transport;
  readonly #maxLines: number;
  readonly #maxBytes: number;
  readonly #maxDelayMs: number;
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #log: (message: string) => void;
  readonly #random: () => number;
  readonly #removeListener: () => void;
  readonly #done: Promise<void>;
  #running = true;
  #draining = false;
  /** ends the current wait; what an append ends it for */
  #wake: (() => void) | undefined;
  #waitingFor: 'any' | 'full' | undefined;
  /** when the oldest unread line began to wait (-Infinity: long ago); undefined when none waits */
  #pendingSince: number | undefined;
  #unconfirmed: Unconfirmed[] = [];
  /** failures in a row */
  #failures = 0;
  #errors = 0;
  #lastError: string | null = null;
  #downSince: number | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: SenderOptions) {
    this.#spool = options.spool;
    this.#transport = options.transport;
    this.#maxLines = options.maxLines ?? SENDER_DEFAULTS.maxLines;
    this.#maxBytes = options.maxBytes ?? SENDER_DEFAULTS.maxBytes;
    this.#maxDelayMs = options.maxDelayMs ?? SENDER_DEFAULTS.maxDelayMs;
    this.#initialMs = options.backoff?.initialMs ?? SENDER_DEFAULTS.initialMs;
    this.#maxMs = options.backoff?.maxMs ?? SENDER_DEFAULTS.maxMs;
    this.#log = options.log ?? ((m) => process.stderr.write(`vigil: ${m}\n`));
    this.#random = options.random ?? Math.random;
    if (this.#spool.unreadLines() > 0) this.#pendingSince = -Infinity;
    this.#removeListener = this.#spool.onAppend(() => {
      this.#pendingSince ??= now();
      if (this.#waitingFor === 'any') this.#wake?.();
      else if (this.#waitingFor === 'full' && this.#spool.unreadLines() >= this.#maxLines) this.#wake?.();
    });
    this.#done = this.#run();
  }

  stats(): SenderStats {
    return { errors: this.#errors, lastError: this.#lastError };
  }

  /** Sends what is left for at most drainMs, then stops; nothing unacked is lost (it stays spooled). */
  close(drainMs: number): Promise<void> {
    this.#closing ??= this.#drain(drainMs);
    return this.#closing;
  }

  async #drain(drainMs: number): Promise<void> {
    this.#draining = true;
    this.#wake?.();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, drainMs);
    });
    await Promise.race([this.#done, deadline]);
    clearTimeout(timer);
    // a send still in flight is left to finish; its batch is not acked
    this.#running = false;
    this.#wake?.();
    this.#removeListener();
    const left = this.#spool.stats().depthLines;
    if (left > 0) {
      this.#log(
        `${this.#transport.describe}: ${left} lines not delivered by shutdown wait in the spool for the next start`,
      );
    }
  }

  async #run(): Promise<void> {
    while (this.#running) {
      try {
        await this.#step();
      } catch (err) {
        // a send that failed after close() (the transport closed under it) is no news
        if (this.#stopped()) break;
        this.#failed(err);
        await this.#sleep(this.#backoffMs(), undefined);
      }
    }
  }

  #stopped(): boolean {
    return !this.#running;
  }

  /** One turn: settle sent batches, then wait, or send one batch. */
  async #step(): Promise<void> {
    this.#settle();
    const unread = this.#spool.unreadLines();
    const confirmAt =
      this.#unconfirmed[0] === undefined ? Infinity : this.#unconfirmed[0].sentAt + this.#transport.confirmMs;
    if (unread === 0) {
      if (this.#draining && this.#unconfirmed.length === 0) this.#running = false;
      else await this.#sleep(confirmAt - now(), 'any');
      return;
    }
    if (!this.#draining && unread < this.#maxLines) {
      const due = (this.#pendingSince ?? now()) + this.#maxDelayMs;
      if (now() < due) {
        await this.#sleep(Math.min(due, confirmAt) - now(), 'full');
        return;
      }
    }
    const { lines, end } = this.#spool.read(this.#maxLines, this.#maxBytes);
    // never a turn without progress: it would spin without yielding to the event loop
    if (this.#spool.unreadLines() === unread) {
      throw new InternalError('export spool: unread lines that no read returns');
    }
    this.#pendingSince = this.#spool.unreadLines() > 0 ? now() : undefined;
    const generation = this.#transport.generation;
    if (lines.length > 0) await this.#transport.send(lines);
    if (!this.#running) return;
    this.#delivering();
    if (this.#transport.confirmMs === 0) this.#spool.ack(end);
    else this.#unconfirmed.push({ end, generation, sentAt: now() });
  }

  /** Acks the stream batches whose connection held for confirmMs; rewinds when it did not. */
  #settle(): void {
    const t = now();
    for (let b = this.#unconfirmed[0]; b !== undefined; b = this.#unconfirmed[0]) {
      if (b.generation !== this.#transport.generation) {
        this.#spool.rewind();
        this.#unconfirmed = [];
        this.#pendingSince = -Infinity;
        return;
      }
      if (t - b.sentAt < this.#transport.confirmMs) return;
      this.#spool.ack(b.end);
      this.#unconfirmed.shift();
    }
  }

  #failed(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.#errors++;
    this.#failures++;
    this.#lastError = message;
    this.#spool.rewind();
    this.#unconfirmed = [];
    this.#pendingSince = -Infinity;
    if (this.#downSince !== undefined) return;
    this.#downSince = now();
    const describe = this.#transport.describe;
    const reason = message.startsWith(`${describe}: `) ? message.slice(describe.length + 2) : message;
    this.#log(`${describe}: cannot deliver (${reason}); lines wait in the spool and are retried`);
  }

  #delivering(): void {
    this.#failures = 0;
    this.#lastError = null;
    if (this.#downSince === undefined) return;
    const down = formatDuration(now() - this.#downSince);
    this.#downSince = undefined;
    const waited = this.#spool.stats().depthLines;
    this.#log(`${this.#transport.describe}: delivering again after ${down} (${waited} lines waited)`);
  }

  /** initialMs doubling per failure up to maxMs; the wait is between half and all of that. */
  #backoffMs(): number {
    const base = Math.min(this.#maxMs, this.#initialMs * 2 ** Math.min(this.#failures - 1, 30));
    return base / 2 + (this.#random() * base) / 2;
  }

  /** Waits `ms` (Infinity: until woken), or until close() or an append it waits `for`. */
  #sleep(ms: number, waitFor: 'any' | 'full' | undefined): Promise<void> {
    if (!this.#running) return Promise.resolve();
    return new Promise((resolve) => {
      const end = (): void => {
        clearTimeout(timer);
        this.#wake = undefined;
        this.#waitingFor = undefined;
        resolve();
      };
      const timer = ms === Infinity ? undefined : setTimeout(end, Math.max(0, ms));
      this.#wake = end;
      this.#waitingFor = waitFor;
    });
  }
}

/** 850 ms, 12 s, 3 min 20 s, 2 h 5 min. */
function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
