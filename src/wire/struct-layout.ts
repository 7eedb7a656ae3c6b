// C struct layouts described once in TypeScript, with offsets computed by the C rules the BPF
// target uses (natural alignment, no packing). A layout both decodes records and is what the
// wire-layout test compares with the compiled BTF.
import { InternalError } from '../errors.js';

export type Scalar = 'u8' | 'u16' | 'u32' | 'u64' | 's8' | 's16' | 's32' | 's64';
export interface CharArray {
  readonly char: number;
}
export interface ByteArray {
  readonly bytes: number;
}
export interface Nested {
  readonly struct: StructLayout<readonly FieldSpec[]>;
}
export type FieldType = Scalar | CharArray | ByteArray | Nested;
export type FieldSpec = readonly [name: string, type: FieldType];

export interface Field {
  readonly name: string;
  readonly type: FieldType;
  readonly offset: number;
  readonly size: number;
}

export interface StructLayout<F extends readonly FieldSpec[]> {
  /** The C name, without `struct`. */
  readonly cName: string;
  readonly fields: readonly Field[];
  readonly size: number;
  readonly align: number;
  /** Phantom: the field specs, for the decoded type. */
  readonly specs: F;
}

type ValueOf<T extends FieldType> = T extends 'u64' | 's64'
  ? bigint
  : T extends Scalar
    ? number
    : T extends CharArray
      ? string
      : T extends ByteArray
        ? Buffer
        : T extends { struct: StructLayout<infer G> }
          ? Decoded<G>
          : never;

/** The object a layout decodes to: u64/s64 are bigint, char arrays strings. */
export type Decoded<F extends readonly FieldSpec[]> = {
  -readonly [K in F[number] as K[0]]: ValueOf<K[1]>;
};

type InputOf<T extends FieldType> = T extends 'u64' | 's64'
  ? bigint | number
  : T extends Scalar
    ? number
    : T extends CharArray
      ? string
      : T extends ByteArray
        ? Uint8Array
        : T extends { struct: StructLayout<infer G> }
          ? EncodeInput<G>
          : never;

/** What encodeStruct takes: any subset of the fields, nested structs too; the rest is zero. */
export type EncodeInput<F extends readonly FieldSpec[]> = {
  [K in F[number] as K[0]]?: InputOf<K[1]>;
};

const SCALAR_SIZE: Record<Scalar, number> = { u8: 1, u16: 2, u32: 4, u64: 8, s8: 1, s16: 2, s32: 4, s64: 8 };

function sizeAlign(t: FieldType): [size: number, align: number] {
  if (typeof t === 'string') return [SCALAR_SIZE[t], SCALAR_SIZE[t]];
  if ('char' in t) return [t.char, 1];
  if ('bytes' in t) return [t.bytes, 1];
  return [t.struct.size, t.struct.align];
}

export function defineStruct<const F extends readonly FieldSpec[]>(cName: string, specs: F): StructLayout<F> {
  let offset = 0;
  let align = 1;
  const fields: Field[] = [];
  for (const [name, type] of specs) {
    const [size, a] = sizeAlign(type);
    offset = Math.ceil(offset / a) * a;
    fields.push({ name, type, offset, size });
    offset += size;
    align = Math.max(align, a);
  }
  return { cName, fields, size: Math.ceil(offset / align) * align, align, specs };
}

/**
 * Where a field lies, by a dotted path through nested structs ('head.task.comm'): for decoders
 * that read a few fields directly instead of building the whole object.
 */
export function fieldAt(layout: StructLayout<readonly FieldSpec[]>, path: string): Field {
  let offset = 0;
  let current = layout;
  const names = path.split('.');
  for (let i = 0; i < names.length; i++) {
    const f = current.fields.find((x) => x.name === names[i]);
    if (f === undefined) throw new InternalError(`${layout.cName} has no field ${path}`);
    offset += f.offset;
    if (i === names.length - 1) return { ...f, offset };
    if (typeof f.type === 'string' || !('struct' in f.type))
      throw new InternalError(`${layout.cName}.${path}: not a struct`);
    current = f.type.struct;
  }
  throw new InternalError('an empty field path');
}

function readField(buf: Buffer, at: number, f: Field): unknown {
  const t = f.type;
  switch (t) {
    case 'u8':
      return buf.readUInt8(at);
    case 'u16':
      return buf.readUInt16LE(at);
    case 'u32':
      return buf.readUInt32LE(at);
    case 'u64':
      return buf.readBigUInt64LE(at);
    case 's8':
      return buf.readInt8(at);
    case 's16':
      return buf.readInt16LE(at);
    case 's32':
      return buf.readInt32LE(at);
    case 's64':
      return buf.readBigInt64LE(at);
    default:
      if ('char' in t) {
        const bytes = buf.subarray(at, at + t.char);
        const nul = bytes.indexOf(0);
        return bytes.subarray(0, nul === -1 ? bytes.length : nul).toString('utf8');
      }
      if ('bytes' in t) return Buffer.from(buf.subarray(at, at + t.bytes));
      return decodeStruct(t.struct, buf, at);
  }
}

/** Decodes one struct at `offset`; throws RangeError when the buffer is too short. */
export function decodeStruct<F extends readonly FieldSpec[]>(
  layout: StructLayout<F>,
  buf: Buffer,
  offset = 0,
): Decoded<F> {
  if (offset + layout.size > buf.length) {
    throw new RangeError(`${layout.cName}: need ${layout.size} bytes at ${offset}, buffer has ${buf.length}`);
  }
  const out: Record<string, unknown> = {};
  for (const f of layout.fields) out[f.name] = readField(buf, offset + f.offset, f);
  return out as Decoded<F>;
}

function writeField(buf: Buffer, at: number, f: Field, v: unknown): void {
  const t = f.type;
  if (typeof t === 'string') {
    if (t === 'u64') buf.writeBigUInt64LE(BigInt(v as bigint | number), at);
    else if (t === 's64') buf.writeBigInt64LE(BigInt(v as bigint | number), at);
    else {
      const n = Number(v);
      const w = {
        u8: 'writeUInt8',
        u16: 'writeUInt16LE',
        u32: 'writeUInt32LE',
        s8: 'writeInt8',
        s16: 'writeInt16LE',
        s32: 'writeInt32LE',
      } as const;
      buf[w[t]](n, at);
    }
  } else if ('bytes' in t) {
    Buffer.from(v as Uint8Array).copy(buf, at, 0, t.bytes);
  } else if ('char' in t) {
    const bytes = Buffer.from(String(v), 'utf8');
    bytes.copy(buf, at, 0, Math.min(bytes.length, t.char - 1));
  } else {
    encodeInto(t.struct, buf, at, v as Record<string, unknown>);
  }
}

function encodeInto(
  layout: StructLayout<readonly FieldSpec[]>,
  buf: Buffer,
  at: number,
  value: Record<string, unknown>,
): void {
  for (const f of layout.fields) {
    const v = value[f.name];
    if (v !== undefined) writeField(buf, at + f.offset, f, v);
  }
}

/** Encodes a struct (map keys, program contexts); missing fields and padding are zero. */
export function encodeStruct<F extends readonly FieldSpec[]>(
  layout: StructLayout<F>,
  value: EncodeInput<F>,
): Buffer {
  const buf = Buffer.alloc(layout.size);
  encodeInto(layout, buf, 0, value);
  return buf;
}
