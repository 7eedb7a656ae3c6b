// Whether vigil itself confines an agent: a watch rule of the running daemon for one of the
// agent's program names, or a systemd unit that runs `vigil watch` (or `vigil run`) for it.
import type { PostureAgent, VigilCoverage } from './types.js';

/**
 * The program names (exec basenames, as watch rules match them) of each agent: the entry_comm
 * of vigil's built-in profiles (profiles/*.yaml; a unit test checks they agree), and Cursor's.
 */
export const AGENT_PROGRAMS: Record<PostureAgent, readonly string[]> = {
  'claude-code': ['claude'],
  codex: ['codex', 'codex-x86_64-un', 'codex-aarch64-u'],
  'gemini-cli': ['gemini'],
  cursor: ['cursor', 'cursor-agent'],
};

export function confinement(
  agent: PostureAgent,
  coverage: VigilCoverage | null,
): { covered: boolean; how: string | null } {
  if (coverage === null) return { covered: false, how: null };
  const names = AGENT_PROGRAMS[agent];
  const rule = coverage.watchRules.find((r) => names.includes(r));
  if (rule !== undefined) return { covered: true, how: `the running daemon's watch rule for '${rule}'` };
  const unit = coverage.systemdUnits.find((u) => u.covers.some((c) => c === agent || names.includes(c)));
  if (unit !== undefined)
    return { covered: true, how: `systemd unit ${unit.path} (${unit.covers.join(', ')})` };
  return { covered: false, how: null };
}
