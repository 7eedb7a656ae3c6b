// Reads struct and enum layouts from an object's BTF with bpftool: an independent view of
// what the C compiler produced, to check the TypeScript layouts against.
import { execFileSync } from 'node:child_process';

interface BtfType {
  id: number;
  kind: string;
  name: string;
  size?: number;
  type_id?: number;
  nr_elems?: number;
  members?: { name: string; type_id: number; bits_offset: number }[];
  encoding?: string;
  values?: { name: string; val: number | string }[];
}

export interface BtfMember {
  name: string;
  offset: number;
  size: number;
}
export interface BtfStruct {
  name: string;
  size: number;
  members: BtfMember[];
}

export class BtfFile {
  readonly #byId = new Map<number, BtfType>();

  constructor(objectPath: string) {
    const bpftool = process.env.BPFTOOL ?? 'bpftool';
    const json = execFileSync(bpftool, ['btf', 'dump', 'file', objectPath, '-j'], { encoding: 'utf8' })
      // Enum values as strings: bpftool prints a 32-bit unsigned value above INT_MAX sign-extended
      // to 64 bits, which a JS number cannot hold exactly.
      .replace(/"val": ?(-?\d+)/g, '"val": "$1"');
    for (const t of (JSON.parse(json) as { types: BtfType[] }).types) this.#byId.set(t.id, t);
  }

  #sizeOf(id: number): number {
    const t = this.#byId.get(id);
    if (t === undefined) throw new Error(`BTF type ${id} missing`);
    switch (t.kind) {
      case 'INT':
      case 'STRUCT':
      case 'UNION':
      case 'ENUM':
        return t.size ?? 0;
      case 'ARRAY':
        return (t.nr_elems ?? 0) * this.#sizeOf(t.type_id ?? 0);
      case 'TYPEDEF':
      case 'CONST':
      case 'VOLATILE':
        return this.#sizeOf(t.type_id ?? 0);
      case 'PTR':
        return 8;
      default:
        throw new Error(`BTF kind ${t.kind} not handled`);
    }
  }

  struct(name: string): BtfStruct | undefined {
    const t = [...this.#byId.values()].find((x) => x.kind === 'STRUCT' && x.name === name);
    if (t === undefined) return undefined;
    return {
      name,
      size: t.size ?? 0,
      members: (t.members ?? []).map((m) => ({
        name: m.name,
        offset: m.bits_offset / 8,
        size: this.#sizeOf(m.type_id),
      })),
    };
  }

  enumValues(name: string): Record<string, number> | undefined {
    const t = [...this.#byId.values()].find((x) => x.kind === 'ENUM' && x.name === name);
    if (t === undefined) return undefined;
    const bits = (t.size ?? 4) * 8;
    const unsigned = t.encoding !== 'SIGNED';
    const value = (v: number | string): number => {
      const n = BigInt(v);
      return Number(unsigned ? BigInt.asUintN(bits, n) : BigInt.asIntN(bits, n));
    };
    return Object.fromEntries((t.values ?? []).map((v) => [v.name, value(v.val)]));
  }
}

/** What differs between a TypeScript layout and the compiled struct; empty when they agree. */
export function layoutDifferences(
  ts: { cName: string; size: number; fields: readonly { name: string; offset: number; size: number }[] },
  c: BtfStruct,
): string[] {
  const out: string[] = [];
  if (ts.size !== c.size) out.push(`sizeof(struct ${ts.cName}): TypeScript ${ts.size}, C ${c.size}`);
  const n = Math.max(ts.fields.length, c.members.length);
  for (let i = 0; i < n; i++) {
    const a = ts.fields[i];
    const b = c.members[i];
    const fa = a === undefined ? 'nothing' : `${a.name}@${a.offset}+${a.size}`;
    const fb = b === undefined ? 'nothing' : `${b.name}@${b.offset}+${b.size}`;
    if (fa !== fb) out.push(`struct ${ts.cName} member ${i}: TypeScript ${fa}, C ${fb}`);
  }
  return out;
}
