// vigil posture: every guard surface of Claude Code, Codex, Gemini CLI and Cursor under a home
// (and a project), each agent scored by the rubric (rubric.ts) with the reasons that add up to
// its score. Reads files only; never throws for a file it cannot have (the file says why).
import { statSync } from 'node:fs';
import { resolve } from 'node:path';

import { AgentScan, type ScanPlace } from './agent-scan.js';
import { scanClaude } from './claude-posture.js';
import { scanCodex } from './codex-posture.js';
import { confinement } from './coverage.js';
import { scanCursor } from './cursor-posture.js';
import { scanGemini } from './gemini-posture.js';
import { reason, scoreOf } from './rubric.js';
import type { AgentPosture, PostureAgent, PostureReport, VigilCoverage } from './types.js';

export interface PostureWhere {
  home: string;
  /** the project folder for project and local scopes; null or absent: none */
  project?: string | null;
  /** what confines agents here; null or absent: not looked up (no agent counts as covered) */
  coverage?: VigilCoverage | null;
  /** the folder of system-wide settings (managed scope); default /etc, null: none */
  etc?: string | null;
}

const SCANS: Record<PostureAgent, (s: AgentScan) => void> = {
  'claude-code': scanClaude,
  codex: scanCodex,
  'gemini-cli': scanGemini,
  cursor: scanCursor,
};

/** The report, and the inode of each file read (for the watcher). */
export function scanPostureDetailed(where: PostureWhere): {
  report: PostureReport;
  inodes: Map<string, number>;
  volatile: Set<string>;
} {
  const home = resolve(where.home);
  const project = where.project === undefined || where.project === null ? null : resolve(where.project);
  let homeUid: number | null = null;
  try {
    homeUid = statSync(home).uid;
  } catch {
    homeUid = null;
  }
  const place: ScanPlace = {
    home,
    // the home as the project would read the user's files twice, as two scopes
    project: project === home ? null : project,
    homeUid,
    etc: where.etc === undefined ? '/etc' : where.etc === null ? null : resolve(where.etc),
  };
  const coverage = where.coverage ?? null;
  const inodes = new Map<string, number>();
  const volatile = new Set<string>();
  const agents = (Object.keys(SCANS) as PostureAgent[]).map((agent): AgentPosture => {
    const s = new AgentScan(agent, place);
    SCANS[agent](s);
    for (const [p, ino] of s.inodes) inodes.set(p, ino);
    for (const p of s.volatile) volatile.add(p);
    const present = s.files.some((f) => f.state !== 'missing' && f.role !== 'hook_script');
    const confinedByVigil = confinement(agent, coverage);
    const reasons = present ? [...s.reasons] : [];
    if (present && !confinedByVigil.covered) {
      reasons.push(
        reason(
          'not_confined_by_vigil',
          agent,
          null,
          coverage === null
            ? "vigil's watch rules and units were not looked up"
            : 'no watch rule of the running daemon and no systemd unit runs vigil for it',
        ),
      );
    }
    return { agent, present, score: scoreOf(reasons), reasons, files: s.files, confinedByVigil };
  });
  return {
    report: {
      home,
      project,
      agents,
      worst: Math.max(0, ...agents.map((a) => a.score)),
      at: new Date().toISOString(),
    },
    inodes,
    volatile,
  };
}

export function scanPosture(where: PostureWhere): PostureReport {
  return scanPostureDetailed(where).report;
}
