// The feedback socket's protocol (feedback-server.ts): what an agent's hook or MCP server may ask
// the daemon about its own session, one JSON object per line each way. The caller is who the
// kernel says is at the other end of the socket (SO_PEERCRED), never what it claims.
import { dirname, join } from 'node:path';

import type { ExplainAnswer, ExplainTarget, ProfileSummary } from './agent-feedback.js';
import type { AuditLine } from '../sinks/audit-schema.js';

/** Next to the control socket, in its folder (0711: reachable, not listable); any user may connect. */
export function feedbackSocketPath(controlSocket: string): string {
  return join(dirname(controlSocket), 'feedback.sock');
}

/** `hook`: the agent whose `vigil hook` asks (claude-code, ...): counted in the metrics, nothing else. */
export type FeedbackRequest =
  /** a tool call starts (PreToolUse): its refusals are counted from now */
  | { id: number; op: 'mark'; toolUseId: string; hook?: string }
  /** a tool call ended: the refusals the kernel made during it */
  | { id: number; op: 'toolCall'; toolUseId?: string; hook?: string }
  /** the session's latest refusals */
  | { id: number; op: 'latest'; limit: number }
  /** what the session's profile says about each target */
  | { id: number; op: 'explain'; targets: ExplainTarget[]; hook?: string }
  /** the session's profile in brief */
  | { id: number; op: 'summary' }
  /**
   * the session's feedback stream (session-feedback.ts): after the answer, its latest `replay`
   * violations, then (follow, the default) each new one until `end`, one JSON line each. Root
   * may name another `session`.
   */
  | { id: number; op: 'subscribe'; replay?: number; follow?: boolean; session?: string };

import type { SessionRef } from './agent-feedback.js';

/** `session: null`: the caller is in no session of this daemon. */
export type FeedbackResult =
  | { session: null }
  | (SessionRef & {
      lines?: AuditLine[];
      answers?: ExplainAnswer[];
      summary?: ProfileSummary;
      /** subscribe: the session's feedback file (null: none yet, or no folder for them) */
      file?: string | null;
    });

export type FeedbackResponse =
  { id: number; ok: true; result: FeedbackResult } | { id: number; ok: false; error: string };
