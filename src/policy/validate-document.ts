// Checks a parsed YAML value against the profile schema and turns TypeBox's error stream into ONE
// clear message at the earliest offending node: editors show one squiggle, users fix one thing.
import { locationBefore, pointerPath } from '../yaml-source.js';
import { ValueErrorType } from '@sinclair/typebox/errors';
import type { ValueError } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import { ProfileError } from './profile-errors.js';
import type { SourceLocation } from './profile-errors.js';
import { ProfileSchema } from './profile-schema.js';
import type { ProfileDocument } from './profile-schema.js';
import type { NodePath, YamlSource } from './yaml-source.js';

export function validateDocument(src: YamlSource): ProfileDocument {
  const value = src.value;
  if (value === null || value === undefined) {
    throw new ProfileError('VIGIL_PROFILE_INVALID', src.at([]), 'the profile is empty');
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ProfileError(
      'VIGIL_PROFILE_INVALID',
      src.at([]),
      `a profile is a mapping of keys, got ${kind(value)}`,
    );
  }
  let best: { where: SourceLocation; detail: string } | undefined;
  for (const error of Value.Errors(ProfileSchema, value)) {
    const found = explain(error, src);
    if (best === undefined || locationBefore(found.where, best.where)) best = found;
  }
  if (best !== undefined) throw new ProfileError('VIGIL_PROFILE_INVALID', best.where, best.detail);
  return value as ProfileDocument;
}

/** `denied_paths[2].action`, the way a reader names the node. */
function display(path: NodePath): string {
  let out = '';
  for (const s of path) out += typeof s === 'number' ? `[${s}]` : out === '' ? s : `.${s}`;
  return out === '' ? 'profile' : out;
}

function explain(error: ValueError, src: YamlSource): { where: SourceLocation; detail: string } {
  const path = pointerPath(error.path);
  const name = display(path);
  switch (error.type) {
    case ValueErrorType.ObjectAdditionalProperties: {
      const parent = path.slice(0, -1);
      const keys = Object.keys((error.schema as { properties?: Record<string, unknown> }).properties ?? {});
      return {
        where: src.keyAt(path),
        detail: `unknown key '${String(path[path.length - 1])}' in ${display(parent)}; expected one of: ${keys.join(', ')}`,
      };
    }
    case ValueErrorType.ObjectRequiredProperty:
      return {
        where: src.at(path.slice(0, -1)),
        detail: `missing required key '${String(path[path.length - 1])}' in ${display(path.slice(0, -1))}`,
      };
    case ValueErrorType.Union: {
      const members = (error.schema as { anyOf?: TSchema[] }).anyOf ?? [];
      const consts = members.map((m) => (m as { const?: unknown }).const);
      if (consts.every((c) => typeof c === 'string')) {
        return {
          where: src.at(path),
          detail: `${name}: expected one of ${consts.map((c) => `'${c}'`).join(', ')}; got ${kind(error.value)}`,
        };
      }
      // Descend into the alternative that has the value's own type, so the message is about the
      // real mistake (an unknown key inside the object form) rather than "no alternative matched".
      const own = kind(error.value, true);
      for (let i = 0; i < members.length; i++) {
        const member = members[i];
        const first = error.errors[i]?.First();
        if (member !== undefined && first !== undefined && schemaKinds(member).includes(own)) {
          return explain(first, src);
        }
      }
      return {
        where: src.at(path),
        detail: `${name}: expected ${members.map(describeSchema).join(' or ')}; got ${kind(error.value)}`,
      };
    }
    case ValueErrorType.String:
    case ValueErrorType.Number:
    case ValueErrorType.Integer:
    case ValueErrorType.Object:
    case ValueErrorType.Array:
      return {
        where: src.at(path),
        detail: `${name}: expected ${describeSchema(error.schema)}; got ${kind(error.value)}`,
      };
    default:
      return { where: src.at(path), detail: `${name}: ${lowerFirst(error.message)}` };
  }
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

function schemaKinds(schema: TSchema): string[] {
  const type = (schema as { type?: unknown }).type;
  if (type === 'integer') return ['number'];
  if (typeof type === 'string') return [type];
  const anyOf = (schema as { anyOf?: TSchema[] }).anyOf;
  return anyOf === undefined ? [] : anyOf.flatMap(schemaKinds);
}

function describeSchema(schema: TSchema): string {
  const kinds = schemaKinds(schema);
  const type = (schema as { type?: unknown }).type;
  if (type === 'integer') return 'an integer';
  if (kinds.length === 1) return article(kinds[0] ?? 'value');
  return kinds.map(article).join(' or ');
}

function article(k: string): string {
  return k === 'array' ? 'a list' : k === 'object' ? 'a mapping' : k === 'integer' ? 'an integer' : `a ${k}`;
}

/** Describes a value for a message; `bare` gives just its JSON type. */
function kind(value: unknown, bare = false): string {
  const type =
    value === null
      ? 'null'
      : Array.isArray(value)
        ? 'array'
        : typeof value === 'object'
          ? 'object'
          : typeof value;
  if (bare) return type;
  if (type === 'string') return `'${String(value)}'`;
  if (type === 'number' || type === 'boolean') return `${type} ${String(value)}`;
  return type === 'array' ? 'a list' : type === 'object' ? 'a mapping' : type;
}
