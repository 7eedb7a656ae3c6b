// Where an agent wrote the log of one run, from the user's home, the run's working directory and
// its start time (checked against Claude Code 2.1.332, Codex 0.171.0, Gemini CLI 0.61.0):
//  - Claude Code: <CLAUDE_CONFIG_DIR or ~/.claude>/projects/<cwd, every character but [A-Za-z0-9]
//    made "-"; past 200 characters cut there and "-<hash, base 36>" added>/<session id>.jsonl;
//  - Codex: <CODEX_HOME or ~/.codex>/sessions/YYYY/MM/DD/rollout-<local time>-<id>.jsonl, whose
//    first line (session_meta) names the cwd;
//  - Gemini CLI: <GEMINI_CLI_HOME or ~>/.gemini/tmp/<project>/chats/session-<time>-<id8>.jsonl
//    (older: .json), <project> being the slug projects.json maps the cwd to (each project folder's
//    .project_root names its cwd; before slugs it was the SHA-256 of the cwd).
// The log is the one written since the run started (its mtime). Several such logs (two runs in
// one folder at once) are not guessed between: not found, saying which.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { isObject, msOf } from './log-state.js';
import type { TranscriptAgent } from './types.js';

export interface TranscriptWhere {
  /** the home of the agent's user (HOME of its environment) */
  home: string;
  /** the agent's working directory */
  cwd: string;
  /** when the agent started, ms since the epoch */
  startedAt: number;
  /** the agent's environment, for CLAUDE_CONFIG_DIR, CODEX_HOME and GEMINI_CLI_HOME */
  env?: Readonly<Record<string, string | undefined>>;
}

export type TranscriptFound = { found: true; path: string } | { found: false; reason: string };

/** A log modified this long before the start still counts (clocks, mtime granularity). */
const SLACK_MS = 2_000;
/** How much of a log's start is read for its first record. */
const HEAD_MAX = 1 << 20;

interface Candidate {
  path: string;
  mtimeMs: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function isDir(p: string): boolean {
  return statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

/** The cwd as given and as its real path (an agent may log either). */
function cwdForms(cwd: string): string[] {
  try {
    const real = realpathSync(cwd);
    return real === cwd ? [cwd] : [cwd, real];
  } catch {
    return [cwd];
  }
}

/** Files in `dir` (not below) whose name passes `keep`, with their mtimes. */
function filesIn(dir: string, keep: (name: string) => boolean): Candidate[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: Candidate[] = [];
  for (const name of names) {
    if (!keep(name)) continue;
    const st = statSync(join(dir, name), { throwIfNoEntry: false });
    if (st?.isFile() === true) out.push({ path: join(dir, name), mtimeMs: st.mtimeMs });
  }
  return out;
}

/** The first line of a file (up to HEAD_MAX bytes), whole or not. */
function head(path: string): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buf = Buffer.alloc(HEAD_MAX);
    const n = readSync(fd, buf, 0, HEAD_MAX, 0);
    const text = buf.subarray(0, n).toString('utf8');
    const nl = text.indexOf('\n');
    return nl === -1 ? text : text.slice(0, nl);
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A string field of the first line: parsed when the line is whole, else found in its text. */
function headField(
  path: string,
  pick: (record: Record<string, unknown>) => unknown,
  key: string,
): string | null {
  const line = head(path);
  try {
    const v = pick(JSON.parse(line) as Record<string, unknown>);
    return typeof v === 'string' ? v : null;
  } catch {
    const m = new RegExp(`"${key}"\\s*:\\s*("(?:[^"\\\\]|\\\\.)*")`).exec(line);
    if (m === null) return null;
    try {
      return JSON.parse(m[1] ?? '""') as string;
    } catch {
      return null;
    }
  }
}

/** Exactly one candidate is the log; several are narrowed by the time their log says it began. */
function choose(
  candidates: Candidate[],
  startedAt: number,
  beganAt: (c: Candidate) => number | null,
  where: string,
): TranscriptFound {
  let list = candidates;
  if (list.length > 1) {
    const began = list.filter((c) => (beganAt(c) ?? startedAt) >= startedAt - SLACK_MS);
    if (began.length > 0) list = began;
  }
  const [only] = list;
  if (only !== undefined && list.length === 1) return { found: true, path: only.path };
  if (only === undefined)
    return { found: false, reason: `no session log in ${where} written since ${iso(startedAt)}` };
  return {
    found: false,
    reason: `several session logs in ${where} written since ${iso(startedAt)}, not guessed between: ${list
      .map((c) => c.path)
      .join(', ')}`,
  };
}

function recent(candidates: Candidate[], startedAt: number): Candidate[] {
  return candidates.filter((c) => c.mtimeMs >= startedAt - SLACK_MS);
}

// ---------------------------------------------------------------------------------------------
// Claude Code

/** Claude Code's 32-bit string hash (Java's), for project folder names past 200 characters. */
function claudeHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = ((h << 5) - h + s.charCodeAt(i)) | 0;
  return h;
}

/** The folder name Claude Code gives a cwd under projects/. */
export function claudeProjectDir(cwd: string): string {
  const name = cwd.replace(/[^a-zA-Z0-9]/g, '-');
  return name.length <= 200 ? name : `${name.slice(0, 200)}-${Math.abs(claudeHash(cwd)).toString(36)}`;
}

function findClaudeCode(w: TranscriptWhere): TranscriptFound {
  const base = w.env?.CLAUDE_CONFIG_DIR ?? join(w.home, '.claude');
  const projects = join(base, 'projects');
  if (!isDir(projects))
    return { found: false, reason: `no ${projects}: Claude Code logged no session for this home` };
  const dirs = cwdForms(w.cwd).map((c) => join(projects, claudeProjectDir(c)));
  const dir = dirs.find(isDir);
  if (dir === undefined) {
    return {
      found: false,
      reason: `no project folder for ${w.cwd} in ${projects} (looked for ${dirs.join(', ')})`,
    };
  }
  const all = filesIn(dir, (n) => n.endsWith('.jsonl'));
  const logs = recent(all, w.startedAt);
  if (logs.length === 0 && all.length > 0) {
    return {
      found: false,
      reason: `no session log in ${dir} written since ${iso(w.startedAt)} (${String(all.length)} older)`,
    };
  }
  const began = (c: Candidate): number | null => msOf(headField(c.path, (r) => r.timestamp, 'timestamp'));
  return choose(logs, w.startedAt, began, dir);
}

// ---------------------------------------------------------------------------------------------
// Codex

/** YYYY/MM/DD of a time, in local time and in UTC (Codex names its folders by local time). */
function dayFolders(ms: number): string[] {
  const d = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const local = `${String(d.getFullYear())}/${pad(d.getMonth() + 1)}/${pad(d.getDate())}`;
  const utc = `${String(d.getUTCFullYear())}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}`;
  return local === utc ? [local] : [local, utc];
}

function findCodex(w: TranscriptWhere): TranscriptFound {
  const base = w.env?.CODEX_HOME ?? join(w.home, '.codex');
  const sessions = join(base, 'sessions');
  if (!isDir(sessions))
    return { found: false, reason: `no ${sessions}: Codex logged no session for this home` };
  const days = new Set<string>();
  for (const t of [w.startedAt - 86_400_000, w.startedAt, Date.now()])
    for (const f of dayFolders(t)) days.add(f);
  const folders = [...days].map((d) => join(sessions, d)).filter(isDir);
  const all = folders.flatMap((f) => filesIn(f, (n) => n.startsWith('rollout-') && n.endsWith('.jsonl')));
  const logs = recent(all, w.startedAt);
  const where = folders.length === 0 ? join(sessions, [...days][0] ?? '') : folders.join(', ');
  if (logs.length === 0) {
    const older = all.length > 0 ? ` (${String(all.length)} older)` : '';
    return { found: false, reason: `no rollout log in ${where} written since ${iso(w.startedAt)}${older}` };
  }
  const forms = cwdForms(w.cwd);
  const cwdOf = (c: Candidate): string | null =>
    headField(c.path, (r) => (isObject(r.payload) ? r.payload.cwd : undefined), 'cwd');
  const mine = logs.filter((c) => {
    const cwd = cwdOf(c);
    return cwd !== null && forms.includes(cwd);
  });
  if (mine.length === 0) {
    const theirs = logs.map((c) => `${c.path} (${cwdOf(c) ?? 'cwd not logged yet'})`).join(', ');
    return {
      found: false,
      reason: `${String(logs.length)} rollout log(s) written since ${iso(w.startedAt)}, none for ${w.cwd}: ${theirs}`,
    };
  }
  const began = (c: Candidate): number | null =>
    msOf(headField(c.path, (r) => (isObject(r.payload) ? r.payload.timestamp : undefined), 'timestamp'));
  return choose(mine, w.startedAt, began, where);
}

// ---------------------------------------------------------------------------------------------
// Gemini CLI

/** The project folder name Gemini CLI uses for a cwd, or null with what was looked at. */
function geminiProject(gemini: string, cwd: string): { slug: string } | { why: string } {
  const forms = cwdForms(cwd);
  const tmp = join(gemini, 'tmp');
  let listed: string[] = [];
  try {
    const registry: unknown = JSON.parse(readFileSync(join(gemini, 'projects.json'), 'utf8'));
    const projects = isObject(registry) && isObject(registry.projects) ? registry.projects : {};
    listed = Object.keys(projects);
    for (const f of forms) {
      const slug = projects[f];
      if (typeof slug === 'string' && isDir(join(tmp, slug))) return { slug };
    }
  } catch {
    // no registry: the folders' own markers say
  }
  let names: string[] = [];
  try {
    names = readdirSync(tmp);
  } catch {
    return { why: `no ${tmp}: Gemini CLI logged no session for this home` };
  }
  for (const name of names) {
    try {
      if (forms.includes(readFileSync(join(tmp, name, '.project_root'), 'utf8').trim()))
        return { slug: name };
    } catch {
      // no marker
    }
  }
  for (const f of forms) {
    const hash = createHash('sha256').update(f).digest('hex');
    if (isDir(join(tmp, hash))) return { slug: hash };
  }
  const known = listed.length === 0 ? 'none' : listed.join(', ');
  return { why: `no project folder for ${cwd} in ${tmp} (projects.json knows: ${known})` };
}

function findGeminiCli(w: TranscriptWhere): TranscriptFound {
  const gemini = join(w.env?.GEMINI_CLI_HOME ?? w.home, '.gemini');
  if (!isDir(gemini))
    return { found: false, reason: `no ${gemini}: Gemini CLI logged no session for this home` };
  const project = geminiProject(gemini, w.cwd);
  if ('why' in project) return { found: false, reason: project.why };
  const chats = join(gemini, 'tmp', project.slug, 'chats');
  if (!isDir(chats)) return { found: false, reason: `no ${chats}: no session logged for ${w.cwd} yet` };
  const all = filesIn(
    chats,
    (n) => n.startsWith('session-') && (n.endsWith('.jsonl') || n.endsWith('.json')),
  );
  // a .json log converted to .jsonl (on resume) is the .jsonl from then on
  const current = all.filter((c) => !(c.path.endsWith('.json') && all.some((o) => o.path === `${c.path}l`)));
  const logs = recent(current, w.startedAt);
  if (logs.length === 0 && current.length > 0) {
    return {
      found: false,
      reason: `no session log in ${chats} written since ${iso(w.startedAt)} (${String(current.length)} older)`,
    };
  }
  const began = (c: Candidate): number | null => msOf(headField(c.path, (r) => r.startTime, 'startTime'));
  return choose(logs, w.startedAt, began, chats);
}

/** Where the agent's log of this run is; found=false says why not (yet). */
export function findTranscript(agent: TranscriptAgent, where: TranscriptWhere): TranscriptFound {
  switch (agent) {
    case 'claude-code':
      return findClaudeCode(where);
    case 'codex':
      return findCodex(where);
    case 'gemini-cli':
      return findGeminiCli(where);
  }
}
