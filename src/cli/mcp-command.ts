// `vigil mcp`: vigil's MCP server on stdio (agents/mcp-server.ts), for an agent to ask about its
// own session's policy and refusals. Configure it in the agent as a stdio server:
// `{"command": "vigil", "args": ["mcp"]}`.
import { vigilVersion } from './version.js';

import { serveMcp } from '../agents/mcp-server.js';
import { defaultSocketPath } from '../daemon/control-client.js';
import { feedbackSocketPath } from '../daemon/feedback-protocol.js';
import { EXIT_CODES } from '../errors.js';
import { parseVerbArgs } from './args.js';

const USAGE = `usage: vigil mcp [--socket PATH]

Serves the Model Context Protocol on stdin/stdout: read-only tools explain, recent_denials and
profile_summary about the session of the agent that started it (docs/agent-hooks.md).

options:
  --socket PATH  the daemon's control socket (default: $VIGIL_SOCKET or /run/vigil/vigil.sock)
  -h, --help     this help`;

export async function mcpCommand(args: string[]): Promise<number> {
  const { values } = parseVerbArgs('mcp', args, {
    socket: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    console.log(USAGE);
    return EXIT_CODES.ok;
  }
  await serveMcp(feedbackSocketPath(values.socket ?? defaultSocketPath()), vigilVersion());
  return EXIT_CODES.ok;
}
