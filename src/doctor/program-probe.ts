// Really loading one program of a probe object, alone, and optionally attaching it and
// detaching it at once. The object is closed in every case, so nothing stays in the kernel.
import { existsSync } from 'node:fs';

import { BpfObject, type AttachOptions } from '../bridge/bpf-object.js';
import { bpfObjectPath } from '../system/paths.js';
import { FIX } from './fixes.js';
import { failed, ok, summarizeError, type Outcome } from './probe-result.js';

export type Stage = 'open' | 'load' | 'attach' | 'use';

export type Trial =
  { ok: true } | { ok: false; stage: Stage; code: string | null; message: string; missingObject: boolean };

export interface TrialOptions {
  /** Attach after load (and detach on close); omitted: load only. */
  attach?: AttachOptions;
  /** Runs between open and load (read-only config). */
  configure?: (obj: BpfObject) => void;
  /** Runs once loaded (and attached). */
  use?: (obj: BpfObject) => void;
}

/**
 * Opens `objectRel`, loads only `program`, attaches it if asked, lets `use` work with the
 * loaded object, then closes it (which detaches). Never throws.
 */
export function tryProgram(objectRel: string, program: string, options: TrialOptions = {}): Trial {
  const { attach, configure, use } = options;
  const path = bpfObjectPath(objectRel);
  if (!existsSync(path)) {
    return { ok: false, stage: 'open', code: 'ENOENT', message: path, missingObject: true };
  }
  let obj: BpfObject | undefined;
  let stage: Stage = 'open';
  try {
    obj = BpfObject.open(path);
    obj.selectPrograms([program]);
    configure?.(obj);
    stage = 'load';
    obj.load();
    if (attach !== undefined) {
      stage = 'attach';
      obj.attach(program, attach);
    }
    if (use !== undefined) {
      stage = 'use';
      use(obj);
    }
    return { ok: true };
  } catch (err) {
    return { ok: false, stage, ...summarizeError(err), missingObject: false };
  } finally {
    closeQuietly(obj);
  }
}

export function closeQuietly(obj: BpfObject | undefined): void {
  try {
    obj?.close();
  } catch (err) {
    process.emitWarning(`vigil doctor: closing ${obj?.path ?? 'a probe object'} failed: ${String(err)}`);
  }
}

/** A Trial as an Outcome: the generic wording, with `fix` for a refusal by the kernel. */
export function trialOutcome(trial: Trial, okDetail: string, fix: string | null): Outcome {
  if (trial.ok) return ok(okDetail);
  if (trial.missingObject) return failed(`probe object missing: ${trial.message}`, FIX.build, trial.code);
  if (trial.code === null || trial.stage === 'use') return failed(firstLine(trial.message), fix, trial.code);
  return failed(`${trial.code} at ${trial.stage}`, fix, trial.code);
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}
