// A BPF object file through its life: open, set read-only config, choose programs, load,
// attach, use maps and ring buffers, close. Arguments are checked here, with messages that
// name what exists; the addon only acts.
import { BpfError } from '../errors.js';
import { BpfLink } from './bpf-link.js';
import { BpfMap, BridgeArgumentError } from './bpf-map.js';
import {
  native,
  type NativeMapDecl,
  type NativeObject,
  type NativeProgramInfo,
  type NativeRodataVar,
  type NativeTestRunResult,
} from './native-binding.js';
import { RingBufferReader, type RingBufferOptions } from './ring-buffer.js';

export type ConfigValue = number | bigint | boolean | Buffer;

export interface AttachOptions {
  /** cgroup v2 folder for cgroup programs (connect4, sock_create, ...). */
  cgroupPath?: string;
}

export type AttachReport =
  | { program: string; section: string; ok: true; link: BpfLink; adopted?: boolean }
  | { program: string; section: string; ok: false; error: BpfError };

const CGROUP_TYPES = new Set([
  'cgroup_skb',
  'cgroup_sock',
  'cgroup_sock_addr',
  'cgroup_sockopt',
  'cgroup_device',
  'cgroup_sysctl',
  'sock_ops',
]);

export class BpfObject {
  readonly path: string;
  readonly #native: NativeObject;
  readonly #links: BpfLink[] = [];
  readonly #maps = new Map<string, BpfMap>();
  readonly #readers: RingBufferReader[] = [];
  #loaded = false;
  #closed = false;

  private constructor(path: string, obj: NativeObject) {
    this.path = path;
    this.#native = obj;
  }

  /** Opens (parses) an object file; nothing reaches the kernel until load(). */
  static open(path: string): BpfObject {
    return new BpfObject(path, new (native().BpfObject)(path));
  }

  get loaded(): boolean {
    return this.#loaded;
  }

  programs(): NativeProgramInfo[] {
    return this.#native.programs();
  }

  mapDeclarations(): NativeMapDecl[] {
    return this.#native.maps();
  }

  configVariables(): NativeRodataVar[] {
    return this.#native.rodataVars();
  }

  /**
   * Sets `const volatile` globals before load. Integers are range-checked against the
   * variable's size and signedness; arrays take a Buffer of exactly their size.
   */
  setConfig(values: Readonly<Record<string, ConfigValue>>): void {
    const vars = new Map(this.configVariables().map((v) => [v.name, v]));
    for (const [name, value] of Object.entries(values)) {
      const v = vars.get(name);
      if (v === undefined) {
        const known = [...vars.keys()].join(', ') || 'none';
        throw new BridgeArgumentError(`${this.path} has no config variable '${name}' (has: ${known})`);
      }
      this.#native.writeRodata(v.offset, encodeConfig(v, value));
    }
  }

  /** Loads only the named programs (the others stay out of the kernel). */
  selectPrograms(names: readonly string[]): void {
    const all = this.programs();
    for (const n of names) this.#program(n, all);
    for (const p of all) this.#native.setAutoload(p.name, names.includes(p.name));
  }

  /** Verifies and loads every selected program and creates the maps. Errors carry the verifier log. */
  load(): void {
    this.#native.load();
    this.#loaded = true;
  }

  attach(program: string, options: AttachOptions = {}): BpfLink {
    const p = this.#program(program);
    const isCgroup = CGROUP_TYPES.has(p.type);
    if (isCgroup && options.cgroupPath === undefined) {
      throw new BridgeArgumentError(
        `program '${program}' (${p.section}) attaches to a cgroup: give cgroupPath`,
      );
    }
    // cgroupPath is for cgroup programs only; the others attach where their section says.
    const opts = isCgroup && options.cgroupPath !== undefined ? { cgroupPath: options.cgroupPath } : {};
    const link = new BpfLink(program, this.#native.attach(program, opts));
    this.#links.push(link);
    return link;
  }

  /**
   * Attaches every loaded program and reports each one: success with its link, or the error
   * (errno and libbpf's log). Never throws for a program that fails to attach. `which` selects
   * programs by section.
   */
  attachAll(options: AttachOptions = {}, which: (section: string) => boolean = () => true): AttachReport[] {
    return this.programs()
      .filter((p) => p.autoload && which(p.section))
      .map((p): AttachReport => {
        try {
          return { program: p.name, section: p.section, ok: true, link: this.attach(p.name, options) };
        } catch (err) {
          if (err instanceof BpfError) return { program: p.name, section: p.section, ok: false, error: err };
          if (err instanceof BridgeArgumentError) {
            const info = { code: 'EINVAL', errno: 22, op: 'attach', target: p.name, log: '' };
            return { program: p.name, section: p.section, ok: false, error: new BpfError(err.message, info) };
          }
          throw err;
        }
      });
  }

  map(name: string): BpfMap {
    let m = this.#maps.get(name);
    if (m === undefined) {
      if (!this.mapDeclarations().some((d) => d.name === name)) {
        const known = this.mapDeclarations()
          .filter((d) => !d.internal)
          .map((d) => d.name)
          .join(', ');
        throw new BridgeArgumentError(`${this.path} has no map '${name}' (has: ${known})`);
      }
      m = new BpfMap(name, this.#native.map(name));
      this.#maps.set(name, m);
    }
    return m;
  }

  /**
   * Before load: makes this object use `other` (a map of another, loaded object) as its map
   * `name` instead of creating one, so both objects' programs share it. The declarations must
   * agree on type, key size, value size and max entries: a mismatch is refused here, naming
   * both, rather than left to programs that would read the wrong layout. With `internal`, a
   * global-data map (.data, .bss) may be reused too: its values are then not written at load.
   */
  reuseMap(name: string, other: BpfMap, options: { internal?: boolean } = {}): void {
    if (this.#loaded)
      throw new BridgeArgumentError(`${this.path} is loaded: reuse map '${name}' before load()`);
    // internal maps (.data, .bss): only the same object's own, e.g. pinned by an earlier daemon
    const decl = this.mapDeclarations().find(
      (d) => d.name === name && (options.internal === true || !d.internal),
    );
    if (decl === undefined) {
      const known = this.mapDeclarations()
        .filter((d) => !d.internal)
        .map((d) => d.name)
        .join(', ');
      throw new BridgeArgumentError(`${this.path} has no map '${name}' (has: ${known})`);
    }
    const o = other.info;
    const mine = `${decl.type} ${decl.keySize}/${decl.valueSize} x${decl.maxEntries}`;
    const theirs = `${o.type} ${o.keySize}/${o.valueSize} x${o.maxEntries}`;
    // ring buffers declare no key or value; their size is max_entries
    if (mine !== theirs) {
      throw new BridgeArgumentError(
        `cannot reuse map '${o.name}' (${theirs}) as '${name}' of ${this.path} (${mine}): the declarations differ`,
      );
    }
    this.#native.reuseMap(name, other.fd());
  }

  /** A consumer for ring-buffer maps of this object (one, or several in pass order); closed with the object. */
  ringBuffer(
    name: string | readonly string[],
    onRecords: (records: Buffer[]) => void,
    options: RingBufferOptions = {},
  ): RingBufferReader {
    const maps = typeof name === 'string' ? this.map(name) : name.map((n) => this.map(n));
    const reader = new RingBufferReader(maps, onRecords, options);
    this.#readers.push(reader);
    return reader;
  }

  /** BPF_PROG_RUN. For `syscall` programs ctxOut is the context as the program left it. */
  testRun(program: string, ctx: Buffer | null = null, repeat = 0): NativeTestRunResult {
    this.#program(program);
    return this.#native.testRun(program, ctx, repeat);
  }

  /**
   * Stops ring-buffer readers (delivering what they hold), releases links (unpinned ones
   * detach; pinned ones stay attached), closes maps and the object. Safe to call twice.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const errors: unknown[] = [];
    const attempt = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        errors.push(err);
      }
    };
    for (const r of this.#readers) {
      attempt(() => {
        r.close();
      });
    }
    for (const l of this.#links)
      attempt(() => {
        l.destroy();
      });
    for (const m of this.#maps.values())
      attempt(() => {
        m.close();
      });
    attempt(() => {
      this.#native.close();
    });
    if (errors.length > 0) throw errors[0];
  }

  #program(name: string, all = this.programs()): NativeProgramInfo {
    const p = all.find((x) => x.name === name);
    if (p === undefined) {
      throw new BridgeArgumentError(
        `${this.path} has no program '${name}' (has: ${all.map((x) => x.name).join(', ')})`,
      );
    }
    return p;
  }
}

function encodeConfig(v: NativeRodataVar, value: ConfigValue): Buffer {
  if (Buffer.isBuffer(value)) {
    if (value.length !== v.size) {
      throw new BridgeArgumentError(`config '${v.name}' is ${v.size} bytes, got a Buffer of ${value.length}`);
    }
    return value;
  }
  if (v.kind !== 'int' || ![1, 2, 4, 8].includes(v.size)) {
    throw new BridgeArgumentError(`config '${v.name}' is not an integer: give a Buffer of ${v.size} bytes`);
  }
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new BridgeArgumentError(`config '${v.name}' takes an integer, got ${value}`);
  }
  const n = typeof value === 'boolean' ? (value ? 1n : 0n) : BigInt(value);
  const bits = BigInt(v.size * 8);
  const min = v.signed ? -(1n << (bits - 1n)) : 0n;
  const max = v.signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  if (n < min || n > max) {
    throw new BridgeArgumentError(`config '${v.name}' (${v.signed ? 's' : 'u'}${bits}) cannot hold ${n}`);
  }
  const buf = Buffer.alloc(v.size); // little-endian two's complement, as the BPF target stores it
  const u = BigInt.asUintN(Number(bits), n);
  for (let i = 0; i < v.size; i++) buf[i] = Number((u >> BigInt(8 * i)) & 0xffn);
  return buf;
}
