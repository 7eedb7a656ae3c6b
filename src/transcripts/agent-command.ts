// Which agent CLI an exec starts, from its argv alone: the command itself (`claude`, `codex`,
// `gemini`), the npm packages' own files run by a JavaScript runtime (`node .../gemini-cli/...`,
// Gemini CLI's relaunch of itself with a larger heap), their native binaries (Claude Code's
// `bin/claude.exe`, Codex's `vendor/<triple>/bin/codex`) and package runners (`npx @openai/codex`).
import type { TranscriptAgent } from './types.js';

const PACKAGES: readonly (readonly [string, TranscriptAgent])[] = [
  ['@anthropic-ai/claude-code', 'claude-code'],
  ['@openai/codex', 'codex'],
  ['@google/gemini-cli', 'gemini-cli'],
];

const COMMANDS: Readonly<Record<string, TranscriptAgent>> = {
  claude: 'claude-code',
  'claude.exe': 'claude-code',
  codex: 'codex',
  gemini: 'gemini-cli',
};

const RUNTIMES = new Set(['node', 'nodejs', 'bun', 'deno', 'tsx']);
const RUNNERS = new Set(['npx', 'bunx', 'pnpx']);

function basename(p: string): string {
  const i = p.lastIndexOf('/');
  return i === -1 ? p : p.slice(i + 1);
}

/** An agent named by a path: its command's name, or a file inside one of its npm packages. */
function agentOfPath(p: string): TranscriptAgent | null {
  const byName = COMMANDS[basename(p)];
  if (byName !== undefined) return byName;
  for (const [pkg, agent] of PACKAGES) {
    // the package and its per-platform ones (@anthropic-ai/claude-code-linux-x64, @openai/codex-linux-x64)
    if (p.includes(`/${pkg}/`) || p.includes(`/${pkg}-`)) return agent;
  }
  return null;
}

/** An agent named by a package spec (`@openai/codex`, `@google/gemini-cli@0.61.0`). */
function agentOfPackage(spec: string): TranscriptAgent | null {
  for (const [pkg, agent] of PACKAGES) if (spec === pkg || spec.startsWith(`${pkg}@`)) return agent;
  return null;
}

/** The agent an exec's argv starts, or null. */
export function agentOfCommand(argv: readonly string[]): TranscriptAgent | null {
  const first = argv[0];
  if (first === undefined) return null;
  const name = basename(first);
  if (RUNTIMES.has(name) || RUNNERS.has(name)) {
    // the first operand: the script a runtime runs, the package a runner fetches
    const operand = argv.slice(1).find((a) => !a.startsWith('-'));
    if (operand === undefined) return null;
    return RUNNERS.has(name) ? (agentOfPackage(operand) ?? agentOfPath(operand)) : agentOfPath(operand);
  }
  return agentOfPath(first);
}
