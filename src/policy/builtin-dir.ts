// Where the built-in profiles live. The YAML stays in profiles/ at the repository root while this
// module runs compiled from dist/src/policy/ (or from src/policy/ under a TS runner), so the folder
// is found relative to this file, never relative to the working directory.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SystemError } from '../errors.js';

const CANDIDATES = ['../../../profiles/', '../../profiles/'];

let cached: string | undefined;

/** The built-in profile folder; throws if the install is broken (no folder found). */
export function builtinProfileDir(): string {
  if (cached !== undefined) return cached;
  const tried: string[] = [];
  for (const rel of CANDIDATES) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    tried.push(dir);
    if (existsSync(dir)) return (cached = dir);
  }
  throw new SystemError(
    'VIGIL_BUILTINS_MISSING',
    `built-in profiles not found; looked in: ${tried.join(', ')}`,
  );
}

/** Names of the built-in profiles (file names without `.yaml`), sorted. */
export function builtinProfileNames(dir: string = builtinProfileDir()): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/** The file of a built-in profile, or undefined if there is no such built-in. */
export function builtinProfileFile(name: string, dir: string = builtinProfileDir()): string | undefined {
  if (!builtinProfileNames(dir).includes(name)) return undefined;
  return join(dir, name + '.yaml');
}
