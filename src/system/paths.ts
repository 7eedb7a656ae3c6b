// Where the repository's build outputs are, found from this module's own location so it works
// from dist/src/system/ (compiled) and from src/system/ (run from source) alike.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SystemError } from '../errors.js';

let cached: string | undefined;

/** The folder holding vigil's package.json, searched upward from this file. */
export function repoRoot(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'kernel'))) {
      cached = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir)
      throw new SystemError(
        'VIGIL_ROOT_MISSING',
        `cannot find vigil's repository root above ${fileURLToPath(import.meta.url)}`,
      );
    dir = parent;
  }
}

/** A compiled BPF object: `probes/core_probe.bpf.o` -> <root>/build/bpf/probes/core_probe.bpf.o. */
export function bpfObjectPath(rel: string): string {
  return join(repoRoot(), 'build', 'bpf', rel);
}
