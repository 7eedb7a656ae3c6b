// Alerts: every credential a detector found (`alert` lines: masked, never the secret) and every
// package install with something flagged (`install` lines above info), newest first, filterable
// by session and by least severity. The past comes from /api/alerts (the server keeps them from
// every line), new ones from the line stream; both carry the stream id, so none shows twice.
import { badge, fill, fmtInt, fmtTime, getJson, h, learnMask, sevBadge } from './dom.js';
// served by the UI server from the audit schema (src/sinks/audit-schema.ts)
import { SEVERITIES } from './event-kinds.js';

/** alerts kept in the page (the oldest go first) */
const CAP = 5_000;
const RENDER_MS = 250;
/** drawn at most (the filter narrows further) */
const SHOWN_MAX = 500;

/** The server's test (src/ui/alert-list.ts, isAlertLine). */
export function isAlertLine(l) {
  return l.event === 'alert' || (l.event === 'install' && l.severity !== 'info');
}

const rank = (s) => SEVERITIES.indexOf(s);

export class Alerts {
  constructor(root, app, tab) {
    this.app = app;
    this.tab = tab;
    /** id -> line */
    this.byId = new Map();
    this.sessions = new Set();
    this.filters = { session: '', severity: '' };
    this.dropped = 0;
    this.loaded = false;
    this.dirty = true;
    this.tabCount = h('span', { class: 'tab-count', hidden: true });
    tab.append(this.tabCount);
    this.sessionSel = h(
      'select',
      {
        'data-filter': 'alert-session',
        title: 'session',
        onchange: () => this.#setFilter('session', this.sessionSel.value),
      },
      h('option', { value: '' }, 'all sessions'),
    );
    this.severitySel = h(
      'select',
      {
        'data-filter': 'alert-severity',
        title: 'least severity shown',
        onchange: () => this.#setFilter('severity', this.severitySel.value),
      },
      h('option', { value: '' }, 'any severity'),
      SEVERITIES.filter((s) => s !== 'info').map((s) =>
        h('option', { value: s }, s === 'critical' ? 'critical' : `${s} and above`),
      ),
    );
    this.countEl = h('span', { class: 'muted feed-count' });
    this.listEl = h('div', { class: 'alert-list' });
    fill(
      root,
      h('div', { class: 'toolbar' }, this.sessionSel, this.severitySel, this.countEl),
      h('div', { class: 'alerts' }, this.listEl),
    );
    setInterval(() => this.dirty && this.#render(), RENDER_MS);
    this.load();
  }

  /** The alerts the server kept (on start, and when the server is a new one). */
  async load() {
    try {
      const d = await getJson('/api/alerts');
      for (const e of d.alerts) this.#put(e.id, e.line);
      this.dropped = d.dropped;
      this.loaded = true;
    } catch (e) {
      this.error = String(e.message);
    }
    this.dirty = true;
  }

  /** Another server instance (vigil restarted): its ids are new, start over. */
  reset() {
    this.byId.clear();
    this.loaded = false;
    this.load();
  }

  /** Lines from the stream (`from` is the first one's id). */
  add(from, lines) {
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i];
      if (l && isAlertLine(l)) this.#put(from + i, l);
    }
  }

  #put(id, l) {
    if (this.byId.has(id)) return;
    this.byId.set(id, l);
    if (l.event === 'alert') learnMask(l.masked);
    if (this.byId.size > CAP) {
      const oldest = Math.min(...this.byId.keys());
      this.byId.delete(oldest);
      this.dropped++;
    }
    if (!this.sessions.has(l.session)) {
      this.sessions.add(l.session);
      this.sessionSel.append(h('option', { value: l.session }, l.session));
    }
    this.dirty = true;
  }

  #setFilter(k, v) {
    this.filters[k] = v;
    this.#render();
  }

  #render() {
    this.dirty = false;
    const all = [...this.byId.entries()].sort((a, b) => b[0] - a[0]);
    const least = this.filters.severity === '' ? 0 : rank(this.filters.severity);
    const shown = all.filter(
      ([, l]) =>
        (this.filters.session === '' || l.session === this.filters.session) && rank(l.severity) >= least,
    );
    const serious = all.filter(([, l]) => rank(l.severity) >= rank('high')).length;
    this.tabCount.hidden = all.length === 0;
    this.tabCount.textContent = fmtInt(all.length);
    this.tabCount.classList.toggle('tab-count-bad', serious > 0);
    this.tab.title = `${all.length} alert(s), ${serious} high or critical`;
    this.countEl.textContent = `${fmtInt(shown.length)} shown · ${fmtInt(all.length)} alerts${this.dropped > 0 ? ` · ${fmtInt(this.dropped)} older not kept (the audit log has them)` : ''}`;
    fill(
      this.listEl,
      all.length === 0
        ? h(
            'div',
            { class: 'empty' },
            this.error
              ? `could not load the alerts: ${this.error}`
              : 'No alert yet. Credentials a detector finds (in argv, environments, written files, the agent’s log) and flagged package installs show here.',
          )
        : shown.length === 0
          ? h('div', { class: 'empty' }, 'No alert matches the filters.')
          : null,
      shown.slice(0, SHOWN_MAX).map(([id, l]) => this.#item(id, l)),
      shown.length > SHOWN_MAX
        ? h(
            'div',
            { class: 'muted small' },
            `the newest ${SHOWN_MAX} shown: narrow the filters for the others`,
          )
        : null,
    );
  }

  #item(id, l) {
    const session = h(
      'a',
      {
        class: 'session-link',
        href: `/?tab=sessions&session=${encodeURIComponent(l.session)}`,
        title: 'open the session',
        onclick: (e) => {
          e.preventDefault();
          this.app.showSession(l.session);
        },
      },
      l.session,
    );
    const head = h(
      'div',
      { class: 'al-head' },
      sevBadge(l.severity),
      l.event === 'install' ? badge(l.action) : null,
      h(
        'strong',
        { class: 'al-title' },
        l.event === 'alert' ? `credential: ${l.kind}` : `install: ${l.tool} ${l.subcommand}`,
      ),
      h('span', { class: 'muted' }, `${fmtTime(l.ts)} UTC`),
      session,
    );
    const kv = (k, v, cls) =>
      v === null || v === undefined || v === '' ? null : [h('dt', {}, k), h('dd', { class: cls ?? '' }, v)];
    const call = l.tool_call ? `${l.tool_call.name} · turn ${l.tool_call.turn} · ${l.tool_call.id}` : null;
    const proc = typeof l.pid === 'number' ? `${l.pid} (${l.comm ?? '?'})` : null;
    const body =
      l.event === 'alert'
        ? h(
            'dl',
            { class: 'kv' },
            kv('value', h('code', { class: 'al-masked' }, l.masked)),
            kv('found in', `${l.source}${l.where ? `: ${l.where}` : ''}`, 'mono'),
            kv('process', proc, 'mono'),
            kv('tool call', call, 'mono'),
            kv('detector', `${l.detector} · ${l.detector_rule}`, 'mono'),
            kv('reason', l.reason),
          )
        : [
            h(
              'table',
              { class: 'table al-packages' },
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ['package', 'severity', 'looks like', 'why'].map((x) => h('th', {}, x)),
                ),
              ),
              h(
                'tbody',
                {},
                [...l.packages]
                  .sort((a, b) => rank(b.severity) - rank(a.severity))
                  .map((p) =>
                    h(
                      'tr',
                      { 'data-package': p.name },
                      h(
                        'td',
                        { class: 'mono' },
                        p.raw,
                        h('span', { class: 'muted' }, `  ${p.ecosystem} · ${p.source}`),
                      ),
                      h('td', {}, sevBadge(p.severity)),
                      h('td', { class: 'mono' }, p.similar_to ?? ''),
                      h(
                        'td',
                        {},
                        p.reasons.map((r) => h('div', {}, h('code', {}, r.code), ' ', r.detail)),
                      ),
                    ),
                  ),
              ),
            ),
            h(
              'dl',
              { class: 'kv' },
              kv(
                'command',
                l.risk_reasons.length === 0
                  ? null
                  : l.risk_reasons.map((r) => h('div', {}, h('code', {}, r.code), ' ', r.detail)),
              ),
              kv('argv', `${l.argv.join(' ')}${l.argv_truncated ? ' …' : ''}`, 'mono'),
              kv('process', proc, 'mono'),
              kv('tool call', call, 'mono'),
              kv('killed after', l.elapsed_ms === undefined ? null : `${l.elapsed_ms} ms`),
              kv('reason', l.reason),
            ),
          ];
    return h(
      'div',
      {
        class: `alert-item al-${l.severity}`,
        'data-id': String(id),
        'data-kind': l.event,
        'data-severity': l.severity,
        'data-session': l.session,
      },
      head,
      body,
    );
  }
}
