// Who refused an open with EROFS under a `vigil run` session: the read-only bind mounts the
// launcher made of the profile's write-denied paths (native/launcher/readonly.c). The tracepoint
// reports the failed open without a verdict; the line says BLOCK by `readonly-mount`, inline,
// when the path lies in one of the session's read-only paths and the profile denies the write.
// The rule is vigil's attribution (`attribution: "inferred"`); nothing here acts on a process:
// the kernel refused the call, so a rule whose action is kill kills nothing.
import { realpathSync } from 'node:fs';

import type { AgentEvent } from '../wire/events.js';
import { evaluate } from '../policy/evaluate.js';
import { underReadonly } from '../policy/readonly-plan.js';
import type { Decision } from '../sinks/audit-line.js';
import { attributedBlock } from './attribution.js';
import { absolutePath } from './landlock-verdict.js';
import type { Session } from './sessions.js';
import { OTHER_BACKENDS } from '../protections.js';

const EROFS = 30;
const O_ACCMODE = 3;

/** The decision for an open the read-only mounts refused; undefined when it was not them. */
export function readonlyDecision(ev: AgentEvent, s: Session): Decision | undefined {
  if (ev.kind !== 'file_open' || ev.verdict !== undefined || ev.ret !== -EROFS) return undefined;
  const paths = s.landlock?.readonly;
  if (paths === undefined || paths.length === 0) return undefined;
  const path = absolutePath(ev);
  if (path === undefined) return undefined;
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return undefined;
  }
  const mount = underReadonly(paths, real);
  if (mount === undefined) return undefined;
  const mode = ev.openFlags & O_ACCMODE;
  const d = evaluate(s.profile.profile, {
    kind: 'open',
    path: real,
    access: mode === 2 ? 'read-write' : 'write',
  });
  if (d.action !== 'BLOCK' && d.action !== 'KILL') return undefined;
  return attributedBlock(
    OTHER_BACKENDS.readonlyMount,
    `open of ${ev.path} refused by vigil run's read-only mount of ${mount} (EROFS), before it could truncate or write`,
    d,
  );
}
