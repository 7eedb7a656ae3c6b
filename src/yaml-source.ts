// A parsed YAML document that still knows where every node came from, so any later check can
// point at `file:line:column` of the offending key or value: one parser for profiles
// (src/policy/yaml-source.ts) and vigil.yaml (src/config/config-yaml.ts), each with its own error.
import { LineCounter, isMap, isPair, isScalar, parseDocument } from 'yaml';

export type NodePath = readonly (string | number)[];

export interface NodeLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export interface YamlSource {
  readonly file: string;
  readonly value: unknown;
  /** Where the value at `path` starts; falls back to the nearest existing ancestor. */
  at(path: NodePath): NodeLocation;
  /** Where the key of the mapping entry at `path` starts (for unknown-key errors). */
  keyAt(path: NodePath): NodeLocation;
  /** The scalar's text as written (`1.0` stays `1.0`), if the node is a scalar. */
  sourceText(path: NodePath): string | undefined;
}

/** The caller's error for a document that is not YAML: where, and yaml's message without its position. */
export type YamlFailure = (where: NodeLocation, detail: string, cause: unknown) => Error;

/** Parses one YAML document; throws `fail`'s error at its first problem. */
export function parseYamlSource(
  text: string,
  file: string,
  fail: YamlFailure,
  options: { maxAliasCount: number } = { maxAliasCount: 100 },
): YamlSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const first = doc.errors[0];
  if (first !== undefined) {
    const pos = first.linePos?.[0];
    // yaml appends " at line L, column C:" and a source excerpt; the error's prefix says as much
    const detail = (first.message.split('\n')[0] ?? first.message).replace(/ at line \d+, column \d+:?$/, '');
    throw fail({ file, line: pos?.line ?? 1, column: pos?.col ?? 1 }, `invalid YAML: ${detail}`, first);
  }
  const locate = (offset: number | undefined): NodeLocation => {
    if (offset === undefined) return { file, line: 1, column: 1 };
    const { line, col } = lines.linePos(offset);
    return { file, line, column: col };
  };
  const nodeAt = (path: NodePath): { range?: [number, number, number] | null } | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node: unknown = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      if (node !== null && typeof node === 'object' && 'range' in node) {
        return node as { range?: [number, number, number] | null };
      }
    }
    return undefined;
  };
  return {
    file,
    value: doc.toJS({ maxAliasCount: options.maxAliasCount }) as unknown,
    at: (path) => locate(nodeAt(path)?.range?.[0]),
    keyAt: (path) => {
      const key = path[path.length - 1];
      const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
      if (isMap(parent)) {
        for (const pair of parent.items) {
          if (isPair(pair) && isScalar(pair.key) && pair.key.value === key)
            return locate(pair.key.range?.[0]);
        }
      }
      return locate(nodeAt(path)?.range?.[0]);
    },
    sourceText: (path) => {
      const node: unknown = path.length === 0 ? doc.contents : doc.getIn(path, true);
      return isScalar(node) ? node.source : undefined;
    },
  };
}

/** Whether `a` comes before `b` in the file (the first problem is the one reported). */
export function locationBefore(
  a: { readonly line?: number; readonly column?: number },
  b: { readonly line?: number; readonly column?: number },
): boolean {
  const al = a.line ?? 0;
  const bl = b.line ?? 0;
  return al < bl || (al === bl && (a.column ?? 0) < (b.column ?? 0));
}

/** A JSON pointer (`/exporters/2/type`, as a schema validator reports it) as a node path. */
export function pointerPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}
