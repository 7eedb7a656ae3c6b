// Codex's hook protocol, as vigil answers it (developers.openai.com/codex/hooks; the schemas
// codex-rs/hooks/schema/generated/{pre,post}-tool-use.command.{input,output}.schema.json): the
// Claude Code shape, with tool_use_id on both PreToolUse and PostToolUse. Differences that
// matter here: shell calls arrive as tool_name `Bash` (older releases) or as the tool's own name
// (`exec_command`, `shell_command`, `local_shell`, `shell`), with `tool_input.command`; a failed
// tool call runs no PostToolUse (there is no PostToolUseFailure); and a PostToolUse
// `decision: "block"` replaces the tool's output with the reason, so vigil only adds its text
// as `hookSpecificOutput.additionalContext` and the model keeps the real output. The output
// objects allow no other fields (additionalProperties: false).
import { parseToolUseInput, preToolDeny } from './claude-hook.js';
import { contextOutput, type HookProtocol } from './hook-protocol.js';

const SHELL_TOOLS = ['Bash', 'exec_command', 'shell_command', 'local_shell', 'shell'];

export const codexHook: HookProtocol = {
  parse: (text) => parseToolUseInput(text, { before: ['PreToolUse'], after: ['PostToolUse'] }, SHELL_TOOLS),
  deny: preToolDeny,
  report: (call, text) => contextOutput(call.event, text),
};
