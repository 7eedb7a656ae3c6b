// vigil.yaml parsed so that every later check can point at the line and column of the key or value
// it is about. (The profile loader has its own, src/policy/yaml-source.ts: the configuration sits
// below every layer and may not import it.)
import { LineCounter, isMap, isPair, isScalar, parseDocument } from 'yaml';
import { ConfigError, type ConfigLocation } from './config-errors.js';

export type KeyPath = readonly (string | number)[];

export interface ConfigSource {
  readonly file: string;
  readonly value: unknown;
  /** where the value at `path` starts, or its nearest ancestor that exists */
  at(path: KeyPath): ConfigLocation;
  /** where the key of the mapping entry at `path` starts (for a key that should not be there) */
  keyAt(path: KeyPath): ConfigLocation;
}

/** One YAML document; VIGIL_CONFIG_YAML at the first problem. */
export function parseConfigYaml(text: string, file: string): ConfigSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const first = doc.errors[0];
  if (first !== undefined) {
    const pos = first.linePos?.[0];
    // yaml ends its message with " at line L, column C:" and an excerpt; the prefix says as much
    const detail = (first.message.split('\n')[0] ?? first.message).replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(
      'VIGIL_CONFIG_YAML',
      { file, line: pos?.line ?? 1, column: pos?.col ?? 1 },
      `invalid YAML: ${detail}`,
      { cause: first },
    );
  }
  const locate = (offset: number | undefined): ConfigLocation => {
    if (offset === undefined) return { file, line: 1, column: 1 };
    const { line, col } = lines.linePos(offset);
    return { file, line, column: col };
  };
  const startOf = (path: KeyPath): number | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node: unknown = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      if (node !== null && typeof node === 'object' && 'range' in node) {
        const range = (node as { range?: [number, number, number] | null }).range;
        if (range) return range[0];
      }
    }
    return undefined;
  };
  return {
    file,
    value: doc.toJS({ maxAliasCount: 100 }) as unknown,
    at: (path) => locate(startOf(path)),
    keyAt: (path) => {
      const parent: unknown = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
      if (isMap(parent)) {
        for (const pair of parent.items) {
          if (isPair(pair) && isScalar(pair.key) && pair.key.value === path[path.length - 1]) {
            return locate(pair.key.range?.[0]);
          }
        }
      }
      return locate(startOf(path));
    },
  };
}
