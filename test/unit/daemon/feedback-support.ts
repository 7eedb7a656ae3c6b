// What the feedback stream's tests share: a daemon over the fake kernel that writes feedback
// files to a folder of its own, and the kernel's refusal of an open as the ring would deliver it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Daemon } from '../../../src/daemon/daemon.js';
import type { AuditLine } from '../../../src/sinks/audit-schema.js';
import { daemonOverFake, GENERIC_REF, type FakeKernel } from '../../support/fake-kernel.js';
import { fileEvent, verdict } from '../sinks/fixture-events.js';

/** The generic profile's rule that denies ~/.ssh, by index (the kernel reports the index). */
export const SSH_RULE = GENERIC_REF.profile.paths.denied.findIndex((r) => r.written.includes('.ssh'));

/** BPF-LSM refused the open of `path` (EPERM) by the ~/.ssh rule. */
export function refusedOpen(session: number, pid: number, path = '/home/u/.ssh/id_rsa') {
  return {
    ...fileEvent(pid, path, 0, -1),
    session,
    verdict: verdict({ action: 'BLOCK', ruleKind: 1, rule: SSH_RULE, denied: true, lsm: true }),
  };
}

/** A daemon whose feedback files go under a new folder's log/feedback/; `lines`: its audit lines. */
export function feedbackDaemon(): { daemon: Daemon; kernel: FakeKernel; dir: string; lines: AuditLine[] } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-feedback-'));
  const lines: AuditLine[] = [];
  const made = daemonOverFake({ feedbackDir: join(dir, 'log', 'feedback'), onLine: (l) => lines.push(l) });
  return { ...made, dir, lines };
}
