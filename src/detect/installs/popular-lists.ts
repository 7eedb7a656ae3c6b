// The shipped lists of each ecosystem's most-used package names (src/detect/data/<ecosystem>.json,
// made by src/detect/data/build-lists.js), loaded once on first use. The JSON stays in src/ while
// this module runs compiled from dist/src/detect/installs/, so both places are tried.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SystemError } from '../../errors.js';
import type { Ecosystem } from './install-command.js';

export interface PopularList {
  ecosystem: Ecosystem;
  /** where the names come from, and how they are ranked (or that they are not) */
  source: string;
  /** the date of the data (YYYY-MM-DD) */
  date: string;
  /** most-used first */
  names: string[];
  /** npm only: the names most depended on, most first */
  by_dependents?: string[];
}

export const ECOSYSTEMS: readonly Ecosystem[] = ['npm', 'pypi', 'cargo', 'go', 'rubygems', 'debian'];

const CANDIDATES = ['../data/', '../../../../src/detect/data/'];

const cache = new Map<Ecosystem, PopularList>();

function dataFile(ecosystem: Ecosystem): string {
  const tried: string[] = [];
  for (const rel of CANDIDATES) {
    const file = fileURLToPath(new URL(`${rel}${ecosystem}.json`, import.meta.url));
    tried.push(file);
    if (existsSync(file)) return file;
  }
  throw new SystemError(
    'VIGIL_ROOT_MISSING',
    `the ${ecosystem} popular-package list is missing; looked in: ${tried.join(', ')}`,
  );
}

function isList(value: unknown, ecosystem: Ecosystem): value is PopularList {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const strings = (x: unknown) => Array.isArray(x) && x.every((s) => typeof s === 'string');
  return (
    v['ecosystem'] === ecosystem &&
    typeof v['source'] === 'string' &&
    typeof v['date'] === 'string' &&
    strings(v['names']) &&
    (v['by_dependents'] === undefined || strings(v['by_dependents']))
  );
}

/** the list of one ecosystem; throws when the shipped file is missing or malformed */
export function popularList(ecosystem: Ecosystem): PopularList {
  const hit = cache.get(ecosystem);
  if (hit !== undefined) return hit;
  const file = dataFile(ecosystem);
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!isList(parsed, ecosystem)) {
    throw new SystemError('VIGIL_ROOT_MISSING', `${file} is not a popular-package list for ${ecosystem}`);
  }
  cache.set(ecosystem, parsed);
  return parsed;
}
