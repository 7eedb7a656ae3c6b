// Checks parsed vigil.yaml against the schema and turns TypeBox's error stream into ONE message at
// the earliest offending node. An exporter is checked against the schema of its own type, so a key
// of another type is named as such ("a syslog exporter has no url") rather than "no union member".
import { locationBefore, pointerPath } from '../yaml-source.js';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import { ConfigError, type ConfigLocation } from './config-errors.js';
import {
  ABSOLUTE_PATH_PATTERN,
  ConfigSchema,
  EXPORTER_NAME_PATTERN,
  EXPORTER_SCHEMAS,
  HTTP_URL_PATTERN,
  type ConfigDocument,
  type ExporterType,
} from './config-schema.js';
import { DURATION_PATTERN, DURATION_WORDS, SIZE_PATTERN, SIZE_WORDS } from './config-units.js';
import type { ConfigSource, KeyPath } from './config-yaml.js';
import { HOST_PORT_PATTERN, HOST_PORT_WORDS } from './host-port.js';
import { isRecord, keyName } from './key-names.js';

/** What each pattern of the schema asks for, in words. */
const PATTERN_WORDS: Readonly<Record<string, string>> = {
  [SIZE_PATTERN]: SIZE_WORDS,
  [DURATION_PATTERN]: DURATION_WORDS,
  [HOST_PORT_PATTERN]: HOST_PORT_WORDS,
  [EXPORTER_NAME_PATTERN]:
    "a name of lower-case letters, digits, '_' and '-', at most 32, starting with a letter or digit",
  [ABSOLUTE_PATH_PATTERN]: 'an absolute path',
  [HTTP_URL_PATTERN]: 'an http:// or https:// URL',
  ['^[^\\r\\n]*$']: 'a value on one line',
  ['^[!-~]{1,48}$']: 'printable ASCII without spaces, at most 48 characters',
};

const TYPES = Object.keys(EXPORTER_SCHEMAS) as ExporterType[];

interface Finding {
  where: ConfigLocation;
  detail: string;
  hint?: string;
}

/** The document, typed, once it has the schema's shape; VIGIL_CONFIG_INVALID otherwise. */
export function validateConfig(src: ConfigSource): ConfigDocument {
  const value = src.value;
  if (!isRecord(value)) {
    throw new ConfigError(
      'VIGIL_CONFIG_INVALID',
      src.at([]),
      `the file is a mapping of keys, got ${kind(value)}`,
    );
  }
  const best = earliest(errorsOf(ConfigSchema, value, []).map((e) => explain(e, src)));
  if (best !== undefined) {
    throw new ConfigError('VIGIL_CONFIG_INVALID', best.where, best.detail, { hint: best.hint });
  }
  return value as ConfigDocument;
}

interface PathedError {
  error: ValueError;
  /** the error's path from the document's root */
  path: KeyPath;
}

function errorsOf(schema: TSchema, value: unknown, base: KeyPath): PathedError[] {
  return [...Value.Errors(schema, value)].map((error) => ({
    error,
    path: [...base, ...pointerPath(error.path)],
  }));
}

function earliest(found: Finding[]): Finding | undefined {
  let best: Finding | undefined;
  for (const f of found) if (best === undefined || locationBefore(f.where, best.where)) best = f;
  return best;
}

function explain({ error, path }: PathedError, src: ConfigSource): Finding {
  const doc = src.value;
  const key = keyName(doc, path) || 'the file';
  const parentKey = keyName(doc, path.slice(0, -1));
  const last = String(path[path.length - 1]);
  const schema = error.schema as TSchema & Record<string, unknown>;
  switch (error.type) {
    case ValueErrorType.ObjectAdditionalProperties: {
      if (path[path.length - 2] === 'headers') {
        return { where: src.keyAt(path), detail: `${parentKey}: '${last}' is not an HTTP header name` };
      }
      const exporterType = exporterTypeAt(doc, path);
      if (exporterType !== undefined && path.length === 3) {
        const owners = TYPES.filter((t) => last in EXPORTER_SCHEMAS[t].properties);
        return {
          where: src.keyAt(path),
          detail:
            owners.length === 0
              ? `${key}: unknown key; an exporter's keys are: ${Object.keys(EXPORTER_SCHEMAS[exporterType].properties).join(', ')}`
              : `${key}: ${anExporter(exporterType)} has no ${last} (it is a key of ${owners.join(' and ')} exporters)`,
        };
      }
      const keys = Object.keys((schema as { properties?: Record<string, unknown> }).properties ?? {});
      return {
        where: src.keyAt(path),
        detail: `${parentKey === '' ? 'the file' : parentKey}: unknown key '${last}'; expected one of: ${keys.join(', ')}`,
      };
    }
    case ValueErrorType.ObjectRequiredProperty: {
      const exporterType = exporterTypeAt(doc, path);
      const what =
        exporterType !== undefined && path.length === 3 ? ` (${anExporter(exporterType)} needs it)` : '';
      return { where: src.at(path.slice(0, -1)), detail: `${key}: missing${what}` };
    }
    case ValueErrorType.Union:
      return explainUnion(error, path, src, key);
    case ValueErrorType.StringPattern:
    case ValueErrorType.String: {
      const words = typeof schema.pattern === 'string' ? PATTERN_WORDS[schema.pattern] : undefined;
      const hint =
        schema.pattern === DURATION_PATTERN && typeof error.value === 'number'
          ? `a duration carries its unit: ${error.value}s, or ${error.value}ms`
          : undefined;
      // a header's value is often a secret: never echoed
      const got = path[path.length - 2] === 'headers' ? '' : `; got ${kind(error.value)}`;
      return withHint({ where: src.at(path), detail: `${key}: expected ${words ?? 'a string'}${got}` }, hint);
    }
    case ValueErrorType.Literal:
      return withHint(
        {
          where: src.at(path),
          detail: `${key}: expected ${JSON.stringify(schema.const)}; got ${kind(error.value)}`,
        },
        path.length === 1 && path[0] === 'version'
          ? 'this vigil reads version 1 of the file format'
          : undefined,
      );
    case ValueErrorType.Integer:
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.IntegerMaximum:
      return {
        where: src.at(path),
        detail: `${key}: expected ${integerWords(schema)}; got ${kind(error.value)}`,
      };
    case ValueErrorType.ArrayMinItems:
      return { where: src.at(path), detail: `${key}: an empty list; leave the key out instead` };
    case ValueErrorType.ArrayUniqueItems:
      return { where: src.at(path), detail: `${key}: a value is listed twice` };
    case ValueErrorType.Array:
      return { where: src.at(path), detail: `${key}: expected a list; got ${kind(error.value)}` };
    case ValueErrorType.Object:
      return { where: src.at(path), detail: `${key}: expected a mapping; got ${kind(error.value)}` };
    default:
      return { where: src.at(path), detail: `${key}: ${lowerFirst(error.message)}` };
  }
}

function explainUnion(error: ValueError, path: KeyPath, src: ConfigSource, key: string): Finding {
  const members = ((error.schema as { anyOf?: TSchema[] }).anyOf ?? []) as (TSchema &
    Record<string, unknown>)[];
  // an exporter: check it against the schema of its own type
  if (path.length === 2 && path[0] === 'exporters') {
    if (!isRecord(error.value)) {
      return { where: src.at(path), detail: `${key}: expected a mapping; got ${kind(error.value)}` };
    }
    const type = error.value.type;
    if (type === undefined) {
      return { where: src.at(path), detail: `${key}: type: missing (${TYPES.join(', ')})` };
    }
    if (typeof type !== 'string' || !(TYPES as string[]).includes(type)) {
      return {
        where: src.at([...path, 'type']),
        detail: `${key}: type: expected one of ${TYPES.map((t) => `'${t}'`).join(', ')}; got ${kind(type)}`,
      };
    }
    const inner = earliest(
      errorsOf(EXPORTER_SCHEMAS[type as ExporterType], error.value, path).map((e) => explain(e, src)),
    );
    if (inner !== undefined) return inner;
  }
  const consts = members.map((m): unknown => m.const);
  if (consts.every((c) => typeof c === 'string')) {
    return {
      where: src.at(path),
      detail: `${key}: expected one of ${consts.map((c) => `'${c}'`).join(', ')}; got ${kind(error.value)}`,
    };
  }
  const sized = members.some((m) => m.pattern === SIZE_PATTERN);
  return {
    where: src.at(path),
    detail: `${key}: expected ${sized ? SIZE_WORDS : 'another value'}; got ${kind(error.value)}`,
  };
}

/** The exporter's type, when `path` is inside an exporter whose type is known. */
function exporterTypeAt(doc: unknown, path: KeyPath): ExporterType | undefined {
  if (path[0] !== 'exporters' || typeof path[1] !== 'number' || !isRecord(doc)) return undefined;
  const list = doc.exporters;
  const item: unknown = Array.isArray(list) ? list[path[1]] : undefined;
  const type = isRecord(item) ? item.type : undefined;
  return typeof type === 'string' && (TYPES as string[]).includes(type) ? (type as ExporterType) : undefined;
}

/** 'a syslog exporter', 'an otlp exporter' */
function anExporter(type: ExporterType): string {
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type} exporter`;
}

function integerWords(schema: Record<string, unknown>): string {
  const { minimum, maximum } = schema;
  if (typeof minimum === 'number' && typeof maximum === 'number')
    return `an integer from ${minimum} to ${maximum}`;
  if (typeof minimum === 'number') return `an integer of at least ${minimum}`;
  return 'an integer';
}

function withHint(f: Finding, hint: string | undefined): Finding {
  return hint === undefined ? f : { ...f, hint };
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** A value, for a message. */
export function kind(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') {
    // one line, and short: a message quotes what was written, not a whole pasted blob
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return `'${JSON.stringify(shown).slice(1, -1).replace(/\\"/g, '"')}'`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return typeof value === 'object' ? 'a mapping' : typeof value;
}
