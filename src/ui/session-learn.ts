// The learned profile of a session, for the UI: the decision lines of each session are kept (up
// to a bound, the overflow counted) and, when asked, learned against the session's own profile
// with the same code as `vigil profile learn`. The answer says when lines were dropped.
import { readFileSync } from 'node:fs';

import { UsageError } from '../errors.js';
import type { ProfileRef } from '../daemon/control-protocol.js';
import { learnProfile } from '../learn/learn-profile.js';
import type { BaseRef } from '../learn/learned-yaml.js';
import { isNeuronTraceText } from '../policy/load-any-profile.js';
import { BUILTIN_PREFIX } from '../policy/load-source.js';
import type { AuditLine } from '../sinks/audit-schema.js';

/** Decision lines kept per session (a long session keeps its first ones). */
export const LEARN_LINES_MAX = 50_000;
const SESSIONS_MAX = 64;

const LEARNABLE = new Set([
  'file_open',
  'exec',
  'unlink',
  'rename',
  'net_connect',
  'udp_send',
  'socket_create',
  'ptrace',
  'signal',
  'exec_memory',
]);
const DECISIONS = new Set(['ALLOW', 'AUDIT', 'BLOCK', 'KILL']);

export interface LearnedView {
  readonly session: string;
  readonly profile: string;
  readonly yaml: string;
  readonly diff: string;
  readonly rules: number;
  readonly refused: number;
  /** decision lines not kept (over LEARN_LINES_MAX): the profile may miss what they did */
  readonly dropped: number;
}

/** Where the session's profile came from; a NeuronTrace policy has no vigil text to extend. */
function baseOf(ref: ProfileRef): BaseRef {
  if (ref.source.startsWith(BUILTIN_PREFIX)) return { builtin: ref.source.slice(BUILTIN_PREFIX.length) };
  const text = readFileSync(ref.source, 'utf8');
  if (isNeuronTraceText(text)) {
    throw new UsageError(
      `${ref.source} is a NeuronTrace policy: import it (vigil profile import) and learn over that`,
    );
  }
  return { file: ref.source, text };
}

export class SessionLearnLines {
  readonly #lines = new Map<string, { lines: AuditLine[]; dropped: number }>();

  observe(line: AuditLine): void {
    if (!LEARNABLE.has(line.event) || !DECISIONS.has(line.action)) return;
    const session = line.session;
    if (session === null) return;
    let s = this.#lines.get(session);
    if (s === undefined) {
      if (this.#lines.size >= SESSIONS_MAX) this.#lines.delete(this.#lines.keys().next().value as string);
      s = { lines: [], dropped: 0 };
      this.#lines.set(session, s);
    }
    if (s.lines.length < LEARN_LINES_MAX) s.lines.push(line);
    else s.dropped++;
  }

  /** Learns `session` against `ref` (its profile as loaded, with its variables). */
  learn(session: string, ref: ProfileRef): LearnedView | undefined {
    const s = this.#lines.get(session);
    if (s === undefined) return undefined;
    const base = baseOf(ref);
    const name = `${ref.name}-learned`;
    const learned = learnProfile({
      lines: s.lines,
      base: ref.profile,
      baseRef: base,
      places: ref.vars,
      name,
      file: `${name}.yaml`,
      session,
    });
    return {
      session,
      profile: ref.name,
      yaml: learned.yaml,
      diff: learned.diff,
      rules: learned.learning.rules.length,
      refused: learned.learning.refused.length,
      dropped: s.dropped,
    };
  }
}
