// Cursor (docs.cursor.com/context/model-context-protocol): MCP servers in ~/.cursor/mcp.json
// (user) and a project's .cursor/mcp.json (project), `mcpServers` with command/args/env or
// url/headers, the shape Claude Code uses.
import { join } from 'node:path';

import type { AgentScan } from './agent-scan.js';
import { mcpReasons, mcpServers } from './mcp.js';

export function scanCursor(s: AgentScan): void {
  const { home, project } = s.place;
  const files: { file: string; scope: 'user' | 'project' }[] = [
    { file: join(home, '.cursor', 'mcp.json'), scope: 'user' },
  ];
  if (project !== null) files.push({ file: join(project, '.cursor', 'mcp.json'), scope: 'project' });
  for (const { file, scope } of files) {
    const doc = s.doc(file, scope, 'mcp');
    if (doc === null) continue;
    for (const server of mcpServers(doc.value.mcpServers, ['mcpServers']))
      s.add(...mcpReasons(s.agent, file, doc, server, s.place));
  }
}
