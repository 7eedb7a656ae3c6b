// The human report of `vigil doctor`: what vigil can do here first, then why, then every probe.
import { gapsHere, RUN_ADDS } from './hardening-text.js';
import { PROBE_IDS, type DoctorFacts, type ProbeStatus } from './facts.js';
import type { Protection, Rung, Verdict } from './ladder.js';
import type { LiveState } from './live-daemon.js';
import { renderLiveText } from './render-live.js';

const WIDTH = 100;

/** `live`: the running daemon's attachments; omitted, the report says nothing about them. */
export function renderText(facts: DoctorFacts, verdict: Verdict, live?: LiveState): string {
  const h = facts.host;
  const out: string[] = [];
  const who = h.euid === 0 ? 'root' : `uid ${h.euid}`;
  const libbpf = h.libbpfVersion === null ? '' : `, libbpf ${h.libbpfVersion}`;
  out.push(`vigil doctor: Linux ${h.kernelRelease} (${h.arch})${libbpf}, running as ${who}`);
  out.push('');
  if (verdict.canEnforce) {
    const fallbacks = verdict.lsm.state === 'usable' ? '' : ', with the fallbacks below';
    out.push(`vigil can enforce on this machine${fallbacks}.`);
  } else {
    out.push('vigil CANNOT enforce on this machine:');
    for (const b of verdict.blockers) {
      out.push(...wrap(`- ${b.what}`, 2, 4));
      if (b.fix !== null) out.push(...wrap(`fix: ${b.fix}`, 4, 9));
    }
  }

  out.push('', 'Protections (the backend vigil uses here)');
  out.push(`${'  protection'.padEnd(COLS[0] ?? 0)}${'mode'.padEnd(COLS[1] ?? 0)}backend`);
  for (const p of verdict.protections) out.push(...protectionRows(p));

  if (live !== undefined) out.push(...renderLiveText(live, wrap));

  out.push('', `BPF-LSM: ${verdict.lsm.summary}`);
  out.push(...wrap(verdict.lsm.explanation, 2, 2));
  if (verdict.lsm.fix !== null) out.push(...wrap(`fix: ${verdict.lsm.fix}`, 2, 7));

  // rungs the kernel refused; those merely not tried are covered by the blockers above
  const refused = (r: Rung) => r.requires.some((id) => facts.probes[id].status === 'failed');
  const missing = verdict.protections.flatMap((p) =>
    p.rungs.filter((r) => !r.available && r.backend !== 'lsm' && refused(r)).map((r) => ({ p, r })),
  );
  if (missing.length > 0) {
    out.push('', 'Fallbacks not available');
    for (const { p, r } of missing) {
      out.push(...wrap(`${p.title}: ${r.label} (${r.mode}): ${r.note}`, 2, 4));
      if (r.fix !== null) out.push(...wrap(`fix: ${r.fix}`, 4, 9));
    }
  }

  out.push('', "What `vigil run` adds at the agent's root (`--keep-caps` keeps the capabilities)");
  for (const a of RUN_ADDS) out.push(...wrap(`- ${a}`, 2, 4));
  out.push('', 'Known gaps on this tier (docs/backends.md, "Known gaps")');
  for (const g of gapsHere(verdict)) out.push(...wrap(`- ${g.id} (${g.scope}): ${g.text}`, 2, 4));

  out.push('', 'Probes');
  for (const id of PROBE_IDS) {
    const r = facts.probes[id];
    const errno = r.errno !== null && r.status !== 'ok' && !r.detail.includes(r.errno) ? ` [${r.errno}]` : '';
    const head = `  ${mark(r.status)}  ${id.padEnd(24)}${`${r.ms}ms`.padStart(6)}  `;
    out.push(...wrap(`${r.detail}${errno}`, head, head.length));
  }

  if (verdict.fixes.length > 0) {
    out.push('', 'To fix');
    for (const f of verdict.fixes) out.push(...wrap(`- ${f.probe}: ${f.fix}`, 2, 4));
  }
  out.push('', `${PROBE_IDS.length} probes in ${facts.durationMs} ms; exit ${verdict.exitCode}`);
  return `${out.join('\n')}\n`;
}

const COLS = [18, 9]; // protection, mode; the backend takes the rest

function protectionRows(p: Protection): string[] {
  const line = (title: string, mode: string, backend: string) => {
    const head = `  ${title}`.padEnd(COLS[0] ?? 0) + mode.padEnd(COLS[1] ?? 0);
    return wrap(backend, head, head.length);
  };
  if (p.run === 'unknown') return line(p.title, '?', 'unknown: the probes it needs did not run');
  const used = p.rungs.filter((r) => r.selected);
  if (used.length === 0) return line(p.title, 'none', `not enforced: ${p.rungs[0]?.note ?? ''}`);
  const lines = used.flatMap((r, i) => line(i === 0 ? p.title : '', r.mode, backendText(r)));
  if (p.watch === 'none') lines.push(...line('', 'none', 'for vigil watch / attach sessions'));
  return lines;
}

function backendText(r: Rung): string {
  const extra = [r.scope === 'run' ? 'vigil run only' : '', r.short].filter((x) => x !== '');
  return extra.length === 0 ? r.label : `${r.label} (${extra.join('; ')})`;
}

function mark(s: ProbeStatus): string {
  return s === 'ok' ? 'ok  ' : s === 'failed' ? 'FAIL' : 'skip';
}

/**
 * Word-wraps to WIDTH. The first line starts with `first` (a string, kept as is, or that many
 * spaces), the others with `rest` spaces.
 */
export function wrap(text: string, first: number | string, rest: number): string[] {
  const lines: string[] = [];
  let line = typeof first === 'string' ? first : ' '.repeat(first);
  let empty = true;
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (!empty && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = ' '.repeat(rest);
      empty = true;
    }
    line += empty ? word : ` ${word}`;
    empty = false;
  }
  lines.push(line);
  return lines;
}
