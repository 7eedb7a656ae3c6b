// Sizes and durations as vigil.yaml writes them. A size is a whole number of bytes or a number with
// a binary unit (256MiB); a duration always carries its unit (500ms, 30s, 7d): a bare number would
// leave the reader guessing between seconds and milliseconds, so it is refused.
import { InternalError } from '../errors.js';

const SIZE_UNITS = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 } as const;
const DURATION_UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** The schema's patterns, from the unit tables above. */
export const SIZE_PATTERN = `^[0-9]+(${Object.keys(SIZE_UNITS).join('|')})$`;
export const DURATION_PATTERN = `^[0-9]+(${Object.keys(DURATION_UNITS).join('|')})$`;

/** How a reader is told what to write. */
export const SIZE_WORDS = 'a size: a number of bytes, or a number with B, KiB, MiB or GiB (256MiB)';
export const DURATION_WORDS = 'a duration: a number with ms, s, m, h or d (500ms, 30s, 7d)';

/** Bytes for a size the schema accepted (a number, or a string matching SIZE_PATTERN). */
export function sizeBytes(value: number | string): number {
  if (typeof value === 'number') return value;
  const m = new RegExp(SIZE_PATTERN).exec(value);
  if (m === null) throw new InternalError(`'${value}' passed the schema but is not a size`);
  return Number(value.slice(0, -(m[1] ?? '').length)) * SIZE_UNITS[m[1] as keyof typeof SIZE_UNITS];
}

/** Milliseconds for a duration the schema accepted (a string matching DURATION_PATTERN). */
export function durationMs(value: string): number {
  const m = new RegExp(DURATION_PATTERN).exec(value);
  if (m === null) throw new InternalError(`'${value}' passed the schema but is not a duration`);
  return Number(value.slice(0, -(m[1] ?? '').length)) * DURATION_UNITS[m[1] as keyof typeof DURATION_UNITS];
}
