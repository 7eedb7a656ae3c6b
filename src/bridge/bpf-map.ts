// A BPF map seen as Buffers: element operations, iteration (batched where the kernel has it),
// pinning. Callers encode keys and values; sizes are checked here, with the map's name.
import { BpfError, VigilError } from '../errors.js';
import type { NativeMap, NativeMapInfo } from './native-binding.js';

/** BPF_ANY, BPF_NOEXIST, BPF_EXIST */
export const UPDATE_FLAGS = { any: 0, noexist: 1, exist: 2 } as const;
export type UpdateMode = keyof typeof UPDATE_FLAGS;

/** errno names meaning "this map type has no batch operations". */
const NO_BATCH = new Set(['EINVAL', 'ENOTSUPP', 'EOPNOTSUPP', 'ENOTSUP', 'ENOSYS']);

export class BridgeArgumentError extends VigilError {
  constructor(message: string) {
    super('VIGIL_BRIDGE_ARGUMENT', message);
  }
}

export class BpfMap {
  readonly name: string;
  readonly info: NativeMapInfo;
  readonly #native: NativeMap;
  #batch: boolean | undefined; // learnt on first use

  constructor(name: string, map: NativeMap) {
    this.#native = map;
    this.info = map.info();
    this.name = name === '' ? this.info.name : name;
  }

  get keySize(): number {
    return this.info.keySize;
  }

  /** Bytes of a value as user space sees it: per-CPU maps hold one 8-aligned slot per CPU. */
  get valueSize(): number {
    return this.info.valueBufferSize;
  }

  /** The map's fd, for handing to another native call (ring buffers). */
  fd(): number {
    return this.#native.fd();
  }

  get(key: Buffer): Buffer | undefined {
    this.#checkKey(key, 'get');
    return this.#native.lookup(key) ?? undefined;
  }

  set(key: Buffer, value: Buffer, mode: UpdateMode = 'any'): void {
    this.#checkKey(key, 'set');
    this.#checkValue(value, 'set');
    this.#native.update(key, value, UPDATE_FLAGS[mode]);
  }

  /** true when the key existed. */
  delete(key: Buffer): boolean {
    this.#checkKey(key, 'delete');
    return this.#native.delete(key);
  }

  *keys(): Generator<Buffer> {
    let key = this.#native.nextKey(null);
    while (key !== null) {
      yield key;
      key = this.#native.nextKey(key);
    }
  }

  /**
   * Every entry. Uses BPF_MAP_LOOKUP_BATCH where the kernel supports it for this map type
   * (one system call per `batchSize` entries), and key-by-key iteration otherwise.
   */
  *entries(batchSize = 256): Generator<[Buffer, Buffer]> {
    if (this.#batch !== false) {
      let cursor: Buffer | null = null;
      try {
        for (;;) {
          const b = this.#native.lookupBatch(cursor, batchSize);
          this.#batch = true;
          for (let i = 0; i < b.count; i++) {
            yield [
              b.keys.subarray(i * this.keySize, (i + 1) * this.keySize),
              b.values.subarray(i * this.valueSize, (i + 1) * this.valueSize),
            ];
          }
          if (b.done) return;
          cursor = b.cursor;
        }
      } catch (err) {
        if (this.#batch === true || !(err instanceof BpfError) || !NO_BATCH.has(err.errnoCode)) throw err;
        this.#batch = false;
      }
    }
    for (const key of this.keys()) {
      const value = this.#native.lookup(key);
      if (value !== null) yield [key, value]; // deleted meanwhile: skip
    }
  }

  /** Whether batch operations were found to work on this map (undefined: not tried yet). */
  get batched(): boolean | undefined {
    return this.#batch;
  }

  /** Writes many entries, batched where the kernel supports it. */
  setMany(entries: ReadonlyArray<readonly [Buffer, Buffer]>, mode: UpdateMode = 'any'): void {
    if (entries.length === 0) return;
    for (const [k, v] of entries) {
      this.#checkKey(k, 'setMany');
      this.#checkValue(v, 'setMany');
    }
    if (this.#batch !== false) {
      try {
        const keys = Buffer.concat(entries.map((e) => e[0]));
        const values = Buffer.concat(entries.map((e) => e[1]));
        this.#native.updateBatch(keys, values, entries.length, UPDATE_FLAGS[mode]);
        this.#batch = true;
        return;
      } catch (err) {
        if (this.#batch === true || !(err instanceof BpfError) || !NO_BATCH.has(err.errnoCode)) throw err;
        this.#batch = false;
      }
    }
    for (const [k, v] of entries) this.#native.update(k, v, UPDATE_FLAGS[mode]);
  }

  /** Deletes many keys, batched where supported; returns how many existed. */
  deleteMany(keys: readonly Buffer[]): number {
    if (keys.length === 0) return 0;
    for (const k of keys) this.#checkKey(k, 'deleteMany');
    if (this.#batch === true) {
      try {
        return this.#native.deleteBatch(Buffer.concat(keys), keys.length);
      } catch (err) {
        // A batch delete stops at the first missing key; finish key by key below.
        if (!(err instanceof BpfError) || err.errnoCode !== 'ENOENT') throw err;
      }
    }
    let n = 0;
    for (const k of keys) if (this.#native.delete(k)) n++;
    return n;
  }

  /** Splits a per-CPU value into one Buffer per possible CPU. */
  perCpu(value: Buffer): Buffer[] {
    const slot = Math.ceil(this.info.valueSize / 8) * 8;
    const out: Buffer[] = [];
    for (let off = 0; off + slot <= value.length; off += slot)
      out.push(value.subarray(off, off + this.info.valueSize));
    return out;
  }

  pin(path: string): void {
    this.#native.pin(path);
  }

  close(): void {
    this.#native.close();
  }

  #checkKey(key: Buffer, op: string): void {
    if (key.length !== this.keySize) {
      throw new BridgeArgumentError(
        `${op}: map '${this.name}' keys are ${this.keySize} bytes, got ${key.length}`,
      );
    }
  }

  #checkValue(value: Buffer, op: string): void {
    if (value.length !== this.valueSize) {
      throw new BridgeArgumentError(
        `${op}: map '${this.name}' values are ${this.valueSize} bytes, got ${value.length}`,
      );
    }
  }
}
