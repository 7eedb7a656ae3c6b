// vigil's hooks in a Claude Code settings file (settings.json: "hooks" -> event -> matcher
// groups -> command hooks). Adding is idempotent (a group holding vigil's hook command is
// replaced, never doubled); removing takes out exactly vigil's hook entries and the groups and
// events they leave empty, and keeps everything else as it was.

/** The events vigil's hook answers: the mark, the report, and the report of a failed call. */
export const HOOK_EVENTS = ['PreToolUse', 'PostToolUse', 'PostToolUseFailure'] as const;

/** How vigil's own hook command is recognised in a settings file. */
export function isVigilHookCommand(command: unknown): boolean {
  return (
    typeof command === 'string' && / hook claude-code(\s|$)/.test(command) && /vigil|main\.js/.test(command)
  );
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The group without vigil's hooks; undefined when nothing else was in it. */
function withoutVigil(group: unknown): unknown {
  if (!isObject(group) || !Array.isArray(group.hooks)) return group;
  const hooks = group.hooks.filter((h) => !(isObject(h) && isVigilHookCommand(h.command)));
  if (hooks.length === group.hooks.length) return group;
  return hooks.length === 0 ? undefined : { ...group, hooks };
}

/** `settings` without any of vigil's hooks (a copy; the input is not changed). */
export function removeVigilHooks(settings: Json): Json {
  if (!isObject(settings.hooks)) return settings;
  const hooks: Json = {};
  for (const [event, groups] of Object.entries(settings.hooks)) {
    if (!Array.isArray(groups)) {
      hooks[event] = groups;
      continue;
    }
    const kept = groups.map(withoutVigil).filter((g) => g !== undefined);
    if (kept.length > 0 || groups.length === 0) hooks[event] = kept;
  }
  const out = { ...settings };
  if (Object.keys(hooks).length === 0) delete out.hooks;
  else out.hooks = hooks;
  return out;
}

/** `settings` with vigil's hook on every tool call of each of HOOK_EVENTS (a copy). */
export function addVigilHooks(settings: Json, command: string): Json {
  const base = removeVigilHooks(settings);
  const hooks: Json = isObject(base.hooks) ? { ...base.hooks } : {};
  for (const event of HOOK_EVENTS) {
    const groups = Array.isArray(hooks[event]) ? (hooks[event] as unknown[]) : [];
    hooks[event] = [...groups, { matcher: '*', hooks: [{ type: 'command', command, timeout: 10 }] }];
  }
  return { ...base, hooks };
}
