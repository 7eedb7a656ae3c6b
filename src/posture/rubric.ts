// The rubric: every reason `vigil posture` can give, its points and the factor it belongs to,
// declared once. An agent's score is min(100, the sum of its reasons' points); docs/posture.md
// shows this table (a unit test checks the two agree).
import type { PostureAgent, PostureReason } from './types.js';

export type PostureFactor =
  'sandbox' | 'permissions' | 'hook_content' | 'matcher' | 'provenance' | 'mcp' | 'vigil';

export interface RubricEntry {
  points: number;
  factor: PostureFactor;
  /** what the reason means, for the docs and the text output */
  summary: string;
}

export const RUBRIC = {
  // the sandbox boundary and the approvals
  bypass_permissions: {
    points: 40,
    factor: 'sandbox',
    summary: 'every tool call runs without asking (Claude Code defaultMode bypassPermissions)',
  },
  approval_never: {
    points: 25,
    factor: 'sandbox',
    summary: 'Codex never asks for approval (approval_policy = "never")',
  },
  no_sandbox: {
    points: 20,
    factor: 'sandbox',
    summary:
      "the agent's commands run without an OS sandbox (Claude Code sandbox off, Codex danger-full-access, Gemini CLI no tools.sandbox)",
  },
  auto_mode: {
    points: 10,
    factor: 'sandbox',
    summary: 'a model classifier approves tool calls (Claude Code defaultMode auto)',
  },
  bypass_prompt_skipped: {
    points: 10,
    factor: 'sandbox',
    summary: 'the warning before bypass mode is switched off (skipDangerousModePermissionPrompt)',
  },
  folder_trust_disabled: {
    points: 10,
    factor: 'sandbox',
    summary: "Gemini CLI's folder trust is off: any folder's settings, hooks and MCP servers load",
  },
  sandbox_workspace_write: {
    points: 5,
    factor: 'sandbox',
    summary: 'the sandbox lets commands write the workspace (Codex workspace-write)',
  },
  sandbox_network_open: {
    points: 5,
    factor: 'sandbox',
    summary: 'the sandbox lets commands reach the network',
  },
  auto_approve_edits: {
    points: 5,
    factor: 'sandbox',
    summary: 'file edits are approved without asking (acceptEdits, auto_edit)',
  },
  hooks_disabled: {
    points: 5,
    factor: 'sandbox',
    summary: "every hook is switched off, vigil's included (disableAllHooks, hooksConfig.enabled false)",
  },
  // permission allow-lists
  allow_all_shell: {
    points: 20,
    factor: 'permissions',
    summary: 'every shell command is pre-approved (Bash, Bash(*), run_shell_command)',
  },
  allow_unrestricted_fetch: {
    points: 5,
    factor: 'permissions',
    summary: 'fetching any URL is pre-approved (WebFetch, web_fetch without a domain)',
  },
  // hook content
  destructive_in_hook: {
    points: 25,
    factor: 'hook_content',
    summary:
      'a hook command or script runs rm -rf, pipes a download to a shell, chmod 777, wipes a disk or sends data out',
  },
  hook_auto_approves: {
    points: 25,
    factor: 'hook_content',
    summary: 'a pre-tool hook answers "allow" and never blocks: it approves every call it matches',
  },
  hook_always_allows: {
    points: 15,
    factor: 'hook_content',
    summary: 'a pre-tool hook does nothing but exit 0 (or true): a gate that never closes',
  },
  hook_sends_remote: {
    points: 10,
    factor: 'hook_content',
    summary: "an HTTP hook sends each call's input to a URL",
  },
  hook_script_missing: {
    points: 5,
    factor: 'hook_content',
    summary: 'a hook runs a script that is not there (the hook fails, and the call goes on)',
  },
  // matcher scope
  broad_matcher: {
    points: 5,
    factor: 'matcher',
    summary: 'a hook other than vigil\'s runs on every tool call (matcher "*", ".*" or empty)',
  },
  // provenance
  world_writable_script: {
    points: 20,
    factor: 'provenance',
    summary: 'a hook or MCP script any user may change',
  },
  foreign_owned_script: {
    points: 15,
    factor: 'provenance',
    summary: 'a hook or MCP script owned by another user (not the home owner, not root)',
  },
  command_outside_home: {
    points: 10,
    factor: 'provenance',
    summary: 'a hook or MCP command outside the home, the project and the system folders (e.g. /tmp)',
  },
  relative_command_path: {
    points: 10,
    factor: 'provenance',
    summary: 'a hook or MCP command named by a relative path: what runs depends on the folder',
  },
  // MCP servers
  mcp_server_http: {
    points: 15,
    factor: 'mcp',
    summary: 'an MCP server reached over plain http on another host',
  },
  mcp_server_unpinned: {
    points: 10,
    factor: 'mcp',
    summary: 'an MCP server fetched at start without a version (npx -y pkg, uvx pkg, @latest)',
  },
  mcp_inline_secret: {
    points: 10,
    factor: 'mcp',
    summary: 'a credential written into the file (env, headers or bearer token of an MCP server)',
  },
  mcp_server_trusted: {
    points: 10,
    factor: 'mcp',
    summary: "an MCP server's tool calls run without confirmation (Gemini CLI trust: true)",
  },
  mcp_project_auto_approved: {
    points: 10,
    factor: 'mcp',
    summary: "every project's .mcp.json server is approved (enableAllProjectMcpServers)",
  },
  // vigil
  not_confined_by_vigil: {
    points: 15,
    factor: 'vigil',
    summary: 'no vigil watch rule or systemd unit covers the agent',
  },
} as const satisfies Record<string, RubricEntry>;

export type ReasonCode = keyof typeof RUBRIC;

/** A reason with the rubric's points for its code. */
export function reason(
  code: ReasonCode,
  agent: PostureAgent,
  file: string | null,
  detail: string,
  snippet: string | null = null,
): PostureReason {
  return {
    code,
    points: RUBRIC[code].points,
    agent,
    file,
    detail,
    snippet: snippet === null ? null : clip(snippet),
  };
}

/** A snippet kept to one readable line. */
export function clip(text: string, max = 200): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** min(100, the sum of the points). */
export function scoreOf(reasons: readonly PostureReason[]): number {
  return Math.min(
    100,
    reasons.reduce((sum, r) => sum + r.points, 0),
  );
}
