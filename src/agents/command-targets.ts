// The obvious targets of a shell command, for a hook's early check (vigil hook --precheck): the
// programs it runs, the absolute and home paths it names (read, or written by a redirection), and
// the hosts of its URLs. A heuristic that reads no more than the words: the kernel decides what
// the command really does, whatever this finds.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import type { ExplainTarget } from '../daemon/agent-feedback.js';

/** Words that run the next word rather than themselves. */
const PREFIXES = new Set(['sudo', 'env', 'time', 'nohup', 'command', 'exec', 'nice', 'timeout', 'xargs']);
const MAX_TARGETS = 32;

/** Words of a command line: quotes removed, operators kept as their own words. */
function words(command: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\|\||&&|>>|[|;&<>()\n])|([^\s'"|;&<>()]+)/g;
  for (const m of command.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3] ?? m[4] ?? '');
  return out;
}

function onPath(name: string, path: string | undefined): string | undefined {
  if (name.includes('/')) return name.startsWith('/') ? name : undefined;
  for (const dir of (path ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    const p = join(dir, name);
    if (dir !== '' && existsSync(p)) return p;
  }
  return undefined;
}

export function commandTargets(
  command: string,
  env: { home?: string | undefined; path?: string | undefined } = {},
): ExplainTarget[] {
  const out: ExplainTarget[] = [];
  const seen = new Set<string>();
  const add = (t: ExplainTarget) => {
    const key = JSON.stringify(t);
    if (!seen.has(key) && out.length < MAX_TARGETS) {
      seen.add(key);
      out.push(t);
    }
  };
  const home = (w: string) => (w.startsWith('~/') && env.home !== undefined ? join(env.home, w.slice(2)) : w);
  let commandStart = true;
  let redirect: 'read' | 'write' | null = null;
  for (const w of words(command)) {
    if (['|', '||', '&&', ';', '&', '\n', '(', ')'].includes(w)) {
      commandStart = true;
      continue;
    }
    if (w === '>' || w === '>>') {
      redirect = 'write';
      continue;
    }
    if (w === '<') {
      redirect = 'read';
      continue;
    }
    if (redirect !== null) {
      const p = home(w);
      if (p.startsWith('/')) add({ kind: 'open', path: p, access: redirect });
      redirect = null;
      continue;
    }
    if (commandStart) {
      if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w) || PREFIXES.has(w)) continue;
      commandStart = false;
      const exe = onPath(home(w), env.path);
      if (exe !== undefined) add({ kind: 'exec', path: exe });
      continue;
    }
    const url = /^(https?):\/\/([a-z0-9.-]+)(?::(\d+))?(?:[/?#]|$)/i.exec(w);
    if (url !== null) {
      add({
        kind: 'host',
        name: (url[2] as string).toLowerCase(),
        port: Number(url[3] ?? (url[1] === 'https' ? 443 : 80)),
      });
      continue;
    }
    const scp = /^[\w.-]+@([a-z0-9.-]+\.[a-z]+):/i.exec(w);
    if (scp !== null) {
      add({ kind: 'host', name: (scp[1] as string).toLowerCase(), port: 22 });
      continue;
    }
    const p = home(w);
    if (p.startsWith('/') && !p.includes('*') && p !== '/') add({ kind: 'open', path: p, access: 'read' });
  }
  return out;
}
