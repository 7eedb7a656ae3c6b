// The VM layer: boots each kernel of the matrix (src/vmtest/kernels.ts) once under QEMU with
// BPF-LSM enabled, runs the kernel tests and the scenarios inside (src/vmtest/run-vm.ts), and
// reports every test that ran inside as a subtest here, so a failure in the VM fails the test
// command with that test's name and output. See docs/testing.md.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { before, describe, it, type TestContext } from 'node:test';

import { repoRoot } from '../../src/system/paths.js';
import { walkTests, type GuestFile, type GuestTest } from '../../src/vmtest/guest-results.js';
import { selectedKernels } from '../../src/vmtest/kernels.js';
import { runVm, vmOptionsFromEnv, type VmRun } from '../../src/vmtest/run-vm.js';

const SKIP =
  process.env.VIGIL_SKIP_VM === '1'
    ? 'VIGIL_SKIP_VM=1 is set: BPF-LSM is NOT tested on a real kernel in this run'
    : false;

/** The scenario that proves an LSM program really blocks (test/vm/scenarios/lsm-file-open.test.ts). */
const LSM_SCENARIO = 'lsm-file-open.test.js';

/** The last `n` lines of a file in the run's logs, for failure messages. */
function tail(path: string, n = 30): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-n).join('\n');
  } catch {
    return `(no ${path})`;
  }
}

/** A failing test's message: what it threw, then what its file printed. */
function failureText(g: GuestTest, file: GuestFile, kernel: string): string {
  const output = file.output.join('').split('\n').slice(-40).join('\n').trim();
  return [
    `failed inside the VM (${kernel}): ${g.error?.text ?? g.error?.message ?? 'no error recorded'}`,
    output === '' ? '' : `--- output of ${file.file} (last lines) ---\n${output}`,
  ]
    .filter((s) => s !== '')
    .join('\n');
}

/** Re-creates the guest's test tree as subtests of `t`. */
async function mirror(
  t: TestContext,
  tests: readonly GuestTest[],
  file: GuestFile,
  kernel: string,
): Promise<void> {
  for (const g of tests) {
    await t.test(g.name, async (sub) => {
      if (g.status === 'skip') {
        sub.skip(`skipped inside the VM: ${g.reason === '' ? '(no reason given)' : g.reason}`);
        return;
      }
      if (g.status === 'todo') sub.todo(g.reason);
      await mirror(sub, g.children, file, kernel);
      // a parent whose children failed fails by itself; throw only for the test's own failure
      if (g.status === 'fail' && !g.children.some((c) => c.status === 'fail'))
        throw new Error(failureText(g, file, kernel));
    });
  }
}

const options = vmOptionsFromEnv();

for (const spec of selectedKernels()) {
  describe(`VM ${spec.id}: the kernel tests on Debian's ${spec.meta} with BPF-LSM on`, { skip: SKIP }, () => {
    let run: VmRun | undefined;
    let failure: Error | undefined;
    before(async () => {
      try {
        run = await runVm(spec, options);
      } catch (err) {
        failure = err instanceof Error ? err : new Error(String(err));
      }
    });
    const vm = (): VmRun => {
      if (failure !== undefined) throw failure;
      assert.ok(run, 'the VM did not run');
      return run;
    };

    it('boots, runs every guest test file and powers off before the deadline', (t) => {
      const r = vm();
      const where = `logs: ${r.logsDir}\n--- console (last lines) ---\n${tail(`${r.logsDir}/console.log`)}`;
      if (r.retried !== null)
        t.diagnostic(`booted a second time: the first guest locked up or oopsed (${r.retried})`);
      assert.equal(r.boot.lockedUp, null, `the guest locked up twice (${r.boot.lockedUp}); ${where}`);
      assert.ok(
        !r.boot.timedOut,
        `the VM was killed at the hard timeout (${options.timeoutMs / 1000} s, VIGIL_VM_TIMEOUT_S); ${where}\n--- guest.log ---\n${tail(`${r.logsDir}/guest.log`)}`,
      );
      assert.equal(r.initError, null, `vm/init gave up: ${r.initError}; ${where}`);
      assert.equal(r.boot.exitCode, 0, `qemu exited ${r.boot.exitCode}: ${r.boot.stderr}; ${where}`);
      assert.notEqual(
        r.testsExit,
        null,
        `the guest test run did not finish; ${where}\n${tail(`${r.logsDir}/guest.log`)}`,
      );
      const reported = new Set(r.results.files.map((f) => f.file));
      const silent = r.testFiles.filter((f) => !reported.has(f));
      assert.deepEqual(silent, [], `test files that reported nothing; ${where}`);
      assert.equal(r.results.badLines, 0, 'results.jsonl has unreadable lines');
    });

    it('BPF-LSM is usable inside: `vigil doctor --json` says so and lsm/file_open loads', () => {
      const doc = vm().doctor as {
        host: { kernel_release: string; lsm_list: string[] | null };
        bpf_lsm: { state: string; loaded_hooks: string[] };
        probes: { id: string; status: string; detail: string }[];
      } | null;
      assert.ok(doc !== null, `no doctor.json from the guest (see ${vm().logsDir}/doctor.err)`);
      assert.equal(doc.host.kernel_release, vm().kernel.release, 'the doctor ran on the VM kernel');
      assert.ok(doc.host.lsm_list?.includes('bpf'), `lsm list: ${doc.host.lsm_list?.join(',')}`);
      assert.equal(doc.bpf_lsm.state, 'usable');
      const fileOpen = doc.probes.find((p) => p.id === 'lsm_file_open');
      assert.equal(fileOpen?.status, 'ok', fileOpen?.detail);
      assert.ok(doc.bpf_lsm.loaded_hooks.includes('file_open'), doc.bpf_lsm.loaded_hooks.join(','));
    });

    it('an LSM file_open program returning -EPERM blocks an open inside (the scenario ran, not skipped)', () => {
      const file = vm().results.files.find((f) => f.file.endsWith(`/${LSM_SCENARIO}`));
      assert.ok(file, `${LSM_SCENARIO} did not run in the VM`);
      const leaves = [...walkTests(file.tests)].filter(([, g]) => g.children.length === 0);
      assert.ok(leaves.length > 0);
      for (const [path, g] of leaves)
        assert.equal(g.status, 'pass', `${path.join(' > ')}: ${g.status} ${g.reason}`);
    });

    it('the tests inside', async (t) => {
      const r = vm();
      for (const file of r.results.files)
        await t.test(relative(repoRoot(), file.file), (ft) => mirror(ft, file.tests, file, spec.id));
    });
  });
}
