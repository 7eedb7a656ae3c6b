// What a daemon writes down so that the next one can take its pinned kernel state over: the
// profiles loaded (handle, table id, source), the sessions (kind, profile, root, cgroup, Landlock
// report), the watch rules, the id counters and the loss counters last reported. The kernel's
// maps stay the truth about what is watched and enforced; this file only names it. Root-only, in
// the control socket's folder (/run/vigil/state.json: tmpfs, gone at reboot with the pins).
import { existsSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import type { LossCounters } from '../wire/kernel-counters.js';
import type { FileOpenVolume, OpenVolumeCounts } from '../wire/file-events.js';
import type { EnforceOptions, LandlockState, SessionKind } from './control-protocol.js';
import type { ProfileHandleState } from './profile-handles.js';

export const STATE_VERSION = 1;

export interface SessionState {
  id: number;
  kind: SessionKind;
  handle: number | null;
  startedAt: string;
  rootPid: number | null;
  cgroupPath: string | null;
  auditOnly: boolean;
  captureTranscript?: boolean;
  fileEvents: FileOpenVolume | null;
  /** the kernel's counts of opens not sent that file_activity lines reported (decimal strings) */
  openVolume?: Record<keyof OpenVolumeCounts, string>;
  landlock: LandlockState | null;
}

export interface RuleState {
  id: number;
  basename: string;
  handle: number;
  enforce: EnforceOptions;
}

export interface DaemonState {
  version: number;
  /** the pinned folder this state belongs to: another build's state is not taken over */
  pinned: string;
  savedAt: string;
  pid: number;
  nextSession: number;
  nextRule: number;
  nextHandle: number;
  /** the loss counters the last daemon reported up to: the next one reports the rest */
  counters: Record<keyof LossCounters, string>;
  profiles: ProfileHandleState[];
  sessions: SessionState[];
  rules: RuleState[];
}

/** The state file beside a control socket. */
export function statePathFor(socketPath: string): string {
  return join(dirname(socketPath), 'state.json');
}

/** Writes atomically (a reader sees the old file or the new one, never half of one). */
export function saveState(path: string, state: DaemonState): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state), { mode: 0o600 });
  renameSync(tmp, path);
}

/**
 * The state an earlier daemon left for `pinned`; undefined when there is none, it is for other
 * pins, or it cannot be read (then `problem` says why, for the daemon's log).
 */
export function loadState(path: string, pinned: string): { state?: DaemonState; problem?: string } {
  if (!existsSync(path)) return { problem: `no state file at ${path}` };
  try {
    const state = JSON.parse(readFileSync(path, 'utf8')) as DaemonState;
    if (state.version !== STATE_VERSION) return { problem: `${path} has state version ${state.version}` };
    if (state.pinned !== pinned) return { problem: `${path} describes ${state.pinned}, not ${pinned}` };
    return { state };
  } catch (err) {
    return { problem: `${path} cannot be read: ${String(err)}` };
  }
}

export function removeState(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

export function countersToState(c: LossCounters): Record<keyof LossCounters, string> {
  return {
    ringbufFull: c.ringbufFull.toString(),
    readFail: c.readFail.toString(),
    watchFull: c.watchFull.toString(),
    staleEntry: c.staleEntry.toString(),
    alertLost: c.alertLost.toString(),
  };
}

export function countersFromState(c: Record<keyof LossCounters, string>): LossCounters {
  return {
    ringbufFull: BigInt(c.ringbufFull),
    readFail: BigInt(c.readFail),
    watchFull: BigInt(c.watchFull),
    staleEntry: BigInt(c.staleEntry),
    alertLost: BigInt(c.alertLost),
  };
}
