// Posture: how exposed each coding agent's own guard leaves it (Claude Code, Codex, Gemini CLI,
// Cursor), as `vigil posture` scores it by the rubric of docs/posture.md. Per agent a card: its
// score (0–19 low, 20–49 medium, 50+ high), whether vigil confines it, each reason with its
// points, file and snippet, and its files with their state (a parser's error shown). Then the
// history: every posture_change line (a guard-surface file changed, the score before and after,
// the reasons gained and lost). The report comes from /api/posture (the server rescans at most
// every couple of seconds): when the page opens, every few seconds while the tab is shown, and
// after a change arrives; past changes come from /api/posture, new ones from the line stream,
// both with their stream id, so none shows twice. Every file text here (paths, snippets, parser
// errors) may come from a repository: it reaches the page as text only (dom.js).
import { fill, fmtInt, fmtTime, getJson, h } from './dom.js';

/** the report is asked again this often while the tab is shown */
const REFRESH_MS = 5000;
/** changes kept in the page (the oldest go first) */
const CAP = 1_000;

const TITLES = { 'claude-code': 'Claude Code', codex: 'Codex', 'gemini-cli': 'Gemini CLI', cursor: 'Cursor' };

/** A score's band: 0–19 low, 20–49 medium, 50 and above high. */
export function band(score) {
  return score >= 50 ? 'high' : score >= 20 ? 'medium' : 'low';
}

function scoreBadge(score) {
  return h(
    'span',
    { class: `score score-${band(score)}`, 'data-score': String(score), title: `${band(score)} exposure` },
    String(score),
  );
}

/** A bar of the score out of 100 (its width set through the CSSOM: the page's CSP allows no inline style). */
function scoreBar(score) {
  const filled = h('span', { class: `score-fill score-fill-${band(score)}` });
  filled.style.width = `${Math.max(0, Math.min(100, score))}%`;
  return h('span', { class: 'score-bar', title: `${score} of 100` }, filled);
}

function fmtSize(n) {
  if (typeof n !== 'number') return '';
  return n < 1024 ? `${n} B` : `${(n / 1024).toFixed(n < 10_240 ? 1 : 0)} KiB`;
}

export class Posture {
  constructor(root, app, tab) {
    this.app = app;
    this.tab = tab;
    this.visible = false;
    /** id -> posture_change line */
    this.byId = new Map();
    this.dropped = 0;
    this.agentsKey = '';
    this.tabScore = h('span', { class: 'tab-count', hidden: true });
    tab.append(this.tabScore);
    this.headEl = h('div', { class: 'posture-head muted' }, 'reading the agents’ settings…');
    this.noteEl = h('div', { class: 'banner banner-gap', hidden: true });
    this.agentsEl = h('div', { class: 'posture-agents' });
    this.historyCount = h('span', { class: 'muted' });
    this.historyEl = h('div', { class: 'posture-history' });
    fill(
      root,
      h(
        'div',
        { class: 'posture' },
        h(
          'section',
          {},
          h(
            'h2',
            {},
            'Posture ',
            h('span', { class: 'muted' }, 'each agent’s own guard, scored 0 (guarded) to 100'),
          ),
          this.headEl,
          this.noteEl,
          this.agentsEl,
        ),
        h('section', {}, h('h2', {}, 'History ', this.historyCount), this.historyEl),
      ),
    );
    this.timer = null;
    this.#renderHistory();
    this.load();
  }

  show(visible) {
    this.visible = visible;
    if (visible && this.timer === null) {
      this.load();
      this.timer = setInterval(() => this.load(), REFRESH_MS);
    } else if (!visible && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  /** The report now and the changes the server kept. */
  async load() {
    if (this.loading) return;
    this.loading = true;
    try {
      const d = await getJson('/api/posture');
      this.error = undefined;
      for (const e of d.history.changes) this.#put(e.id, e.line);
      this.dropped = Math.max(this.dropped, d.history.dropped);
      this.#renderReport(d);
    } catch (e) {
      this.error = String(e.message);
      fill(this.headEl, `could not load the posture: ${this.error}`);
    } finally {
      this.loading = false;
    }
    this.#renderHistory();
  }

  /** Another server instance (vigil restarted): its ids are new, start over. */
  reset() {
    this.byId.clear();
    this.dropped = 0;
    this.load();
  }

  /** Lines from the stream (`from` is the first one's id). */
  add(from, lines) {
    let changed = false;
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i];
      if (l && l.event === 'posture_change') changed = this.#put(from + i, l) || changed;
    }
    if (!changed) return;
    this.#renderHistory();
    // the score moved: ask again once the server's cached scan has expired (once for a burst)
    if (this.reloadTimer !== undefined) return;
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = undefined;
      this.load();
    }, 2500);
  }

  #put(id, l) {
    if (this.byId.has(id)) return false;
    this.byId.set(id, l);
    if (this.byId.size > CAP) {
      this.byId.delete(Math.min(...this.byId.keys()));
      this.dropped++;
    }
    return true;
  }

  #renderReport(d) {
    const r = d.report;
    this.noteEl.hidden = d.note === null && d.error === null;
    this.noteEl.textContent = d.error ?? d.note ?? '';
    if (r === null) {
      fill(this.headEl, 'no posture report');
      this.tabScore.hidden = true;
      return;
    }
    fill(
      this.headEl,
      'home ',
      h('code', {}, r.home),
      r.project === null ? null : [' · project ', h('code', {}, r.project)],
      ` · scanned ${fmtTime(r.at)} UTC · worst score `,
      scoreBadge(r.worst),
    );
    this.tabScore.hidden = false;
    this.tabScore.textContent = String(r.worst);
    this.tabScore.className = `tab-count score-${band(r.worst)}`;
    this.tab.title = `worst posture score ${r.worst} of 100`;
    // redraw the cards only when they changed: the <details> a reader opened stay open
    const key = JSON.stringify(r.agents);
    if (key === this.agentsKey) return;
    this.agentsKey = key;
    const present = r.agents.filter((a) => a.present).sort((a, b) => b.score - a.score);
    const absent = r.agents.filter((a) => !a.present);
    fill(
      this.agentsEl,
      present.length === 0
        ? h('div', { class: 'empty' }, 'No agent’s settings were found under this home and project.')
        : present.map(agentCard),
      absent.length === 0
        ? null
        : h(
            'div',
            { class: 'posture-absent muted' },
            'not found: ',
            absent.map((a, i) => [
              i === 0 ? '' : ', ',
              h(
                'span',
                { 'data-agent': a.agent, title: `looked for ${a.files.map((f) => f.path).join(', ')}` },
                TITLES[a.agent] ?? a.agent,
              ),
            ]),
          ),
    );
  }

  #renderHistory() {
    const all = [...this.byId.entries()].sort((a, b) => b[0] - a[0]);
    this.historyCount.textContent = `${fmtInt(all.length)} change(s) since the UI started${this.dropped > 0 ? ` · ${fmtInt(this.dropped)} older not kept (the audit log has them)` : ''}`;
    fill(
      this.historyEl,
      all.length === 0
        ? h(
            'div',
            { class: 'empty' },
            'No posture change yet. A daemon started with `vigil daemon --posture HOME` writes a posture_change line each time an agent’s settings, hooks, hook scripts or MCP servers change under HOME.',
          )
        : h(
            'table',
            { class: 'table posture-changes' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['time (UTC)', 'agent', 'file', 'change', 'score', 'reasons', 'evidence'].map((x) =>
                  h('th', {}, x),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              all.map(([id, l]) => changeRow(id, l)),
            ),
          ),
    );
  }
}

function agentCard(a) {
  const b = band(a.score);
  const vigil = a.confinedByVigil.covered
    ? h(
        'span',
        { class: 'tag tag-ok', 'data-confined': 'yes', title: a.confinedByVigil.how ?? '' },
        'confined by vigil',
      )
    : h('span', { class: 'tag tag-warn', 'data-confined': 'no' }, 'not confined by vigil');
  const reasons = [...a.reasons].sort((x, y) => y.points - x.points);
  const there = a.files.filter((f) => f.state !== 'missing');
  const missing = a.files.filter((f) => f.state === 'missing');
  return h(
    'div',
    { class: `posture-agent pa-${b}`, 'data-agent': a.agent, 'data-band': b, 'data-score': String(a.score) },
    h(
      'div',
      { class: 'pa-head' },
      h('strong', { class: 'pa-title' }, TITLES[a.agent] ?? a.agent),
      h('span', { class: 'muted mono' }, a.agent),
      scoreBadge(a.score),
      scoreBar(a.score),
      vigil,
    ),
    a.confinedByVigil.covered && a.confinedByVigil.how
      ? h('div', { class: 'muted small' }, `vigil: ${a.confinedByVigil.how}`)
      : null,
    h(
      'h3',
      {},
      'Reasons ',
      h('span', { class: 'muted' }, `${reasons.length}, each adds its points (at most 100)`),
    ),
    reasons.length === 0
      ? h('div', { class: 'muted' }, 'none: nothing in the rubric applies')
      : h(
          'table',
          { class: 'table pa-reasons' },
          h(
            'tbody',
            {},
            reasons.map((r) =>
              h(
                'tr',
                { 'data-reason': r.code },
                h('td', { class: 'num pa-points' }, `+${r.points}`),
                h('td', {}, h('code', {}, r.code)),
                h(
                  'td',
                  {},
                  h('div', {}, r.detail),
                  r.file === null ? null : h('div', { class: 'muted mono small' }, r.file),
                  r.snippet === null ? null : h('code', { class: 'pa-snippet' }, r.snippet),
                ),
              ),
            ),
          ),
        ),
    h('h3', {}, 'Files ', h('span', { class: 'muted' }, `${there.length} read`)),
    there.length === 0 ? null : filesTable(there),
    missing.length === 0
      ? null
      : h(
          'details',
          { class: 'pa-missing' },
          h('summary', { class: 'muted' }, `${missing.length} not there`),
          filesTable(missing),
        ),
  );
}

function filesTable(files) {
  return h(
    'table',
    { class: 'table pa-files' },
    h(
      'tbody',
      {},
      files.map((f) =>
        h(
          'tr',
          { 'data-state': f.state, 'data-path': f.path },
          h('td', {}, f.scope),
          h('td', {}, f.role),
          h(
            'td',
            {},
            h(
              'span',
              {
                class: `tag ${f.state === 'malformed' || f.state === 'unreadable' ? 'tag-error' : f.state === 'missing' ? 'tag-dim' : ''}`,
              },
              f.state,
            ),
          ),
          h(
            'td',
            { class: 'mono' },
            f.path,
            f.symlink === null ? null : h('span', { class: 'muted' }, ` → ${f.symlink}`),
            f.error === null ? null : h('div', { class: 'pa-error' }, f.error),
          ),
          h('td', { class: 'num muted' }, fmtSize(f.size)),
        ),
      ),
    ),
  );
}

function reasonRefs(refs, sign) {
  return refs.map((r) =>
    h(
      'div',
      {
        class: sign === '+' ? 'pc-added' : 'pc-removed',
        title: `${r.detail}${r.file ? ` [${r.file}]` : ''}`,
      },
      `${sign}${r.points} `,
      h('code', {}, r.code),
      r.snippet === null ? null : h('span', { class: 'muted' }, `  ${r.snippet}`),
    ),
  );
}

function changeRow(id, l) {
  const delta = l.score - l.score_before;
  return h(
    'tr',
    { 'data-id': String(id), 'data-agent': l.agent },
    h('td', { class: 'mono' }, fmtTime(l.ts)),
    h('td', {}, TITLES[l.agent] ?? l.agent),
    h('td', { class: 'mono' }, l.path),
    h('td', {}, l.change),
    h(
      'td',
      { class: 'pc-score' },
      scoreBadge(l.score_before),
      ' → ',
      scoreBadge(l.score),
      delta === 0
        ? null
        : h('span', { class: delta > 0 ? 'pc-up' : 'pc-down' }, ` ${delta > 0 ? '+' : ''}${delta}`),
    ),
    h(
      'td',
      {},
      reasonRefs(l.reasons_added, '+'),
      reasonRefs(l.reasons_removed, '−'),
      l.reasons_added.length + l.reasons_removed.length === 0
        ? h('span', { class: 'muted' }, 'none changed')
        : null,
    ),
    h(
      'td',
      {
        title:
          l.evidence === 'coalesced'
            ? 'several writes merged, or found by the periodic rescan'
            : 'one change, seen as it happened',
      },
      l.evidence,
    ),
  );
}
