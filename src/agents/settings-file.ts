// An agent's JSON settings file, changed the way vigil integrate changes it: the first change
// keeps the original next to it (FILE.vigil-backup, empty when there was no file); undoing puts
// that original back byte for byte when nothing else changed meanwhile (and deletes a file that
// did not exist before), or else writes the file without vigil's part and keeps the rest. A file
// that is not a JSON object is never touched.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { isDeepStrictEqual } from 'node:util';

import { SystemError } from '../errors.js';

type Json = Record<string, unknown>;

export function backupPath(file: string): string {
  return `${file}.vigil-backup`;
}

/** The file's text (null: no file) and its object; a SystemError when it is not a JSON object. */
export function readSettings(file: string): { text: string | null; json: Json } {
  if (!existsSync(file)) return { text: null, json: {} };
  const text = readFileSync(file, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const comments = /^\s*(\/\/|\/\*)/m.test(text)
      ? '; vigil does not rewrite a file with comments, which would be lost'
      : '';
    throw new SystemError(
      'VIGIL_AGENT_SETTINGS',
      `${file} is not JSON (${err instanceof Error ? err.message : String(err)})${comments}: nothing was changed`,
    );
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new SystemError('VIGIL_AGENT_SETTINGS', `${file} is not a JSON object: nothing was changed`);
  return { text, json: json as Json };
}

function write(file: string, json: Json): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
}

/** Writes `updated` unless it equals what is there; the original is kept first. */
export function changeSettings(file: string, update: (json: Json) => Json): 'unchanged' | 'changed' {
  const { text, json } = readSettings(file);
  const updated = update(json);
  if (isDeepStrictEqual(updated, json)) return 'unchanged';
  const backup = backupPath(file);
  if (!existsSync(backup)) {
    mkdirSync(dirname(backup), { recursive: true });
    writeFileSync(backup, text ?? '');
  }
  write(file, updated);
  return 'changed';
}

/**
 * Takes vigil's part out: `restored` when the original came back as it was, `kept` when other
 * changes were kept, `unchanged` when there was nothing of vigil's in the file.
 */
export function undoSettings(file: string, remove: (json: Json) => Json): 'restored' | 'kept' | 'unchanged' {
  const { json } = readSettings(file);
  const removed = remove(json);
  const backup = backupPath(file);
  if (existsSync(backup)) {
    const original = readFileSync(backup, 'utf8');
    let originalJson: unknown;
    try {
      originalJson = original === '' ? {} : (JSON.parse(original) as unknown);
    } catch {
      originalJson = undefined; // a backup edited by hand: keep the current file's other changes
    }
    if (isDeepStrictEqual(removed, originalJson)) {
      if (original === '') rmSync(file, { force: true });
      else writeFileSync(file, original);
      rmSync(backup);
      return 'restored';
    }
    rmSync(backup);
  }
  if (isDeepStrictEqual(removed, json)) return 'unchanged';
  write(file, removed);
  return 'kept';
}
