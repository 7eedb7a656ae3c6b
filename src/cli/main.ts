#!/usr/bin/env node
// vigil's command line: dispatches a verb to its module (loaded on demand, so each command
// starts only what it needs) and turns errors into one clear message and an exit code.
import { vigilVersion } from './version.js';

import { EXIT_CODES, UsageError, VigilError } from '../errors.js';

interface Command {
  summary: string;
  run(args: string[]): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  run: {
    summary: 'run a command as a watched agent: vigil run [--profile F] -- CMD',
    run: async (args) => (await import('./run-command.js')).runCommand(args),
  },
  watch: {
    summary: 'watch the host for an agent (--framework NAME | --profile FILE)',
    run: async (args) => (await import('./watch-command.js')).watchCommand(args),
  },
  attach: {
    summary: 'adopt a running process and its descendants: vigil attach --pid N',
    run: async (args) => (await import('./attach-command.js')).attachCommand(args),
  },
  learn: {
    summary: 'run a command in audit mode and write the smallest profile that allows what it did',
    run: async (args) => (await import('./learn-command.js')).learnCommand(args),
  },
  status: {
    summary: "list the daemon's sessions and counters",
    run: async (args) => (await import('./status-command.js')).statusCommand(args),
  },
  profile: {
    summary: 'list, show, validate, explain and import profiles (import --from neurontrace FILE)',
    run: async (args) => (await import('./profile-command.js')).profileCommand(args),
  },
  audit: {
    summary: 'check the hash chain of audit logs: vigil audit verify FILE... (oldest first)',
    run: async (args) => (await import('./audit-command.js')).auditCommand(args),
  },
  demo: {
    summary: 'watch vigil stop a simulated compromised agent (credential theft, shell, exfiltration)',
    run: async (args) => (await import('./demo-command.js')).demoCommand(args),
  },
  hook: {
    summary: "an agent's hook: report the kernel's refusals of a tool call in its own protocol",
    run: async (args) => (await import('./hook-command.js')).hookCommand(args),
  },
  mcp: {
    summary: "MCP server (stdio): read-only tools about the agent's own session's policy and refusals",
    run: async (args) => (await import('./mcp-command.js')).mcpCommand(args),
  },
  feedback: {
    summary: 'the refusals of this session (root: --session ID), with rules and what to do instead; --follow',
    run: async (args) => (await import('./feedback-command.js')).feedbackCommand(args),
  },
  integrate: {
    summary: "install vigil's hook in an agent's settings (claude-code, gemini-cli, codex), or --remove it",
    run: async (args) => (await import('./integrate-command.js')).integrateCommand(args),
  },
  posture: {
    summary: "score each agent's own guard (settings, hooks, MCP servers, sandbox) and vigil's coverage",
    run: async (args) => (await import('./posture-command.js')).postureCommand(args),
  },
  doctor: {
    summary: 'probe this kernel and show which backend enforces each protection',
    run: async (args) => (await import('./doctor-command.js')).doctorCommand(args),
  },
  daemon: {
    summary: 'run the daemon in the foreground (the systemd unit uses this); daemon stop [--unload]',
    run: async (args) => (await import('./daemon-command.js')).daemonCommand(args),
  },
  unload: {
    summary: "remove vigil's pinned hooks and tables from the kernel (ends every session's enforcement)",
    run: async (args) => (await import('./unload-command.js')).unloadCommand(args),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'usage: vigil <command> [options]',
    '',
    'Kernel-enforced runtime security for AI agents.',
    '',
    'commands:',
    ...lines,
    '',
    'Run `vigil <command> --help` for the options of a command.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
    console.log(usage());
    return verb === undefined ? EXIT_CODES.usage : EXIT_CODES.ok;
  }
  if (verb === '--version' || verb === '-V') {
    console.log(`vigil ${vigilVersion()}`);
    return EXIT_CODES.ok;
  }
  const command = COMMANDS[verb];
  if (command === undefined) {
    throw new UsageError(`unknown command '${verb}'`, {
      hint: `commands: ${Object.keys(COMMANDS).join(', ')}`,
    });
  }
  return command.run(rest);
}

function report(err: unknown): number {
  if (err instanceof VigilError) {
    console.error(`vigil: ${err.message}`);
    if (err.hint !== undefined) console.error(`hint: ${err.hint}`);
    if (process.env.VIGIL_DEBUG !== undefined && err.stack !== undefined) console.error(err.stack);
    return err.exitCode;
  }
  console.error('vigil: internal error (please report it):');
  console.error(err);
  return EXIT_CODES.failure;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.exitCode = report(err);
  },
);
