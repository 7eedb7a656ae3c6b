// `node dist/src/vmtest/main.js [kernel-id...]`: runs the VM layer by hand and prints a summary,
// for working on the runner itself. The test command uses test/vm/lsm-kernel.test.ts instead.
import { walkTests } from './guest-results.js';
import { KERNELS, selectedKernels } from './kernels.js';
import { runVm, vmOptionsFromEnv } from './run-vm.js';

const ids = process.argv.slice(2);
const kernels = ids.length === 0 ? selectedKernels() : KERNELS.filter((k) => ids.includes(k.id));
const options = vmOptionsFromEnv();
let failed = 0;
for (const spec of kernels) {
  const r = await runVm(spec, options);
  const counts = { pass: 0, fail: 0, skip: 0, todo: 0 };
  for (const f of r.results.files)
    for (const [, t] of walkTests(f.tests)) if (t.children.length === 0) counts[t.status]++;
  console.log(
    `${spec.id} (${r.kernel.pkg}): fetch ${r.kernel.fetchMs} ms, boot+tests ${r.boot.ms} ms, ` +
      `timed out ${r.boot.timedOut}, tests exit ${r.testsExit}, ${JSON.stringify(counts)}, logs ${r.logsDir}`,
  );
  for (const f of r.results.files)
    for (const [path, t] of walkTests(f.tests))
      if (t.status === 'fail' && t.children.length === 0)
        console.log(`  FAIL ${path.join(' > ')}: ${t.error?.message ?? ''}`);
  if (r.retried !== null)
    console.log(`${spec.id}: booted a second time: the first guest locked up or oopsed (${r.retried})`);
  if (r.testsExit !== 0 || r.boot.timedOut || r.boot.lockedUp !== null) failed++;
}
process.exitCode = failed === 0 ? 0 : 1;
