#!/usr/bin/env node
// The test command: type-check and compile, lint and format check, then every test file under
// node's test runner. `unit` or `kernel` as the only argument runs just that layer (no lint).
// Kernel tests need root and the build from scripts/setup.sh; without them they skip and say why.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const layers = ['unit', 'kernel', 'vm'];
const only = process.argv[2];
if (only !== undefined && !layers.includes(only)) {
  console.error(`run-tests: unknown layer '${only}'; expected one of: ${layers.join(', ')}`);
  process.exit(2);
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.error) {
    console.error(`run-tests: cannot run ${cmd}: ${r.error.message}`);
    process.exit(1);
  }
  if (r.status !== 0) {
    console.error(`run-tests: '${[cmd, ...args].join(' ')}' failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
}

function testFiles(dir) {
  let out = [];
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries.sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(testFiles(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const bin = (name) => join(root, 'node_modules', '.bin', name);
run(bin('tsc'), ['-p', 'tsconfig.json']);
if (only === undefined) {
  run(bin('eslint'), ['--max-warnings=0', '.']);
  run(bin('prettier'), ['--check', '--log-level=warn', '.']);
}
const selected = only === undefined ? layers : [only];
const files = selected.flatMap((l) => testFiles(join(root, 'dist', 'test', l)));
if (files.length === 0) {
  console.error('run-tests: no test files found under dist/test');
  process.exit(1);
}
console.log(`run-tests: ${files.length} test files (${selected.join(', ')})`);
// Kernel tests share one kernel; run files one at a time so their probes never race.
run(process.execPath, ['--test', '--test-concurrency=1', ...files.map((f) => relative(root, f))]);
