// The cgroup-BPF hooks, each loaded and attached to a temporary empty cgroup that doctor
// creates under <cgroup2 root>/vigil-test/ and removes again, so no real process is affected.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { createCgroup, removeCgroup } from '../system/cgroup.js';
import { CGROUP_HOOKS, cgroupProbeId, type ProbeResult } from './facts.js';
import { failed, summarizeError, timed } from './probe-result.js';
import { trialOutcome, tryProgram } from './program-probe.js';

const PARENT = 'vigil-test';

export function probeCgroupHooks(root: string): ProbeResult[] {
  const parentPath = join(root, PARENT);
  const parentExisted = existsSync(parentPath);
  let cgroup: string;
  try {
    cgroup = createCgroup(join(PARENT, `doctor-${process.pid}`));
  } catch (err) {
    const e = summarizeError(err);
    const outcome = failed(`cannot create a test cgroup under ${parentPath}: ${e.message}`, null, e.code);
    return CGROUP_HOOKS.map((hook) => timed(cgroupProbeId(hook), () => outcome));
  }
  try {
    const cgroupPath = cgroup;
    return CGROUP_HOOKS.map((hook) =>
      timed(cgroupProbeId(hook), () => {
        const trial = tryProgram('probes/cgroup_probe.bpf.o', `probe_${hook}`, { attach: { cgroupPath } });
        return trialOutcome(trial, `cgroup/${hook} loaded, attached to a test cgroup, detached`, null);
      }),
    );
  } finally {
    removeQuietly(cgroup);
    if (!parentExisted) removeQuietly(parentPath, 0); // only if empty: other tests may use it
  }
}

function removeQuietly(path: string, attempts?: number): void {
  try {
    removeCgroup(path, attempts);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EBUSY') {
      process.emitWarning(`vigil doctor: cannot remove the test cgroup ${path}: ${String(err)}`);
    }
  }
}
