// Consumes BPF ring buffers on the addon's own thread and hands records to a handler in
// batches. A handler that throws does not stop consumption: the error goes to onError. Several
// rings can share one consumer: each pass reads the first, the others, then the first again, so
// a record of the first ring is never handed over after a later record of another
// (native/src/ringbuf.h). With `heartbeat`, the consumer tells the kernel's hooks after every
// pass that a daemon is consuming (kernel/lib/decide.h: fail-closed).
import type { BpfMap } from './bpf-map.js';
import {
  native,
  type NativeRingBuffer,
  type NativeRingOptions,
  type NativeRingStats,
} from './native-binding.js';
import { BridgeArgumentError } from './bpf-map.js';

/** Per record in a batch: u32 length, u32 reserved, the record, zero padding to 8 bytes. */
const RECORD_HEADER = 8;

export interface RingBufferOptions {
  /** Deliver a batch once it holds this many bytes (default 256 KiB). */
  batchBytes?: number;
  /** How long the poller waits for data before checking whether it should stop (default 50). */
  pollMs?: number;
  /**
   * Deliver a batch at the latest this many ms after its first record (default 5): fewer, larger
   * batches when records trickle in; 0 delivers what each wakeup finds.
   */
  lingerMs?: number;
  onError?: (err: unknown) => void;
  /** the one-entry heartbeat array map, the deadline the hooks apply, and the daemon's tgid */
  heartbeat?: { map: BpfMap; deadlineMs: number; tgid: number };
}

export interface RingBufferStats extends NativeRingStats {
  handlerErrors: number;
}

/** Views of each record of a batch (no copies). */
export function splitBatch(batch: Buffer, count: number): Buffer[] {
  const out: Buffer[] = new Array<Buffer>(count);
  let off = 0;
  for (let i = 0; i < count; i++) {
    if (off + RECORD_HEADER > batch.length)
      throw new RangeError(`ring batch truncated at record ${i} of ${count}`);
    const len = batch.readUInt32LE(off);
    const start = off + RECORD_HEADER;
    if (start + len > batch.length) throw new RangeError(`ring record ${i} overruns its batch`);
    out[i] = batch.subarray(start, start + len);
    off = start + ((len + 7) & ~7);
  }
  return out;
}

export class RingBufferReader {
  readonly name: string;
  readonly #native: NativeRingBuffer;
  readonly #onError: (err: unknown) => void;
  #handlerErrors = 0;

  constructor(
    maps: BpfMap | readonly BpfMap[],
    onRecords: (records: Buffer[]) => void,
    options: RingBufferOptions = {},
  ) {
    const rings = Array.isArray(maps) ? (maps as readonly BpfMap[]) : [maps as BpfMap];
    for (const map of rings) {
      if (map.info.type !== 'ringbuf') {
        throw new BridgeArgumentError(`map '${map.name}' is a ${map.info.type} map, not a ring buffer`);
      }
    }
    this.name = rings.map((m) => m.name).join('+');
    this.#onError =
      options.onError ??
      ((err) => {
        process.emitWarning(`ring buffer '${this.name}': record handler failed: ${String(err)}`);
      });
    const nativeOptions: NativeRingOptions = {};
    if (options.batchBytes !== undefined) nativeOptions.batchBytes = options.batchBytes;
    if (options.pollMs !== undefined) nativeOptions.pollMs = options.pollMs;
    if (options.lingerMs !== undefined) nativeOptions.lingerMs = options.lingerMs;
    if (options.heartbeat !== undefined) {
      const hb = options.heartbeat;
      nativeOptions.heartbeat = { fd: hb.map.fd(), deadlineNs: hb.deadlineMs * 1e6, tgid: hb.tgid };
    }
    this.#native = new (native().RingBuffer)(
      rings.map((m) => m.fd()),
      this.name,
      (batch, count) => {
        try {
          onRecords(splitBatch(batch, count));
        } catch (err) {
          this.#handlerErrors++;
          this.#onError(err);
        }
      },
      nativeOptions,
    );
  }

  /** Starts the poller thread. With ref=false it does not keep the process alive. */
  start(options: { ref?: boolean } = {}): void {
    this.#native.start(options.ref ?? true);
  }

  /** Stops the poller and delivers everything still in the ring, before returning. */
  stop(): number {
    return this.#native.stop();
  }

  /** Consumes what is in the ring now, on this thread (only while stopped). */
  drain(): number {
    return this.#native.drain();
  }

  /** Stops (delivering what is buffered) and frees the consumer: its fds and its handler. */
  close(): void {
    if (this.#native.stats().running) this.#native.stop();
    this.#native.close();
  }

  stats(): RingBufferStats {
    return { ...this.#native.stats(), handlerErrors: this.#handlerErrors };
  }
}
