// An agent's settings as a document: parsed with the real parsers (JSON with comments by
// Microsoft's jsonc-parser, TOML by smol-toml), a parse error given with its line and column,
// and the line a setting was found on for the reason's snippet.
import { findNodeAtLocation, parse, parseTree, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { parse as parseToml, TomlError } from 'smol-toml';

export type Json = Record<string, unknown>;

export interface ConfigDoc {
  value: Json;
  /** the line of the setting at `path` (or the nearest of its parents the file has) */
  line(path: readonly (string | number)[]): string | null;
}

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value at `path` (undefined when any step is missing). */
export function at(value: unknown, ...path: (string | number)[]): unknown {
  let v = value;
  for (const key of path) {
    if (typeof key === 'number') v = Array.isArray(v) ? (v as unknown[])[key] : undefined;
    else v = isObject(v) ? v[key] : undefined;
  }
  return v;
}

function lineAt(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  const end = text.indexOf('\n', offset);
  return text.slice(start, end === -1 ? undefined : end).trim();
}

function position(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

/** A JSON file (comments and trailing commas allowed, as the agents' own readers allow them). */
export function jsonDoc(text: string): ConfigDoc | { error: string } {
  const errors: ParseError[] = [];
  const options = { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false };
  const value: unknown = parse(text, errors, options);
  const first = errors[0];
  if (first !== undefined)
    return { error: `${printParseErrorCode(first.error)} at ${position(text, first.offset)}` };
  if (!isObject(value)) return { error: 'not a JSON object' };
  const tree = parseTree(text, [], options);
  return {
    value,
    line: (path) => {
      if (tree === undefined) return null;
      for (let n = path.length; n > 0; n--) {
        const node = findNodeAtLocation(tree, [...path.slice(0, n)]);
        if (node !== undefined)
          return lineAt(text, node.parent?.type === 'property' ? node.parent.offset : node.offset);
      }
      return null;
    },
  };
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A table header that names `key` as one of its parts: [key], [a.key], [a."key".b], [[hooks.key]]. */
function tableLine(key: string): RegExp {
  const k = escapeRe(key);
  return new RegExp(`^\\s*\\[\\[?\\s*([^\\]]*[.\\s])?["']?${k}["']?(\\s*\\.[^\\]]*)?\\s*\\]`);
}

/** A line that sets `key` (bare or quoted) or opens a table named by it. */
function keyLine(key: string): RegExp {
  const k = escapeRe(key);
  return new RegExp(`^\\s*("${k}"|'${k}'|${k})\\s*=|${tableLine(key).source}`);
}

/** A TOML file; a setting's line is found by its key (`key =`) or its table header. */
export function tomlDoc(text: string): ConfigDoc | { error: string } {
  let value: unknown;
  try {
    value = parseToml(text);
  } catch (err) {
    if (err instanceof TomlError) {
      const what = err.message.split('\n')[0]?.replace(/^Invalid TOML document: /, '') ?? 'invalid TOML';
      return { error: `${what} at line ${err.line}, column ${err.column}` };
    }
    return { error: err instanceof Error ? err.message : String(err) };
  }
  if (!isObject(value)) return { error: 'not a TOML table' };
  const lines = text.split('\n');
  return {
    value,
    line: (path) => {
      for (let n = path.length; n > 0; n--) {
        const key = path[n - 1];
        if (typeof key !== 'string') continue;
        const re = keyLine(key);
        // start at the table that holds it, when its parent names one
        const parent = path[n - 2];
        const from = typeof parent === 'string' ? lines.findIndex((l) => tableLine(parent).test(l)) : -1;
        const found = lines.slice(Math.max(0, from)).find((l) => re.test(l)) ?? lines.find((l) => re.test(l));
        if (found !== undefined) return found.trim();
      }
      return null;
    },
  };
}
