// Settings in layers: an agent reads several files and the one of higher precedence wins for a
// single value (Claude Code: managed > local > project > user; Gemini CLI: system > project >
// user; Codex: managed > project > user). Lists and hooks are not layered: every file's count.
import { at, type ConfigDoc } from './config-doc.js';
import type { PostureScope } from './types.js';

export interface Layer {
  file: string;
  scope: PostureScope;
  doc: ConfigDoc;
}

export interface Setting {
  value: unknown;
  /** the file that set it; null when no file did */
  layer: Layer | null;
  /** the line it was set on */
  line: string | null;
}

/** The value at `path` from the layer of highest precedence that has it (`layers` low to high). */
export function effective(layers: readonly Layer[], ...path: (string | number)[]): Setting {
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i] as Layer;
    const value = at(layer.doc.value, ...path);
    if (value !== undefined) return { value, layer, line: layer.doc.line(path) };
  }
  return { value: undefined, layer: null, line: null };
}

/** "in FILE" or "(not set)" for a reason's detail. */
export function where(s: Setting, path: string): string {
  return s.layer === null
    ? `${path} is not set`
    : `${path} is ${JSON.stringify(s.value)} (${s.layer.scope} scope)`;
}
