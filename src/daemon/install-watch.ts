// Package installs a session's processes run, read from the argv the kernel reported at exec
// (never from the agent's transcript, which can say anything): one install line per installer
// exec, with each package's risk (src/detect/installs). Under `installs: block` a flagged
// installer is killed by the daemon right after its exec: reactive, and the line says how long
// it ran, because no kernel exec hook here parses an installer's arguments.
import { assessInstall } from '../detect/installs/assess-install.js';
import { parseInstall } from '../detect/installs/parse-install.js';
import type { InstallsPolicy } from '../policy/profile-types.js';
import type { AuditLineOf } from '../sinks/audit-schema.js';

type Severity = AuditLineOf<'install'>['severity'];
/** From here up a package is flagged (AUDIT, or KILL under block). */
const FLAGGED: readonly Severity[] = ['medium', 'high', 'critical'];
/** An interpreter's exec after `env` (same pid, same command) is not a second install. */
const SAME_COMMAND_MS = 2_000;

export interface InstallFinding {
  line: AuditLineOf<'install'>;
  /** the daemon should kill the installer (block, flagged, not audit-only) */
  kill: boolean;
}

export class InstallWatch {
  /** pid -> the last install command seen for it, to drop the `env node npm ...` echo */
  readonly #recent = new Map<number, { key: string; at: number }>();

  /** The install line for an exec line, or undefined when it runs no installer. */
  onExec(exec: AuditLineOf<'exec'>, policy: InstallsPolicy, auditOnly: boolean): InstallFinding | undefined {
    if (exec.result !== undefined) return undefined; // the execve failed: nothing ran
    const cmd = parseInstall(exec.argv);
    if (cmd === null) return undefined;
    const key = `${cmd.tool}\0${cmd.subcommand}\0${cmd.packages.map((p) => p.raw).join('\0')}`;
    const now = Date.now();
    const last = this.#recent.get(exec.pid);
    this.#recent.set(exec.pid, { key, at: now });
    if (this.#recent.size > 1024) this.#prune(now);
    if (last !== undefined && last.key === key && now - last.at < SAME_COMMAND_MS) return undefined;

    const risk = assessInstall(cmd);
    const flagged = FLAGGED.includes(risk.severity);
    const kill = flagged && policy === 'block' && !auditOnly;
    const acted = flagged && policy !== 'off';
    const elapsed = Math.max(0, now - Date.parse(exec.ts));
    const line: AuditLineOf<'install'> = {
      ts: exec.ts,
      event: 'install',
      action: !flagged ? 'ALLOW' : kill ? 'KILL' : acted ? 'AUDIT' : 'OBSERVE',
      pid: exec.pid,
      comm: exec.comm,
      tool: cmd.tool,
      ecosystem: cmd.ecosystem,
      subcommand: cmd.subcommand,
      packages: risk.packages.map((p) => ({
        ecosystem: p.ecosystem,
        name: p.name,
        spec: p.spec,
        source: p.source,
        raw: p.raw,
        severity: p.severity,
        reasons: p.reasons,
        similar_to: p.similar_to,
      })),
      severity: risk.severity,
      risk_reasons: risk.reasons,
      argv: exec.argv,
      argv_truncated: exec.argv_truncated,
      reason: installReason(cmd.tool, cmd.subcommand, risk, { flagged, kill, policy, auditOnly, elapsed }),
      rule: acted ? 'installs' : null,
      profile: exec.profile,
      session: exec.session,
      ppid: exec.ppid,
      uid: exec.uid,
      tid: exec.tid,
      exe: exec.exe,
      backend: 'vigil:installs',
      enforcement: kill ? 'reactive' : acted ? 'audit' : 'none',
      schema_version: exec.schema_version,
      ...(kill ? { elapsed_ms: elapsed } : {}),
      ...(exec.tool_call === undefined ? {} : { tool_call: exec.tool_call }),
    };
    return { line, kill };
  }

  #prune(now: number): void {
    for (const [pid, r] of this.#recent) if (now - r.at >= SAME_COMMAND_MS) this.#recent.delete(pid);
  }
}

function installReason(
  tool: string,
  subcommand: string,
  risk: ReturnType<typeof assessInstall>,
  how: { flagged: boolean; kill: boolean; policy: InstallsPolicy; auditOnly: boolean; elapsed: number },
): string {
  const what = `${tool} ${subcommand}`;
  const names = risk.packages.map((p) => p.name).join(', ') || 'no named package';
  if (!how.flagged) return `${what}: ${names}; nothing flagged`;
  const why = [
    ...risk.reasons.map((r) => r.detail),
    ...risk.packages.flatMap((p) => p.reasons.map((r) => `${p.name}: ${r.detail}`)),
  ].join('; ');
  if (how.kill)
    return `${what} flagged (${risk.severity}): ${why}; killed by vigil ${how.elapsed} ms after its exec (installs: block; reactive: the installer ran until then and may have fetched files)`;
  if (how.policy === 'off') return `${what} flagged (${risk.severity}): ${why}; installs: off, not acted on`;
  const mode =
    how.policy === 'block' && how.auditOnly ? 'installs: block, audit-only session' : 'installs: audit';
  return `${what} flagged (${risk.severity}): ${why}; allowed (${mode})`;
}
