// What `vigil posture` reports: for each agent (Claude Code, Codex, Gemini CLI, Cursor) the files
// that guard it, each reason its guard is weak with the points it adds, the score they sum to,
// and whether vigil itself confines the agent. The daemon's posture_change lines and the UI read
// these types; the rubric behind the points is src/posture/rubric.ts (docs/posture.md).

export type PostureAgent = 'claude-code' | 'codex' | 'gemini-cli' | 'cursor';

/** Where a file sits in its agent's precedence: managed (system-wide) wins over the others. */
export type PostureScope = 'user' | 'project' | 'local' | 'managed';

export interface PostureReason {
  /** a code of the rubric (RUBRIC in rubric.ts) */
  code: string;
  points: number;
  agent: PostureAgent;
  /** the file the reason was found in; null when it comes from no file (vigil's coverage) */
  file: string | null;
  /** what was found, in words */
  detail: string;
  /** the text it was found in (a settings line, a hook command, a script line), when there is one */
  snippet: string | null;
}

export interface PostureFile {
  agent: PostureAgent;
  path: string;
  scope: PostureScope;
  role: 'settings' | 'mcp' | 'hook_script' | 'config';
  state: 'ok' | 'missing' | 'malformed' | 'unreadable';
  /** the parser's error (with line and column) or the reason the file could not be read */
  error: string | null;
  /** the resolved target when the path is a symlink (which is followed) */
  symlink: string | null;
  size: number | null;
  /** BLAKE3 of the content, hex */
  blake3: string | null;
}

export interface AgentPosture {
  agent: PostureAgent;
  /** any file of the agent was found */
  present: boolean;
  /** 0..100, higher = more exposed: min(100, the sum of the reasons' points) */
  score: number;
  reasons: PostureReason[];
  files: PostureFile[];
  confinedByVigil: { covered: boolean; how: string | null };
}

export interface PostureReport {
  home: string;
  project: string | null;
  agents: AgentPosture[];
  /** the highest agent score */
  worst: number;
  /** ISO time of the scan */
  at: string;
}

/** What confines agents on this host: the running daemon's watch rules and systemd units. */
export interface VigilCoverage {
  /** basenames vigil watch covers (claude, gemini, codex ...) */
  watchRules: string[];
  /** units that run `vigil watch` (or `vigil run`), with the frameworks or basenames they cover */
  systemdUnits: { path: string; covers: string[] }[];
}
