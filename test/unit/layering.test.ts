// Folder dependencies run one way: the wire format and the bridge at the bottom, the CLI at the
// top. Each folder of src/ may import only the folders listed here (and the one-file modules at
// src/ level: errors, error codes, the protections table); a new edge is a decision, made here.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { repoRoot } from '../support/paths.js';

const ALLOWED: Record<string, readonly string[]> = {
  wire: [],
  bridge: [],
  detect: [],
  transcripts: ['detect'],
  system: ['bridge'],
  policy: ['wire'],
  egress: ['policy'],
  enrich: ['system', 'wire'],
  sinks: ['enrich', 'wire'],
  loader: ['bridge', 'policy', 'system', 'wire'],
  targeting: ['bridge', 'policy', 'system', 'wire'],
  daemon: [
    'bridge',
    'detect',
    'egress',
    'export',
    'enrich',
    'loader',
    'policy',
    'posture',
    'sinks',
    'system',
    'targeting',
    'transcripts',
    'wire',
  ],
  doctor: ['bridge', 'daemon', 'loader', 'policy', 'system', 'targeting', 'wire'],
  ui: ['daemon', 'detect', 'doctor', 'enrich', 'learn', 'policy', 'posture', 'sinks', 'system', 'wire'],
  bench: ['bridge', 'daemon', 'egress', 'enrich', 'loader', 'policy', 'sinks', 'system', 'targeting', 'wire'],
  vmtest: ['doctor', 'system'],
  agents: ['daemon', 'policy', 'sinks'],
  learn: ['policy'],
  posture: [],
  config: ['sinks'],
  export: ['config', 'sinks'],
  metrics: ['export', 'sinks'],
  cli: [
    'config',
    'export',
    'metrics',
    'agents',
    'bench',
    'bridge',
    'daemon',
    'detect',
    'egress',
    'doctor',
    'enrich',
    'learn',
    'loader',
    'policy',
    'posture',
    'sinks',
    'system',
    'targeting',
    'transcripts',
    'ui',
    'wire',
  ],
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : name.endsWith('.ts') ? [p] : [];
  });
}

test('every folder of src/ imports only the folders below it', () => {
  const src = join(repoRoot, 'src');
  const folders = readdirSync(src).filter((n) => statSync(join(src, n)).isDirectory());
  assert.deepEqual(
    folders.filter((f) => !(f in ALLOWED)),
    [],
    'a new folder needs its place in ALLOWED',
  );
  const wrong: string[] = [];
  for (const folder of folders) {
    for (const file of files(join(src, folder))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/from '\.\.\/([a-z-]+)\//g)) {
        const to = m[1] as string;
        if (to !== folder && !(ALLOWED[folder] ?? []).includes(to))
          wrong.push(`${file.slice(src.length + 1)} imports ${to}/`);
      }
    }
  }
  assert.deepEqual(wrong, []);
});
