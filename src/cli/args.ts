// Flag parsing shared by the verbs: node's parseArgs in strict mode, with its errors turned
// into UsageErrors that name the verb and point at its --help.
import { parseArgs, type ParseArgsConfig } from 'node:util';

import { UsageError } from '../errors.js';
import { LANDLOCK_MODES, type LandlockMode } from '../policy/landlock-rights.js';
import { FILE_OPEN_VOLUMES, type FileOpenVolume } from '../wire/file-events.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

export function parseVerbArgs<O extends Options>(
  verb: string,
  args: string[],
  options: O,
  allowPositionals = false,
): ReturnType<typeof parseArgs<{ options: O; allowPositionals: boolean; strict: true }>> {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (err) {
    const msg =
      err instanceof Error ? err.message.replace(/\. To specify a positional.*$/s, '') : String(err);
    throw new UsageError(`vigil ${verb}: ${msg}`, { hint: `see \`vigil ${verb} --help\`` });
  }
}

/** A positive integer flag value, or a UsageError naming the flag. */
export function intFlag(verb: string, flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) <= 0) {
    throw new UsageError(`vigil ${verb}: --${flag} needs a positive integer, got '${value}'`);
  }
  return Number(value);
}

export function oneOf<T extends string>(
  verb: string,
  flag: string,
  value: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`vigil ${verb}: --${flag} must be one of ${allowed.join(', ')}, got '${value}'`);
  }
  return value as T;
}

export function requireRoot(verb: string): void {
  if (process.getuid?.() !== 0) {
    throw new UsageError(
      `vigil ${verb} needs root: it loads BPF programs and talks to the root-only daemon`,
      {
        hint: `sudo vigil ${verb} ...`,
      },
    );
  }
}

/** The flags every verb that starts sessions takes (run, watch, attach). */
export const SESSION_FLAGS = {
  profile: { type: 'string' },
  framework: { type: 'string' },
  'audit-log': { type: 'string' },
  'file-events': { type: 'string' },
  'audit-only': { type: 'boolean' },
  'capture-transcript': { type: 'boolean' },
} as const;

/** --file-events MODE, checked against the kernel's volume modes (sinks/file-events.ts). */
export function fileEventsFlag(verb: string, value: string | undefined): FileOpenVolume | undefined {
  return oneOf(verb, 'file-events', value, FILE_OPEN_VOLUMES);
}

/** --landlock MODE for `vigil run` (default auto). */
export function landlockFlag(verb: string, value: string | undefined): LandlockMode {
  return oneOf(verb, 'landlock', value, LANDLOCK_MODES) ?? 'auto';
}
