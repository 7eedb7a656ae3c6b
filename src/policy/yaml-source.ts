// A parsed YAML profile that still knows where every node came from, so any later check can point
// at `file:line:column` of the offending key or value.
import { LineCounter, isMap, isPair, isScalar, parseDocument } from 'yaml';
import { ProfileError } from './profile-errors.js';
import type { SourceLocation } from './profile-errors.js';

export type NodePath = readonly (string | number)[];

export interface YamlSource {
  readonly file: string;
  readonly value: unknown;
  /** Where the value at `path` starts; falls back to the nearest existing ancestor. */
  at(path: NodePath): SourceLocation;
  /** Where the key of the mapping entry at `path` starts (for unknown-key errors). */
  keyAt(path: NodePath): SourceLocation;
  /** The scalar's text as written (`1.0` stays `1.0`), if the node is a scalar. */
  sourceText(path: NodePath): string | undefined;
}

/** Parses one YAML document; throws VIGIL_PROFILE_YAML with the first problem's position. */
export function parseYamlSource(text: string, file: string): YamlSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const first = doc.errors[0];
  if (first !== undefined) {
    const pos = first.linePos?.[0];
    // yaml appends " at line L, column C:" and a source excerpt; we print our own prefix instead.
    const detail = (first.message.split('\n')[0] ?? first.message).replace(/ at line \d+, column \d+:?$/, '');
    throw new ProfileError(
      'VIGIL_PROFILE_YAML',
      { file, line: pos?.line ?? 1, column: pos?.col ?? 1 },
      `invalid YAML: ${detail}`,
      { cause: first },
    );
  }
  const locate = (offset: number | undefined): SourceLocation => {
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
    value: doc.toJS({ maxAliasCount: 1000 }) as unknown,
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
