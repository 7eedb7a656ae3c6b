// vigil's MCP server (vigil mcp): the Model Context Protocol over stdio, with the official SDK.
// Three read-only tools about the caller's own session, answered by the daemon's feedback socket
// (the session is that of this server's process, which the agent started): explain (would this
// path, program, host or shell command be allowed, and by which rule), recent_denials and
// profile_summary. Nothing here can change policy.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

import type { ExplainTarget } from '../daemon/agent-feedback.js';
import { askFeedback } from '../daemon/feedback-client.js';
import type { FeedbackResult } from '../daemon/feedback-protocol.js';
import { commandTargets } from './command-targets.js';

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };

type ToolResult = { content: { type: 'text'; text: string }[]; isError?: boolean };

function text(value: unknown, isError = false): ToolResult {
  return {
    content: [{ type: 'text', text: typeof value === 'string' ? value : JSON.stringify(value, null, 2) }],
    ...(isError ? { isError } : {}),
  };
}

const NO_SESSION =
  "this MCP server's process is in no vigil session: start the agent under `vigil run` (or watch/attach it) for answers about its policy";

export function buildMcpServer(socket: string, version: string): McpServer {
  const server = new McpServer({ name: 'vigil', version });
  const ask = async (
    q: Parameters<typeof askFeedback>[1],
    pick: (r: Exclude<FeedbackResult, { session: null }>) => unknown,
  ) => {
    try {
      const r = await askFeedback(socket, q);
      return r.session === null ? text(NO_SESSION, true) : text(pick(r));
    } catch (err) {
      return text(err instanceof Error ? err.message : String(err), true);
    }
  };

  server.registerTool(
    'explain',
    {
      title: 'Would vigil allow it?',
      description:
        "What the session's vigil profile says about a file path (read or write), a program, a host name (and port), or the obvious targets of a shell command, with the deciding rule. The kernel decides when it happens; this only explains the profile.",
      inputSchema: {
        path: z.string().optional().describe('an absolute file path'),
        access: z.enum(['read', 'write', 'read-write']).optional().describe('for path; default read'),
        program: z.string().optional().describe('an absolute path of a program to run'),
        host: z.string().optional().describe('a host name to connect to'),
        port: z.number().int().min(1).max(65535).optional().describe('for host; default 443'),
        command: z.string().optional().describe('a shell command line: its programs, paths and URL hosts'),
      },
      annotations: READ_ONLY,
    },
    async (a) => {
      const targets: ExplainTarget[] = [];
      if (a.path !== undefined) targets.push({ kind: 'open', path: a.path, access: a.access ?? 'read' });
      if (a.program !== undefined) targets.push({ kind: 'exec', path: a.program });
      if (a.host !== undefined) targets.push({ kind: 'host', name: a.host, port: a.port ?? 443 });
      if (a.command !== undefined)
        targets.push(...commandTargets(a.command, { home: process.env.HOME, path: process.env.PATH }));
      if (targets.length === 0) return text('give a path, program, host or command to explain', true);
      return ask({ op: 'explain', targets }, (r) => ({ profile: r.profile, answers: r.answers }));
    },
  );

  server.registerTool(
    'recent_denials',
    {
      title: "This session's refusals",
      description:
        "The latest actions vigil refused (BLOCK), killed (KILL) or recorded as would-be refusals (AUDIT) in this agent's session, newest last, each with its rule and reason.",
      inputSchema: { limit: z.number().int().min(1).max(256).optional().describe('default 20') },
      annotations: READ_ONLY,
    },
    async (a) =>
      ask({ op: 'latest', limit: a.limit ?? 20 }, (r) => ({
        session: r.session,
        profile: r.profile,
        denials: (r.lines ?? []).map((l) => ({
          ts: l.ts,
          action: l.action,
          event: l.event,
          rule: l.rule,
          reason: l.reason,
        })),
      })),
  );

  server.registerTool(
    'profile_summary',
    {
      title: "This session's vigil profile",
      description:
        'The vigil profile this agent runs under, in brief: defaults, denied paths and commands, allowed networks and hosts.',
      annotations: READ_ONLY,
    },
    async () => ask({ op: 'summary' }, (r) => ({ session: r.session, ...r.summary })),
  );
  return server;
}

/** Serves on stdin/stdout until the client closes it. */
export async function serveMcp(socket: string, version: string): Promise<void> {
  const server = buildMcpServer(socket, version);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => {
      resolve();
    };
  });
  await server.connect(transport);
  await closed;
}
