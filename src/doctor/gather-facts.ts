// Runs every probe once, in order, and returns the facts. Without privileges or the native
// addon the probes that load programs are skipped (with the reason), never attempted.
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

import { native } from '../bridge/native-binding.js';
import { cgroup2Root } from '../system/cgroup.js';
import { readMounts, type MountEntry } from '../system/mounts.js';
import { bpfObjectPath } from '../system/paths.js';
import { probeCgroupHooks } from './cgroup-probes.js';
import {
  CGROUP_HOOKS,
  LSM_HOOKS,
  PROBE_IDS,
  cgroupProbeId,
  lsmProbeId,
  type DoctorFacts,
  type ProbeId,
  type ProbeResult,
} from './facts.js';
import { FIX } from './fixes.js';
import {
  probeBpffs,
  probeCgroup2,
  probeLandlock,
  probeLsmActive,
  probePrivileges,
  probeSeccomp,
  probeSecurityFs,
  probeTracefs,
  probeVmlinuxBtf,
  readHostBasics,
  readLockdown,
  readLsmList,
  tracefsPath,
} from './host-probes.js';
import {
  probeCore,
  probeLsmHook,
  probeRawTp,
  probeRingbuf,
  probeTpBtf,
  probeTracepoint,
} from './kernel-probes.js';
import { failed, ok, skipped, summarizeError, timed, timedAsync, type Outcome } from './probe-result.js';
import { probeSendSignal } from './signal-probe.js';
import { InternalError } from '../errors.js';

/** Every object the probes load (kernel/probes/*.bpf.c, built by `make kernel`). */
const PROBE_OBJECTS = ['core', 'lsm', 'trace', 'signal', 'ringbuf', 'cgroup'].map(
  (n) => `probes/${n}_probe.bpf.o`,
);

export async function gatherFacts(): Promise<DoctorFacts> {
  const start = performance.now();
  const results = new Map<ProbeId, ProbeResult>();
  const put = (r: ProbeResult) => {
    results.set(r.id, r);
  };

  const basics = readHostBasics();
  const privileges = timed('privileges', () => probePrivileges(basics));
  put(privileges);
  const privileged = privileges.status === 'ok';
  const libbpfVersion = withTiming('native', put, () => {
    try {
      const version = native().libbpfVersion();
      return { outcome: ok(`native addon loaded (libbpf ${version})`), value: version };
    } catch (err) {
      const message = summarizeError(err).message.split('\n')[0] ?? 'cannot load';
      return { outcome: failed(message, FIX.native), value: null };
    }
  });
  const hasNative = libbpfVersion !== null;
  const missingObjects = PROBE_OBJECTS.map(bpfObjectPath).filter((p) => !existsSync(p));
  const blocked: Outcome | null = !privileged
    ? skipped('not tried: loading BPF programs needs root', FIX.root)
    : !hasNative
      ? skipped('not tried: the native addon is missing', FIX.native)
      : missingObjects.length > 0
        ? skipped(
            `not tried: ${missingObjects.length} of ${PROBE_OBJECTS.length} probe objects missing in ${bpfObjectPath('probes')}`,
            FIX.build,
          )
        : null;
  const loading = (id: ProbeId, probe: () => Outcome) => {
    put(timed(id, () => blocked ?? probe()));
  };

  put(timed('btf_vmlinux', probeVmlinuxBtf));
  loading('btf_core', probeCore);

  const mounts: MountEntry[] = readMounts();
  const securityfs = withTiming('securityfs', put, () => {
    const r = probeSecurityFs(privileged, mounts);
    return { outcome: r.outcome, value: r.mountPoint };
  });
  const lsmList = readLsmList(securityfs);
  const lockdown = readLockdown(securityfs);
  put(timed('lsm_active', () => probeLsmActive(lsmList, securityfs)));
  for (const hook of LSM_HOOKS) loading(lsmProbeId(hook), () => probeLsmHook(hook, lsmList));

  loading('tp_btf', probeTpBtf);
  loading('raw_tp', probeRawTp);
  put(timed('tracefs', () => probeTracefs(mounts)));
  loading('tracepoint', () => probeTracepoint(tracefsPath(mounts) !== null));
  put(await timedAsync('send_signal', async () => blocked ?? (await probeSendSignal())));

  // ringbuf and prog_run come from one run of one program; both carry its time
  const ringStart = performance.now();
  const ring = blocked === null ? probeRingbuf() : { ringbuf: blocked, progRun: blocked };
  const ringMs = Math.round(performance.now() - ringStart);
  put({ id: 'ringbuf', ...ring.ringbuf, ms: ringMs });
  put({ id: 'prog_run', ...ring.progRun, ms: ringMs });

  const cgRoot = cgroup2Root() ?? null;
  put(timed('cgroup2', () => probeCgroup2(cgRoot)));
  if (blocked === null && cgRoot !== null) {
    for (const r of probeCgroupHooks(cgRoot)) put(r);
  } else {
    const why = blocked ?? skipped('not tried: no cgroup v2 hierarchy', FIX.cgroup2);
    for (const hook of CGROUP_HOOKS) put(timed(cgroupProbeId(hook), () => why));
  }

  const landlockAbi = withTiming('landlock', put, () => {
    if (!hasNative)
      return { outcome: skipped('not tried: the native addon is missing', FIX.native), value: null };
    const r = probeLandlock(lsmList);
    return { outcome: r.outcome, value: r.abi };
  });
  put(
    timed('seccomp', () =>
      hasNative ? probeSeccomp() : skipped('not tried: the native addon is missing', FIX.native),
    ),
  );
  put(timed('bpffs', () => probeBpffs(mounts)));

  const probes = {} as Record<ProbeId, ProbeResult>;
  for (const id of PROBE_IDS) {
    const r = results.get(id);
    if (r === undefined) throw new InternalError(`vigil doctor: probe ${id} produced no result`);
    probes[id] = r;
  }
  return {
    host: { ...basics, lsmList, lockdown, landlockAbi, libbpfVersion, cgroup2Root: cgRoot },
    probes,
    durationMs: Math.round(performance.now() - start),
  };
}

/** timed() for probes that also yield a value the later probes need. */
function withTiming<T>(
  id: ProbeId,
  put: (r: ProbeResult) => void,
  probe: () => { outcome: Outcome; value: T },
): T {
  const start = performance.now();
  const { outcome, value } = probe();
  put({ id, ...outcome, ms: Math.round(performance.now() - start) });
  return value;
}
