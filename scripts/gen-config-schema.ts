// Writes schemas/vigil-config.schema.json from the TypeBox definition in src/config/config-schema.ts.
// Run after changing the schema: `node dist/scripts/gen-config-schema.js`. A unit test fails when
// the committed file differs from what this prints, so the published schema cannot drift.
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as prettier from 'prettier';
import { configJsonSchema } from '../src/config/config-schema.js';

/** The repository root, whether this runs compiled (dist/scripts/) or from scripts/. */
function repoRoot(): string {
  for (const rel of ['../../', '../']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(dir + 'package.json')) return dir;
  }
  throw new Error('gen-config-schema: repository root not found');
}

export const CONFIG_SCHEMA_FILE = repoRoot() + 'schemas/vigil-config.schema.json';

/** The schema file's exact text, formatted as `prettier --check` expects it. */
export async function renderConfigSchema(): Promise<string> {
  const config = (await prettier.resolveConfig(CONFIG_SCHEMA_FILE)) ?? {};
  return prettier.format(JSON.stringify(configJsonSchema(), null, 2), { ...config, parser: 'json' });
}

async function main(): Promise<void> {
  writeFileSync(CONFIG_SCHEMA_FILE, await renderConfigSchema());
  console.log(`wrote ${CONFIG_SCHEMA_FILE}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
