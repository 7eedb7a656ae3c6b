// `vigil posture` for people: per agent its score, whether vigil confines it, its files with
// their state, and each reason with its points and the text it was found in.
import type { AgentPosture, PostureFile, PostureReport } from './types.js';

const TITLES: Record<AgentPosture['agent'], string> = {
  'claude-code': 'Claude Code',
  codex: 'Codex',
  'gemini-cli': 'Gemini CLI',
  cursor: 'Cursor',
};

function fileLine(f: PostureFile): string {
  const link = f.symlink === null ? '' : ` -> ${f.symlink}`;
  const why = f.error === null ? '' : `: ${f.error}`;
  return `    ${f.scope.padEnd(7)} ${f.role.padEnd(11)} ${f.state.padEnd(10)} ${f.path}${link}${why}`;
}

function agentBlock(a: AgentPosture): string[] {
  const title = `${TITLES[a.agent]} (${a.agent})`;
  if (!a.present) return [`${title}: not found (looked for ${a.files.map((f) => f.path).join(', ')})`];
  const vigil = a.confinedByVigil.covered
    ? `confined by vigil: ${a.confinedByVigil.how ?? 'yes'}`
    : 'not confined by vigil';
  const out = [`${title}: score ${a.score}/100, ${vigil}`, '  files:'];
  out.push(...a.files.map(fileLine));
  if (a.reasons.length === 0) out.push('  reasons: none');
  else {
    out.push('  reasons:');
    const width = Math.max(...a.reasons.map((r) => r.code.length));
    for (const r of [...a.reasons].sort((x, y) => y.points - x.points)) {
      out.push(
        `    +${String(r.points).padStart(2)} ${r.code.padEnd(width)}  ${r.detail}${r.file === null ? '' : ` [${r.file}]`}`,
      );
      if (r.snippet !== null) out.push(`        | ${r.snippet}`);
    }
  }
  return out;
}

export function renderPostureText(r: PostureReport): string {
  const head = `vigil posture of ${r.home}${r.project === null ? '' : `, project ${r.project}`} at ${r.at}: worst score ${r.worst}/100`;
  return [head, ...r.agents.flatMap((a) => ['', ...agentBlock(a)])].join('\n');
}
