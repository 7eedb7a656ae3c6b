// Building ProbeResults: timing, and turning whatever a probe threw into an errno and a line.
import { performance } from 'node:perf_hooks';

import { BpfError, VigilError } from '../errors.js';
import type { ProbeId, ProbeResult, ProbeStatus } from './facts.js';

export interface Outcome {
  status: ProbeStatus;
  errno: string | null;
  detail: string;
  fix: string | null;
}

export function ok(detail: string): Outcome {
  return { status: 'ok', errno: null, detail, fix: null };
}

export function failed(detail: string, fix: string | null, errno: string | null = null): Outcome {
  return { status: 'failed', errno, detail, fix };
}

export function skipped(detail: string, fix: string | null = null): Outcome {
  return { status: 'skipped', errno: null, detail, fix };
}

export function timed(id: ProbeId, probe: () => Outcome): ProbeResult {
  const start = performance.now();
  return { id, ...probe(), ms: Math.round(performance.now() - start) };
}

export async function timedAsync(id: ProbeId, probe: () => Promise<Outcome>): Promise<ProbeResult> {
  const start = performance.now();
  return { id, ...(await probe()), ms: Math.round(performance.now() - start) };
}

export interface ErrorSummary {
  /** errno name when there is one (EPERM), else the catalogue code, else null. */
  code: string | null;
  message: string;
}

export function summarizeError(err: unknown): ErrorSummary {
  if (err instanceof BpfError) return { code: err.errnoCode, message: err.message };
  if (err instanceof VigilError) return { code: err.code, message: err.message };
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return { code: typeof code === 'string' ? code : null, message: err.message };
  }
  return { code: null, message: String(err) };
}
