// vigil's hook entries in an agent's JSON hook settings. Claude Code, Gemini CLI and Codex share
// one shape: "hooks" -> event -> matcher groups -> command hooks. Adding is idempotent (a group
// holding vigil's hook command is replaced, never doubled); removing takes out exactly vigil's
// hook entries and the groups and events they leave empty, and keeps everything else as it was
// (other keys under "hooks", such as Gemini CLI's `disabled` list, included).

type Json = Record<string, unknown>;

/** What differs between agents: where the file is, which events, the group vigil adds. */
export interface HookSettingsSpec {
  /** the agent's name in `vigil hook AGENT` */
  agent: string;
  /** the agent's name for people */
  title: string;
  /** the settings file of the user (`project` undefined) or of a project folder */
  file(project: string | undefined): string;
  /** the events vigil's hook answers */
  events: readonly string[];
  /** the matcher group vigil adds to each event, running `command` */
  group(command: string): Json;
  /** what the user still has to know or do once the hook is in the file */
  notes?(project: string | undefined): string[];
}

/** How vigil's own hook command for `agent` is recognised in a settings file. */
export function isVigilHookCommand(command: unknown, agent: string): boolean {
  return (
    typeof command === 'string' &&
    new RegExp(` hook ${agent}(\\s|$)`).test(command) &&
    /vigil|main\.js/.test(command)
  );
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The group without vigil's hooks; undefined when nothing else was in it. */
function withoutVigil(group: unknown, agent: string): unknown {
  if (!isObject(group) || !Array.isArray(group.hooks)) return group;
  const hooks = group.hooks.filter((h) => !(isObject(h) && isVigilHookCommand(h.command, agent)));
  if (hooks.length === group.hooks.length) return group;
  return hooks.length === 0 ? undefined : { ...group, hooks };
}

/** `settings` without any of vigil's hooks for `agent` (a copy; the input is not changed). */
export function removeVigilHooks(settings: Json, agent: string): Json {
  if (!isObject(settings.hooks)) return settings;
  const hooks: Json = {};
  for (const [event, groups] of Object.entries(settings.hooks)) {
    if (!Array.isArray(groups)) {
      hooks[event] = groups;
      continue;
    }
    const kept = groups.map((g) => withoutVigil(g, agent)).filter((g) => g !== undefined);
    if (kept.length > 0 || groups.length === 0) hooks[event] = kept;
  }
  const out = { ...settings };
  if (Object.keys(hooks).length === 0) delete out.hooks;
  else out.hooks = hooks;
  return out;
}

/** `settings` with vigil's hook on every tool call of each of the spec's events (a copy). */
export function addVigilHooks(settings: Json, spec: HookSettingsSpec, command: string): Json {
  const base = removeVigilHooks(settings, spec.agent);
  const hooks: Json = isObject(base.hooks) ? { ...base.hooks } : {};
  for (const event of spec.events) {
    const groups = Array.isArray(hooks[event]) ? (hooks[event] as unknown[]) : [];
    hooks[event] = [...groups, spec.group(command)];
  }
  return { ...base, hooks };
}
