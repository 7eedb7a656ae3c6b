// The actions a line can carry: apart from the schema, so the JSON writer's fast path (and every
// client that writes lines) does not load TypeBox to know them.
export const ACTIONS = ['ALLOW', 'BLOCK', 'KILL', 'AUDIT', 'OBSERVE'] as const;
