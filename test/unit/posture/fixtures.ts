// The fixture homes of test/fixtures/posture (each agent's documented format) and temp copies.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { repoRoot } from '../../support/paths.js';
import type { AgentPosture, PostureAgent, PostureReport, VigilCoverage } from '../../../src/posture/types.js';

export const FIXTURES = join(repoRoot, 'test', 'fixtures', 'posture');

export const NO_COVERAGE: VigilCoverage = { watchRules: [], systemdUnits: [] };

export const FULL_COVERAGE: VigilCoverage = {
  watchRules: ['claude', 'codex', 'gemini'],
  systemdUnits: [{ path: '/etc/systemd/system/vigil-cursor.service', covers: ['cursor'] }],
};

export function agent(r: PostureReport, name: PostureAgent): AgentPosture {
  const a = r.agents.find((x) => x.agent === name);
  if (a === undefined) throw new Error(`no ${name} in the report`);
  return a;
}

export function codes(a: AgentPosture): string[] {
  return [...new Set(a.reasons.map((r) => r.code))].sort();
}

const temps: string[] = [];

/** A temp folder (removed by cleanTemps). */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-posture-'));
  temps.push(dir);
  return dir;
}

/** A temp copy of a fixture folder (modes kept, symlinks as they are). */
export function tempCopy(fixture: string): string {
  const dir = tempDir();
  cpSync(join(FIXTURES, fixture), dir, { recursive: true, verbatimSymlinks: true });
  return dir;
}

export function cleanTemps(): void {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
}

export const isRoot = process.getuid?.() === 0;
