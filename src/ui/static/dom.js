// DOM helpers. Everything an event carries (paths, argv, comm) is attacker-controlled text:
// it only ever reaches the page through textContent and attribute values, never as HTML.
//
// Secrets the detectors found are masked on the way in as well: the kernel's lines carry argv
// as the kernel saw it, so an exec line holds the credential an `alert` line reports masked
// (`AKIA…WXYZ`, first and last 4 characters). Every mask the page learns (learnMask) becomes a
// pattern, and every text and attribute h() writes has the matching span replaced by its mask.
// Display only: the audit log keeps the lines as they were; a secret is shown until its alert
// arrives (the scan follows the line), and one masked by its length only (`[10 chars]`) cannot
// be recognised.

/** at most this many masks are matched (the newest kept) */
const MASKS_MAX = 500;
const masks = new Set();
let maskRe = null;
/** rises when a mask is learned: views that cache rendered rows redraw them */
export let maskGeneration = 0;

function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Learns a detector's mask (`ghp_…x9Qz`): text matching it is masked from now on. */
export function learnMask(masked) {
  const m = /^(.{4})…(.{4})$/u.exec(String(masked ?? ''));
  if (m === null || masks.has(masked)) return;
  masks.add(masked);
  if (masks.size > MASKS_MAX) masks.delete(masks.values().next().value);
  // the first 4, at least 4 more non-blank characters, the last 4 (a secret has at least 12);
  // greedy, so a secret whose last 4 also occur inside it is masked to its end
  const alts = [...masks].map((x) => {
    const [, a, b] = /^(.{4})…(.{4})$/u.exec(x);
    return `${escapeRe(a)}\\S{4,}${escapeRe(b)}`;
  });
  maskRe = new RegExp(alts.join('|'), 'gu');
  maskGeneration++;
  scrubDocument();
}

/**
 * Masks what the page already shows: views redraw on maskGeneration when they next refresh,
 * but a view not refreshed since (a hidden tab, a session timeline between polls) would keep
 * the secret in its text until then.
 */
function scrubDocument() {
  if (typeof document === 'undefined') return;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
  for (let n = walker.nextNode(); n !== null; n = walker.nextNode()) {
    if (n.nodeType === Node.TEXT_NODE) {
      const masked = redact(n.nodeValue);
      if (masked !== n.nodeValue) n.nodeValue = masked;
    } else {
      for (const a of n.attributes) {
        const masked = redact(a.value);
        if (masked !== a.value) a.value = masked;
      }
    }
  }
}

/** `text` with every span matching a learned mask replaced by that mask. */
export function redact(text) {
  if (maskRe === null) return text;
  return text.replace(maskRe, (found) => {
    const chars = Array.from(found);
    return `${chars.slice(0, 4).join('')}…${chars.slice(-4).join('')}`;
  });
}

/**
 * Creates an element. `attrs`: `class`, `title`, `data-*`, any attribute, or `on<event>`
 * handlers; children: nodes, strings (as text), or null/false (skipped), arrays flattened.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : redact(String(v)));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(redact(String(c))));
  }
}

const SVG_NS = 'http://www.w3.org/2000/svg';
export function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs ?? {})) el.setAttribute(k, String(v));
  for (const c of children) if (c) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const ACTIONS = ['BLOCK', 'KILL', 'AUDIT', 'ALLOW', 'OBSERVE'];

export function badge(action) {
  return h('span', { class: `badge badge-${String(action).toLowerCase()}` }, action);
}

/** A severity (info < low < medium < high < critical) as a badge. */
export function sevBadge(severity) {
  return h('span', { class: `sev sev-${String(severity)}`, 'data-severity': severity }, severity);
}

export function fmtDuration(ms) {
  if (typeof ms !== 'number') return '';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return `${Math.floor(ms / 60_000)}m ${Math.round((ms % 60_000) / 1000)}s`;
}

export function fmtTime(ts) {
  // 2026-11-21T23:14:31.123Z -> 23:14:31.123 (UTC, as in the audit log)
  return typeof ts === 'string' && ts.length >= 23 ? ts.slice(11, 23) : String(ts ?? '');
}

export function fmtInt(n) {
  return typeof n === 'number' ? n.toLocaleString('en-US') : String(n ?? '0');
}

export function fmtAgo(iso) {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const s = Math.max(0, Math.round((Date.now() - t) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s ago`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m ago`;
}

/** What the event was about, in one line: the path, the command line, the destination. */
export function target(l) {
  switch (l.event) {
    case 'file_open':
      return `${l.path}${l.path_truncated ? '…' : ''}  ${(l.flags ?? []).join('|')}${typeof l.result === 'string' ? `  → ${l.result}` : ''}`;
    case 'exec':
      return (l.argv && l.argv.length > 0 ? l.argv.join(' ') : l.path) + (l.argv_truncated ? ' …' : '');
    case 'net_connect':
    case 'udp_send':
      return `${l.dest_host ? `${l.dest_host} ` : ''}${l.family === 'AF_INET6' ? `[${l.dest_ip}]` : l.dest_ip}:${l.dest_port}  ${l.protocol}`;
    case 'dns_query':
      return `${l.qtype} ${l.name || '(not DNS)'} → ${l.rcode}${l.answers.length > 0 ? ` ${l.answers.join(', ')}` : ''}  via ${l.resolver}`;
    case 'sni_check':
      return `${l.server_name ?? '(no name)'} → ${l.dest_ip.includes(':') ? `[${l.dest_ip}]` : l.dest_ip}:${l.dest_port}  ${l.protocol ?? '?'}${l.learned_for.length > 0 ? `  (learned for ${l.learned_for.join(', ')})` : ''}`;
    case 'socket_create':
      return `${l.family} ${l.type} ${l.protocol}`;
    case 'syscall':
      return `${l.syscall}(${l.arg0})  → ${l.result}`;
    case 'unlink':
      return `${l.op} ${l.path}  → ${l.result}`;
    case 'rename':
      return `${l.path} → ${l.target}  (${l.result})`;
    case 'ptrace':
      return `${l.request} pid ${l.target_pid ?? '?'}${l.target_comm ? ` (${l.target_comm})` : ''}${l.target_in_session ? '' : ', outside the session'}`;
    case 'signal':
      return `${l.signal} → pid ${l.target_pid ?? '?'}${l.target_comm ? ` (${l.target_comm})` : ''}${l.target_in_session ? '' : ', outside the session'}`;
    case 'exec_memory':
      return `${l.call} ${(l.prot ?? []).join('|')}`;
    case 'fork':
      return `→ child ${l.child_pid}`;
    case 'exit':
      return l.signal ? `killed by ${l.signal}${l.core_dumped ? ' (core)' : ''}` : `exit ${l.exit_code}`;
    case 'session_start':
      return `${l.origin}: ${l.argv ? l.argv.join(' ') : (l.path ?? l.exe ?? '')}`;
    case 'session_end':
      return `${l.signal ? `killed by ${l.signal}` : l.exit_code === null ? '' : `exit ${l.exit_code}`}  ${l.reason}`;
    case 'install':
      return `${l.tool} ${l.subcommand} ${l.packages.map(packageText).join(' ')}${l.severity === 'info' ? '' : `  [${l.severity}]`}${l.elapsed_ms === undefined ? '' : `  killed after ${l.elapsed_ms} ms`}`;
    case 'alert':
      return `${l.kind} ${l.masked}  in ${l.source}${l.where ? ` ${l.where}` : ''}  [${l.severity}]`;
    case 'tool_call':
      return `turn ${l.turn} ${l.name}${callText(l) ? `: ${callText(l)}` : ''}${l.is_error ? '  → error' : ''}${l.ended_at === null ? '  (no result)' : ''}`;
    case 'posture_change':
      return `${l.agent} ${l.path} ${l.change}  score ${l.score_before} → ${l.score}${[
        ...l.reasons_added.map((r) => `  +${r.code}`),
        ...l.reasons_removed.map((r) => `  −${r.code}`),
      ].join('')}  (${l.evidence})`;
    case 'loss':
    case 'file_activity':
      return l.reason;
    default:
      return '';
  }
}

/** A package of an install line: as the command gave it, with what was flagged. */
export function packageText(p) {
  if (p.severity === 'info') return p.raw;
  return `${p.raw} (${p.severity}${p.similar_to ? `, like ${p.similar_to}` : ''})`;
}

/** What a tool call did, from its tool_call line (or a timeline call): command, paths or URL. */
export function callText(c) {
  if (c.command) return c.command;
  if (c.paths && c.paths.length > 0) return c.paths.join(' ');
  return c.url ?? '';
}

export function isDecision(action) {
  return action === 'BLOCK' || action === 'KILL' || action === 'AUDIT';
}

/** GET a JSON endpoint of this server (the cookie carries the token). */
export async function getJson(path) {
  const r = await fetch(path, { credentials: 'same-origin', cache: 'no-store' });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.json();
}
