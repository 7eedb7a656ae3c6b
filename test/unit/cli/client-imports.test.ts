// The session verbs are clients of a running daemon: their static imports must not reach the
// YAML parser, the schema library, the profile loader or the daemon itself, which together cost
// a few hundred ms at each start (they are imported dynamically, only when no daemon runs).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

import { repoRoot } from '../../support/paths.js';

const HEAVY_PACKAGES = ['yaml', '@sinclair/typebox'];
const HEAVY_MODULES = ['src/policy/load-profile.ts', 'src/daemon/daemon.ts', 'src/loader/agent-kernel.ts'];

/** Value imports (not `import type`, not dynamic `import()`) of one source file. */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^import\s+(?!type\s)[^;]*?from\s+'([^']+)';/gms)) out.push(m[1] as string);
  for (const m of text.matchAll(/^export\s+(?!type\s)[^;]*?from\s+'([^']+)';/gms)) out.push(m[1] as string);
  for (const m of text.matchAll(/^import\s+'([^']+)';/gm)) out.push(m[1] as string);
  return out;
}

/** Every module reached from `entry` by static imports: repository paths and package names. */
function reach(entry: string): { modules: Set<string>; packages: Set<string> } {
  const modules = new Set<string>();
  const packages = new Set<string>();
  const todo = [join(repoRoot, entry)];
  for (let file = todo.pop(); file !== undefined; file = todo.pop()) {
    const rel = relative(repoRoot, file);
    if (modules.has(rel)) continue;
    modules.add(rel);
    for (const spec of staticImports(file)) {
      if (spec.startsWith('.')) todo.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else if (!spec.startsWith('node:')) packages.add(spec);
    }
  }
  return { modules, packages };
}

for (const verb of ['run', 'watch', 'attach']) {
  test(`vigil ${verb} imports no profile loader, schema or daemon at start`, () => {
    const { modules, packages } = reach(`src/cli/${verb}-command.ts`);
    assert.ok(modules.size > 5, 'the walk found the modules');
    assert.deepEqual(
      HEAVY_PACKAGES.filter((p) => [...packages].some((q) => q === p || q.startsWith(`${p}/`))),
      [],
    );
    assert.deepEqual(
      HEAVY_MODULES.filter((m) => modules.has(m)),
      [],
    );
  });
}
