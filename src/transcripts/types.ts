// What vigil reads out of an agent's own session log, the same for every agent: the user's turns,
// the tool calls (what the agent says it ran, read, wrote or fetched, and what came back), and the
// texts of the conversation for the secret detector. The log is the agent's word; the kernel
// events these calls are linked to (tool-call-linker.ts) are the kernel's.

export type TranscriptAgent = 'claude-code' | 'codex' | 'gemini-cli';

export type ToolKind = 'shell' | 'file_read' | 'file_write' | 'web_fetch' | 'other';

export interface ToolCall {
  /** the agent's own id for the call (Codex's nested calls: `<call_id>#2`, ...) */
  id: string;
  /** the tool's name as the agent logs it (Bash, exec_command, run_shell_command, Read, ...) */
  name: string;
  kind: ToolKind;
  /** the Turn.index the call belongs to; 0 before the log's first user prompt */
  turn: number;
  /** ms since the epoch, from the log's own timestamps */
  startedAt: number;
  /** when its result was logged; null while it runs (or when it never ended) */
  endedAt: number | null;
  /** the shell command line, for shell calls */
  command: string | null;
  /** files a file tool names, absolute (relative ones resolved against the log's cwd) */
  paths: string[];
  url: string | null;
  /** the tool failed (a non-zero exit, an error result, a cancelled call); null when unknown */
  isError: boolean | null;
  /** the result text, for secret scanning only */
  output: string | null;
}

export interface Turn {
  /** 1, 2, ... in the order the prompts were logged */
  index: number;
  at: number;
  prompt: string | null;
}

export interface TranscriptText {
  at: number;
  role: 'user' | 'assistant' | 'tool';
  text: string;
}

export interface TranscriptUpdate {
  turns: Turn[];
  /** calls seen for the first time */
  started: ToolCall[];
  /** calls whose result arrived, with endedAt, isError and output set */
  finished: ToolCall[];
  /** prompts, answers, tool inputs that carry text (a file's new content) and tool results */
  texts: TranscriptText[];
}

/**
 * A kernel event as the linker needs it. `ancestors`: the pids above the event's process up to,
 * not including, the agent's own pid (a list that starts with `pid` itself is read the same way).
 */
export interface KernelEventRef {
  pid: number;
  ancestors: number[];
  /** ms since the epoch */
  at: number;
  kind: 'exec' | 'file_open' | 'net_connect' | 'other';
  argv: string[] | null;
  path: string | null;
  host: string | null;
}
