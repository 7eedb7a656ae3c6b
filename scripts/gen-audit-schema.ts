// Writes what follows from the TypeBox definition in src/sinks/audit-schema.ts: the published
// schemas/audit-line.schema.json and the per-kind JSON writers, src/sinks/audit-json-kinds.ts
// (scripts/audit-json-codegen.ts); and, from src/daemon/session-feedback-schema.ts, the schema
// of the feedback stream made from audit lines, schemas/feedback.schema.json. Run after changing
// either schema:
// `node dist/scripts/gen-audit-schema.js`. A unit test fails when a committed file differs from
// what this prints, so neither can drift.
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as prettier from 'prettier';
import { auditLineJsonSchema } from '../src/sinks/audit-schema.js';
import { feedbackJsonSchema } from '../src/daemon/session-feedback-schema.js';
import { renderAuditJsonKinds } from './audit-json-codegen.js';

/** The repository root, whether this runs compiled (dist/scripts/) or from scripts/. */
function repoRoot(): string {
  for (const rel of ['../../', '../']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(dir + 'package.json')) return dir;
  }
  throw new Error('gen-audit-schema: repository root not found');
}

export const AUDIT_SCHEMA_FILE = repoRoot() + 'schemas/audit-line.schema.json';
export const AUDIT_JSON_KINDS_FILE = repoRoot() + 'src/sinks/audit-json-kinds.ts';
export const FEEDBACK_SCHEMA_FILE = repoRoot() + 'schemas/feedback.schema.json';

/** A schema file's exact text, formatted as `prettier --check` expects it. */
async function renderJson(file: string, schema: Record<string, unknown>): Promise<string> {
  const config = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(JSON.stringify(schema, null, 2), { ...config, parser: 'json' });
}

export function renderAuditSchema(): Promise<string> {
  return renderJson(AUDIT_SCHEMA_FILE, auditLineJsonSchema());
}

export function renderFeedbackSchema(): Promise<string> {
  return renderJson(FEEDBACK_SCHEMA_FILE, feedbackJsonSchema());
}

/** The per-kind writers' exact text, formatted as `prettier --check` expects it. */
export async function renderAuditJsonKindsFile(): Promise<string> {
  const config = (await prettier.resolveConfig(AUDIT_JSON_KINDS_FILE)) ?? {};
  return prettier.format(renderAuditJsonKinds(), { ...config, parser: 'typescript' });
}

async function main(): Promise<void> {
  writeFileSync(AUDIT_SCHEMA_FILE, await renderAuditSchema());
  console.log(`wrote ${AUDIT_SCHEMA_FILE}`);
  writeFileSync(AUDIT_JSON_KINDS_FILE, await renderAuditJsonKindsFile());
  console.log(`wrote ${AUDIT_JSON_KINDS_FILE}`);
  writeFileSync(FEEDBACK_SCHEMA_FILE, await renderFeedbackSchema());
  console.log(`wrote ${FEEDBACK_SCHEMA_FILE}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
