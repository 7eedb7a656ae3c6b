// The reasons an agent's pre-approval list gives (Claude Code's permissions.allow, Gemini CLI's
// tools.allowed): an entry that approves every shell command, or fetching any URL. Each agent
// says how its entries are spelled; the walk and the wording are shared.
import type { AgentScan } from './agent-scan.js';
import { at } from './config-doc.js';
import type { Layer } from './layers.js';
import { reason } from './rubric.js';

export interface AllowSpelling {
  /** the entry approves every shell command */
  allShell: (entry: string) => boolean;
  /** the entry approves fetching any URL */
  anyFetch: (entry: string) => boolean;
}

export function allowListReasons(
  s: AgentScan,
  l: Layer,
  path: readonly string[],
  spelling: AllowSpelling,
): void {
  const list = at(l.doc.value, ...path);
  if (!Array.isArray(list)) return;
  const name = path.join('.');
  list.forEach((entry: unknown, i) => {
    if (typeof entry !== 'string') return;
    const code = spelling.allShell(entry)
      ? 'allow_all_shell'
      : spelling.anyFetch(entry)
        ? 'allow_unrestricted_fetch'
        : null;
    if (code === null) return;
    s.add(
      reason(code, s.agent, l.file, `${name} has "${entry}" (${l.scope} scope)`, l.doc.line([...path, i])),
    );
  });
}
