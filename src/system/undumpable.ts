// vigil's own processes (the daemon, `vigil run`) made non-dumpable: then tracing them, reading
// their memory (/proc/PID/mem) or opening their fds needs CAP_SYS_PTRACE, which `vigil run`
// takes from the agent, instead of only the same uid (a root agent is root's uid).
import { native } from '../bridge/native-binding.js';

/** Returns why it failed ('' on success): a missing addon leaves vigil as it was. */
export function makeUndumpable(): string {
  try {
    const r = native().setUndumpable();
    return r.errno === 0 ? '' : r.code;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
