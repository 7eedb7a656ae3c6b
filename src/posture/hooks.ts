// The hooks of Claude Code, Codex and Gemini CLI share one shape: "hooks" -> event -> matcher
// groups -> handlers ({type: "command", command} or Claude Code's {type: "http", url}). Each
// handler is judged by its content (the command, and the script it runs, read as a file of the
// posture), its matcher and its script's provenance. vigil's own hook is a good sign: it is
// recognised and left out.
import { at, isObject, type ConfigDoc } from './config-doc.js';
import { provenanceReasons, resolveScript, scriptOfCommand, type CommandContext } from './commands.js';
import { alwaysSucceeds, approvesEverything, destructiveFindings } from './hook-content.js';
import type { ReadFile } from './posture-file.js';
import { reason } from './rubric.js';
import type { PostureAgent, PostureReason, PostureScope } from './types.js';

/** Where an agent's hooks differ: which events run before a tool (gates) or on every tool. */
export interface HookEvents {
  /** events whose hook can stop or approve the call (PreToolUse, BeforeTool, PermissionRequest) */
  gates: readonly string[];
  /** events where a matcher selects tools */
  tools: readonly string[];
}

interface Handler {
  event: string;
  group: number;
  index: number;
  matcher: string | null;
  type: string;
  command: string | null;
  url: string | null;
}

/**
 * vigil's own hook command (`vigil hook claude-code`, `.../main.js hook gemini-cli`): the same
 * test as isVigilHookCommand in src/agents/hook-settings.ts, which this folder may not import (a
 * unit test checks the two agree).
 */
export function isVigilHook(command: string): boolean {
  return / hook (claude-code|codex|gemini-cli)(\s|$)/.test(command) && /vigil|main\.js/.test(command);
}

function handlers(hooks: unknown): Handler[] {
  if (!isObject(hooks)) return [];
  const out: Handler[] = [];
  for (const [event, groups] of Object.entries(hooks)) {
    if (!Array.isArray(groups)) continue;
    groups.forEach((g: unknown, group) => {
      if (!isObject(g) || !Array.isArray(g.hooks)) return;
      const matcher = typeof g.matcher === 'string' ? g.matcher : null;
      g.hooks.forEach((h: unknown, index) => {
        if (!isObject(h)) return;
        out.push({
          event,
          group,
          index,
          matcher,
          type: typeof h.type === 'string' ? h.type : 'command',
          command: typeof h.command === 'string' ? h.command : null,
          url: typeof h.url === 'string' ? h.url : null,
        });
      });
    });
  }
  return out;
}

function broad(matcher: string | null): boolean {
  return matcher === null || ['', '*', '.*', '.+', '^.*$'].includes(matcher.trim());
}

export interface HookScan {
  agent: PostureAgent;
  /** the settings file the hooks are in */
  file: string;
  scope: PostureScope;
  doc: ConfigDoc;
  /** where "hooks" is in the document (["hooks"]) */
  path: readonly string[];
  events: HookEvents;
  ctx: CommandContext;
  /** reads a hook script as a file of the posture (once per path) */
  readScript(path: string, scope: PostureScope): ReadFile;
}

/** The reasons of every hook in the document, and the scripts they run were read. */
export function hookReasons(s: HookScan): PostureReason[] {
  const out: PostureReason[] = [];
  const all = handlers(at(s.doc.value, ...s.path));
  const broadGroups = new Set<string>();
  for (const h of all) {
    const where = [...s.path, h.event, h.group, 'hooks', h.index];
    const snippet = s.doc.line([...where, h.command === null ? 'url' : 'command']);
    const what = `the ${h.event} hook`;
    if (h.command !== null && isVigilHook(h.command)) continue;
    if (s.events.tools.includes(h.event) && broad(h.matcher) && !broadGroups.has(`${h.event}/${h.group}`)) {
      broadGroups.add(`${h.event}/${h.group}`);
      out.push(
        reason(
          'broad_matcher',
          s.agent,
          s.file,
          `${what} group ${h.group + 1} runs on every tool call (matcher ${h.matcher === null ? 'missing' : JSON.stringify(h.matcher)})`,
          s.doc.line([...s.path, h.event, h.group, 'matcher']) ?? snippet,
        ),
      );
    }
    if (h.type === 'http' && h.url !== null) {
      out.push(reason('hook_sends_remote', s.agent, s.file, `${what} posts each call to ${h.url}`, snippet));
      continue;
    }
    if (h.command === null) continue;
    for (const f of destructiveFindings(h.command)) {
      out.push(reason('destructive_in_hook', s.agent, s.file, `${what} command: ${f.kind}`, f.line));
    }
    const gate = s.events.gates.includes(h.event);
    const script = scriptOfCommand(h.command, s.ctx);
    if (script === null) {
      if (gate && alwaysSucceeds(h.command))
        out.push(reason('hook_always_allows', s.agent, s.file, `${what} command only succeeds`, snippet));
      else if (gate && approvesEverything(h.command))
        out.push(reason('hook_auto_approves', s.agent, s.file, `${what} command answers allow`, snippet));
      continue;
    }
    const path = resolveScript(script, s.ctx);
    const read = s.readScript(path, s.scope);
    out.push(...provenanceReasons(s.agent, s.file, script, what, snippet, s.ctx, read.stat));
    if (read.file.state === 'missing') {
      out.push(
        reason('hook_script_missing', s.agent, s.file, `${what} runs ${path}, which is not there`, snippet),
      );
      continue;
    }
    if (read.text === null) continue;
    for (const f of destructiveFindings(read.text)) {
      out.push(reason('destructive_in_hook', s.agent, path, `${what} script: ${f.kind}`, f.line));
    }
    if (gate && alwaysSucceeds(read.text))
      out.push(
        reason('hook_always_allows', s.agent, path, `${what} script only exits 0`, firstCode(read.text)),
      );
    else if (gate && approvesEverything(read.text))
      out.push(
        reason(
          'hook_auto_approves',
          s.agent,
          path,
          `${what} script answers allow and never blocks`,
          allowLine(read.text),
        ),
      );
  }
  return dedupe(out);
}

function firstCode(text: string): string | null {
  return text.split('\n').find((l) => l.trim() !== '' && !l.trim().startsWith('#')) ?? null;
}

function allowLine(text: string): string | null {
  return text.split('\n').find((l) => /"(allow|approve)"/.test(l)) ?? null;
}

/** One reason per code, file and snippet (a script two hooks run is judged once). */
export function dedupe(reasons: PostureReason[]): PostureReason[] {
  const seen = new Set<string>();
  return reasons.filter((r) => {
    const key = `${r.code}\0${r.file ?? ''}\0${r.detail.replace(/^the \S+ hook/, '')}\0${r.snippet ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
