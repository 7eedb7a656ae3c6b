#!/usr/bin/env node
// The test command: type-check and compile, lint, format and dead-code checks, then every test
// file under node's test runner. `unit`, `kernel` or `vm` as the only argument runs just that
// layer (no lint).
// Kernel tests need root and the build from scripts/setup.sh; without them they skip and say why.
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const layers = ['unit', 'kernel', 'vm'];
const only = process.argv[2];
if (only !== undefined && !layers.includes(only)) {
  console.error(`run-tests: unknown layer '${only}'; expected one of: ${layers.join(', ')}`);
  process.exit(2);
}

// The daemons the tests start (vigil run, watch, attach start one detached when none runs) serve
// a test-only socket, pin under a test-only bpffs folder and log to a test-only folder, and are
// unloaded when the tests end, passed or failed: nothing of the tests stays in the kernel.
const tag = `vigil-test-${process.pid}`;
const testEnv = {
  ...process.env,
  VIGIL_SOCKET: `/run/${tag}/vigil.sock`,
  VIGIL_PIN_ROOT: `/sys/fs/bpf/${tag}`,
  VIGIL_LOG_DIR: `/tmp/${tag}-log`,
};

function cleanUp() {
  if (process.getuid?.() !== 0) return;
  spawnSync(process.execPath, [join(root, 'dist/src/cli/main.js'), 'unload'], {
    cwd: root,
    env: testEnv,
    stdio: 'ignore',
  });
  for (const dir of [`/run/${tag}`, `/tmp/${tag}-log`, `/sys/fs/bpf/${tag}`])
    rmSync(dir, { recursive: true, force: true });
}

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...options });
  if (options.after !== undefined) options.after();
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
  // dead code: files nothing imports, exports nothing uses, dependencies nothing needs (knip.json)
  run(bin('knip'), ['--no-progress']);
}
const selected = only === undefined ? layers : [only];
const files = selected.flatMap((l) => testFiles(join(root, 'dist', 'test', l)));
if (files.length === 0) {
  console.error('run-tests: no test files found under dist/test');
  process.exit(1);
}
console.log(`run-tests: ${files.length} test files (${selected.join(', ')})`);
// Kernel tests share one kernel; run files one at a time so their probes never race.
run(process.execPath, ['--test', '--test-concurrency=1', ...files.map((f) => relative(root, f))], {
  env: testEnv,
  after: cleanUp,
});
