// Probes that really load tiny programs (build/bpf/probes/*.bpf.o) and attach them for an
// instant. Each program allows everything; each object is closed before the next probe.
import { randomBytes } from 'node:crypto';

import type { BpfObject } from '../bridge/bpf-object.js';
import { decodeRecord } from '../wire/records.js';
import { ProbeMsg } from '../wire/wire-layout.js';
import type { LsmHook } from './facts.js';
import { FIX, lsmEnableFix } from './fixes.js';
import { failed, ok, type Outcome } from './probe-result.js';
import { trialOutcome, tryProgram, type Trial } from './program-probe.js';

export function probeCore(): Outcome {
  const trial = tryProgram('probes/core_probe.bpf.o', 'probe_core');
  if (trial.ok) return ok('a CO-RE program (task_struct relocations) loaded');
  if (!trial.missingObject && trial.stage === 'load' && trial.code !== 'EPERM') {
    return failed(
      `${trial.code ?? 'error'} at load: CO-RE relocations could not be resolved`,
      FIX.btf,
      trial.code,
    );
  }
  return trialOutcome(trial, '', trial.code === 'EPERM' ? FIX.root : FIX.btf);
}

/** Loads lsm/<hook>; if it loads, attaches it and detaches it at once (it returns 0: allow). */
export function probeLsmHook(hook: LsmHook, lsmList: string[] | null): Outcome {
  const trial = tryProgram('probes/lsm_probe.bpf.o', `probe_${hook}`, { attach: {} });
  if (trial.ok) return ok(`lsm/${hook} loaded, attached and detached`);
  const fix =
    trial.code === 'EPERM' && lsmList?.includes('bpf') === true ? FIX.lsmBlocked : lsmEnableFix(lsmList);
  return trialOutcome(trial, '', fix);
}

export function probeTpBtf(): Outcome {
  const trial = tryProgram('probes/trace_probe.bpf.o', 'probe_tp_btf', { attach: {} });
  return trialOutcome(trial, 'tp_btf/sched_process_exec loaded, attached and detached', FIX.btf);
}

export function probeRawTp(): Outcome {
  const trial = tryProgram('probes/trace_probe.bpf.o', 'probe_raw_tp', { attach: {} });
  return trialOutcome(trial, 'raw_tp/sched_process_exec loaded, attached and detached', null);
}

export function probeTracepoint(tracefsMounted: boolean): Outcome {
  const trial: Trial = tryProgram('probes/trace_probe.bpf.o', 'probe_tracepoint', { attach: {} });
  if (trial.ok) return ok('syscalls/sys_enter_openat tracepoint loaded, attached, detached');
  if (!trial.missingObject && trial.stage === 'attach' && !tracefsMounted) {
    return failed('loads, but cannot attach: tracefs is not mounted', FIX.tracefs, trial.code);
  }
  return trialOutcome(trial, '', trial.code === 'ENOENT' ? FIX.tracefs : null);
}

export interface RingbufOutcomes {
  ringbuf: Outcome;
  progRun: Outcome;
}

/**
 * Runs a `syscall` program once with BPF_PROG_RUN: it returns the low 31 bits of a magic
 * chosen here and writes one struct vigil_probe_msg carrying the whole magic to a ring buffer,
 * which is then drained on this thread.
 */
export function probeRingbuf(): RingbufOutcomes {
  const magic = randomBytes(8).readBigUInt64LE();
  const records: Buffer[] = [];
  const ran: { retval: number | null } = { retval: null }; // set inside the trial
  const trial = tryProgram('probes/ringbuf_probe.bpf.o', 'probe_ringbuf', {
    configure: (obj) => {
      obj.setConfig({ probe_magic: magic });
    },
    use: (obj: BpfObject) => {
      const reader = obj.ringBuffer('probe_events', (batch) =>
        records.push(...batch.map((r) => Buffer.from(r))),
      );
      ran.retval = obj.testRun('probe_ringbuf', null).retval >>> 0;
      reader.drain();
    },
  });
  if (!trial.ok) {
    const out = trialOutcome(trial, '', null);
    if (trial.stage !== 'use') return { ringbuf: out, progRun: out };
    if (ran.retval === null)
      return { ringbuf: failed('not checked: BPF_PROG_RUN failed', null), progRun: out };
    return { ringbuf: out, progRun: checkRetval(ran.retval) };
  }
  return { ringbuf: checkRecord(records, magic), progRun: checkRetval(ran.retval) };

  function checkRetval(got: number | null): Outcome {
    const want = Number(magic & 0x7fffffffn);
    return got === want
      ? ok('a syscall program ran and returned the expected value')
      : failed(`BPF_PROG_RUN returned ${got ?? 'nothing'}, expected ${want}`, null);
  }

  function checkRecord(got: Buffer[], expect: bigint): Outcome {
    const r = got[0];
    if (r === undefined) return failed('the program ran but no record reached user space', null);
    if (got.length !== 1) return failed(`expected 1 record, got ${got.length}`, null);
    if (r.length !== ProbeMsg.size)
      return failed(`record of ${r.length} bytes, expected ${ProbeMsg.size}`, null);
    const rec = decodeRecord(r);
    if (rec.kind !== 'probe' || rec.hdr.size !== ProbeMsg.size || rec.magic !== expect) {
      const magic = rec.kind === 'probe' ? rec.magic.toString(16) : '-';
      return failed(
        `record does not match (type ${rec.hdr.type}, size ${rec.hdr.size}, magic ${magic})`,
        null,
      );
    }
    return ok('one record written by a BPF program was read back intact');
  }
}
