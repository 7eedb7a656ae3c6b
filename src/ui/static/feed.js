// The feed: a bounded buffer of lines (newest first on screen), filters, a virtualized list
// (only the visible rows exist in the DOM, so 20 000 lines cost as much as 40) and the detail
// panel. Decisions (BLOCK/KILL/AUDIT) pushed out of the buffer by routine lines are kept in a
// second, smaller buffer, so a burst of OBSERVE lines never hides a block.
import {
  ACTIONS,
  badge,
  fill,
  fmtInt,
  fmtTime,
  getJson,
  h,
  isDecision,
  maskGeneration,
  redact,
  target,
} from './dom.js';
// served by the UI server from the audit schema (src/sinks/audit-schema.ts)
import { EVENT_KINDS } from './event-kinds.js';

const CAP = 20_000;
const SLACK = 2_000;
const KEEP_CAP = 5_000;
const ROW_H = 22;
const OVERSCAN = 8;
/** The filtered view is recomputed at most this often while lines stream in. */
const RECOMPUTE_MS = 200;

export class Feed {
  constructor(root, app) {
    this.app = app;
    /** oldest first: {id, l} lines and {id, gap} markers */
    this.rows = [];
    this.kept = [];
    this.received = 0;
    this.lastId = 0;
    this.view = [];
    this.selectedId = null;
    this.paused = false;
    this.filters = { actions: new Set(ACTIONS), event: '', session: '', proc: '', q: '' };
    this.dirty = true;
    this.lastCompute = 0;
    this.sessions = new Set();
    this.pendingNew = 0;
    this.#build(root);
    this.timer = setInterval(() => this.#maybeRecompute(), RECOMPUTE_MS);
  }

  #build(root) {
    this.chips = new Map();
    const chipBar = h(
      'div',
      { class: 'chips', role: 'group', 'aria-label': 'actions' },
      ACTIONS.map((a) => {
        const count = h('span', { class: 'chip-count' }, '0');
        const chip = h(
          'button',
          {
            class: `chip chip-${a.toLowerCase()} on`,
            'data-action': a,
            title: `show ${a} lines (double-click: only ${a})`,
            onclick: () => this.#toggleAction(a),
            ondblclick: () => this.#onlyAction(a),
          },
          a,
          count,
        );
        this.chips.set(a, { chip, count });
        return chip;
      }),
    );
    this.eventSel = h(
      'select',
      {
        'data-filter': 'event',
        title: 'event type',
        onchange: () => this.#setFilter('event', this.eventSel.value),
      },
      h('option', { value: '' }, 'all events'),
      EVENT_KINDS.map((e) => h('option', { value: e }, e)),
    );
    this.sessionSel = h(
      'select',
      {
        'data-filter': 'session',
        title: 'session',
        onchange: () => this.#setFilter('session', this.sessionSel.value),
      },
      h('option', { value: '' }, 'all sessions'),
    );
    this.procInput = h('input', {
      type: 'search',
      'data-filter': 'proc',
      placeholder: 'pid or comm',
      class: 'w-proc',
      oninput: () => this.#setFilter('proc', this.procInput.value.trim()),
    });
    this.qInput = h('input', {
      type: 'search',
      'data-filter': 'q',
      placeholder: 'search: path, argv, ip, rule…  ( / )',
      class: 'w-q',
      oninput: () => this.#setFilter('q', this.qInput.value.trim().toLowerCase()),
    });
    this.pauseBtn = h(
      'button',
      { class: 'btn', title: 'freeze the list (lines keep arriving)', onclick: () => this.#togglePause() },
      'Pause',
    );
    this.countEl = h('span', { class: 'muted feed-count' });
    const toolbar = h(
      'div',
      { class: 'toolbar' },
      chipBar,
      this.eventSel,
      this.sessionSel,
      this.procInput,
      this.qInput,
      this.pauseBtn,
      this.countEl,
    );

    this.gapBanner = h('div', { class: 'banner banner-gap', hidden: true });
    this.newPill = h('button', { class: 'new-pill', hidden: true, onclick: () => this.#toTop() });
    const header = h(
      'div',
      { class: 'row row-head' },
      ['time (UTC)', 'action', 'event', 'session', 'pid', 'comm', 'target', 'rule / reason'].map((t, i) =>
        h('span', { class: `c c${i}` }, t),
      ),
    );
    this.spacer = h('div', { class: 'spacer' });
    this.list = h(
      'div',
      { class: 'list', tabindex: '0', onscroll: () => this.#onScroll(), onkeydown: (e) => this.#onKey(e) },
      this.spacer,
    );
    this.empty = h('div', { class: 'empty' }, 'Waiting for events…');
    this.detail = h('aside', { class: 'detail', hidden: true });
    const main = h(
      'div',
      { class: 'feed-main' },
      header,
      h('div', { class: 'list-wrap' }, this.list, this.empty, this.newPill),
    );
    fill(root, toolbar, this.gapBanner, h('div', { class: 'feed-body' }, main, this.detail));
    this.pool = [];
    document.addEventListener('keydown', (e) => {
      if (e.key === '/' && document.activeElement?.tagName !== 'INPUT' && this.app.tab === 'feed') {
        e.preventDefault();
        this.qInput.focus();
      } else if (e.key === 'Escape' && !this.detail.hidden) {
        this.closeDetail();
      }
    });
  }

  // --- data in ---

  add(from, lines) {
    let added = 0;
    for (let i = 0; i < lines.length; i++) {
      const id = from + i;
      if (id <= this.lastId) continue; // a replay overlapping what we have
      const l = lines[i];
      this.rows.push({ id, l });
      if (l.session && !this.sessions.has(l.session)) {
        this.sessions.add(l.session);
        this.sessionSel.append(h('option', { value: l.session }, l.session));
      }
      added++;
    }
    this.received += added;
    if (from + lines.length - 1 > this.lastId) this.lastId = from + lines.length - 1;
    if (this.rows.length > CAP + SLACK) {
      const cut = this.rows.splice(0, this.rows.length - CAP);
      for (const r of cut) if (r.l && isDecision(r.l.action)) this.kept.push(r);
      if (this.kept.length > KEEP_CAP) this.kept.splice(0, this.kept.length - KEEP_CAP);
    }
    this.dirty = true;
  }

  gap(g) {
    const text =
      g.reason === 'unknown-id'
        ? 'The server does not know where this page left off (vigil restarted?): lines may be missing before this point.'
        : `${fmtInt(g.missed)} lines (#${g.from}–#${g.to}) were not delivered: they left the UI's backlog before this page caught up. The audit log has them.`;
    this.rows.push({ id: g.from - 0.5, gap: text });
    this.gapBanner.hidden = false;
    fill(
      this.gapBanner,
      h('strong', {}, 'Gap in the feed. '),
      text,
      ' ',
      h('button', { class: 'btn btn-small', onclick: () => (this.gapBanner.hidden = true) }, 'dismiss'),
    );
    this.dirty = true;
  }

  /** Server-side totals for the action chips. */
  totals(t) {
    for (const [a, { count }] of this.chips) count.textContent = fmtInt(t?.[a] ?? 0);
  }

  // --- filters ---

  #toggleAction(a) {
    const s = this.filters.actions;
    if (s.has(a)) s.delete(a);
    else s.add(a);
    this.#syncChips();
  }
  #onlyAction(a) {
    this.filters.actions = new Set([a]);
    this.#syncChips();
  }
  #syncChips() {
    for (const [a, { chip }] of this.chips) chip.classList.toggle('on', this.filters.actions.has(a));
    this.#refilter();
  }
  #setFilter(k, v) {
    this.filters[k] = v;
    this.#refilter();
  }
  /** Sets filters from outside (the Sessions view's "show in feed"). */
  setFilters({ session, proc }) {
    if (session !== undefined) {
      this.filters.session = session;
      this.sessionSel.value = session;
    }
    if (proc !== undefined) {
      this.filters.proc = proc;
      this.procInput.value = proc;
    }
    this.#refilter();
  }
  #refilter() {
    this.dirty = true;
    this.#recompute(true);
  }

  #matches(r) {
    if (r.gap) return true;
    const l = r.l;
    const f = this.filters;
    if (!f.actions.has(l.action)) return false;
    if (f.event && l.event !== f.event) return false;
    if (f.session && l.session !== f.session) return false;
    if (f.proc) {
      if (/^\d+$/.test(f.proc)) {
        const p = Number(f.proc);
        if (l.pid !== p && l.child_pid !== p) return false;
      } else if (!(l.comm ?? '').toLowerCase().includes(f.proc.toLowerCase())) return false;
    }
    if (f.q) {
      r.hay ??= JSON.stringify(l).toLowerCase();
      if (!r.hay.includes(f.q)) return false;
    }
    return true;
  }

  #maybeRecompute() {
    if (this.dirty && !this.paused) this.#recompute(false);
    else if (this.renderedGen !== maskGeneration) {
      // a secret mask was learned: redraw what shows (paused or not), and the open detail
      this.#render();
      if (!this.detail.hidden && this.detailRow) this.#showDetail(this.detailRow);
    }
  }

  /** The filtered view, newest first: the buffer merged with the kept decisions. */
  #recompute(force) {
    const now = performance.now();
    if (!force && now - this.lastCompute < RECOMPUTE_MS / 2) return;
    this.lastCompute = now;
    this.dirty = false;
    const anchor = this.list.scrollTop > 0 ? this.view[Math.floor(this.list.scrollTop / ROW_H)] : undefined;
    const out = [];
    let i = this.rows.length - 1;
    let k = this.kept.length - 1;
    while (i >= 0 || k >= 0) {
      const a = this.rows[i];
      const b = this.kept[k];
      let r;
      if (b === undefined || (a !== undefined && a.id > b.id)) {
        r = a;
        i--;
      } else {
        r = b;
        k--;
      }
      if (this.#matches(r)) out.push(r);
    }
    const before = this.view.length;
    this.view = out;
    this.spacer.style.height = `${out.length * ROW_H}px`;
    if (anchor !== undefined && !force) {
      // keep what the reader looks at in place; say how many newer lines came in above
      const idx = indexDesc(out, anchor.id);
      const oldIdx = Math.floor(this.list.scrollTop / ROW_H);
      const offset = this.list.scrollTop % ROW_H;
      if (idx >= 0) {
        this.pendingNew += Math.max(0, idx - oldIdx);
        this.spacer.style.height = `${out.length * ROW_H}px`;
        this.list.scrollTop = idx * ROW_H + offset;
      }
    } else if (force) {
      this.pendingNew = 0;
    }
    this.empty.hidden = out.length > 0;
    this.empty.textContent =
      before === 0 && this.received === 0 ? 'Waiting for events…' : 'No line matches the filters.';
    const showing = `${fmtInt(out.length)} shown · ${fmtInt(this.rows.length + this.kept.length)} buffered · ${fmtInt(this.received)} received`;
    this.countEl.textContent = this.paused ? `paused · ${showing}` : showing;
    this.#render();
  }

  // --- the virtualized list ---

  #onScroll() {
    if (this.list.scrollTop < ROW_H) this.pendingNew = 0;
    this.#render();
  }

  #toTop() {
    this.list.scrollTop = 0;
    this.pendingNew = 0;
    this.#render();
  }

  #render() {
    const top = this.list.scrollTop;
    const height = this.list.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / ROW_H) - OVERSCAN);
    const last = Math.min(this.view.length, Math.ceil((top + height) / ROW_H) + OVERSCAN);
    const need = last - first;
    while (this.pool.length < need) {
      const el = h('div', { class: 'row', onclick: () => this.select(Number(el.dataset.id)) });
      this.pool.push(el);
      this.list.append(el);
    }
    const regen = this.renderedGen !== maskGeneration;
    this.renderedGen = maskGeneration;
    for (let j = 0; j < this.pool.length; j++) {
      const el = this.pool[j];
      const r = this.view[first + j];
      if (j >= need || r === undefined) {
        el.hidden = true;
        if (regen && el.dataset.id !== '') {
          // a hidden row keeps its old text: drop it rather than leave a secret in the DOM
          el.replaceChildren();
          el.dataset.id = '';
        }
        continue;
      }
      el.hidden = false;
      el.style.transform = `translateY(${(first + j) * ROW_H}px)`;
      // a row is redrawn when it shows another line, or a secret mask was learned since
      if (el.dataset.id !== String(r.id) || el.dataset.gen !== String(maskGeneration)) fillRow(el, r);
      el.classList.toggle('selected', r.id === this.selectedId);
    }
    this.newPill.hidden = this.pendingNew <= 0 || top < ROW_H;
    this.newPill.textContent = `↑ ${fmtInt(this.pendingNew)} newer`;
  }

  #togglePause() {
    this.paused = !this.paused;
    this.pauseBtn.textContent = this.paused ? 'Resume' : 'Pause';
    this.pauseBtn.classList.toggle('on', this.paused);
    if (!this.paused) this.#recompute(true);
    else this.countEl.textContent = `paused · ${this.countEl.textContent}`;
  }

  #onKey(e) {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp' && e.key !== 'j' && e.key !== 'k') return;
    e.preventDefault();
    const idx = this.view.findIndex((r) => r.id === this.selectedId);
    const next =
      this.view[
        Math.max(0, Math.min(this.view.length - 1, idx + (e.key === 'ArrowDown' || e.key === 'j' ? 1 : -1)))
      ];
    if (next && !next.gap) {
      this.select(next.id);
      const y = this.view.indexOf(next) * ROW_H;
      if (y < this.list.scrollTop) this.list.scrollTop = y;
      else if (y + ROW_H > this.list.scrollTop + this.list.clientHeight)
        this.list.scrollTop = y + ROW_H - this.list.clientHeight;
    }
  }

  // --- detail panel ---

  select(id) {
    const r = this.view.find((x) => x.id === id);
    if (!r || r.gap) return;
    this.selectedId = id;
    this.#render();
    this.#showDetail(r);
  }

  #showDetail(r) {
    this.detailRow = r;
    const l = r.l;
    const rule = this.app.findRule(l.profile, l.rule);
    const ancestry = h('div', { class: 'ancestry' }, h('span', { class: 'muted' }, 'loading…'));
    const kv = (k, v, cls) => [
      h('dt', {}, k),
      h('dd', { class: cls ?? '' }, v ?? h('span', { class: 'muted' }, '—')),
    ];
    const copy = h(
      'button',
      // masked like the page: the audit log has the line as written
      { class: 'btn btn-small', onclick: () => navigator.clipboard?.writeText(redact(JSON.stringify(l))) },
      'copy',
    );
    fill(
      this.detail,
      h(
        'div',
        { class: 'detail-head' },
        badge(l.action),
        h('span', { class: 'detail-event' }, l.event),
        h('span', { class: 'muted' }, `#${r.id} · ${l.ts}`),
        h(
          'button',
          { class: 'btn btn-small close', title: 'close (Esc)', onclick: () => this.closeDetail() },
          '×',
        ),
      ),
      h('div', { class: 'detail-target mono' }, target(l)),
      h('h3', {}, 'Decision'),
      h(
        'dl',
        { class: 'kv' },
        kv('action', badge(l.action)),
        kv('rule', l.rule === null ? null : h('code', {}, l.rule)),
        rule
          ? kv(
              'defined at',
              `${rule.id} · ${rule.origin.file}${rule.origin.line ? `:${rule.origin.line}` : ''}${rule.action !== 'allow' ? ` · action ${rule.action}` : ''}`,
            )
          : null,
        kv('reason', l.reason),
        kv('enforcement', l.enforcement),
        kv('backend', h('code', {}, l.backend)),
        kv('profile', l.profile),
        kv('session', l.session),
        l.tool_call
          ? kv('tool call', `${l.tool_call.name} · turn ${l.tool_call.turn} · ${l.tool_call.id}`, 'mono')
          : null,
      ),
      typeof l.pid !== 'number'
        ? null
        : [
            h('h3', {}, 'Process'),
            h(
              'dl',
              { class: 'kv' },
              kv('pid', String(l.pid)),
              kv('comm', l.comm),
              kv('exe', l.exe, 'mono'),
              kv('ppid', typeof l.ppid === 'number' ? String(l.ppid) : null),
              kv('uid', typeof l.uid === 'number' ? String(l.uid) : null),
              kv('tid', typeof l.tid === 'number' ? String(l.tid) : null),
            ),
            h('h3', {}, 'Ancestry ', h('span', { class: 'muted' }, 'session root first')),
            ancestry,
          ],
      h('h3', {}, 'Audit line ', copy),
      h('pre', { class: 'json' }, JSON.stringify(l, null, 2)),
    );
    this.detail.hidden = false;
    if (typeof l.pid === 'number' && l.session) {
      getJson(`/api/ancestry?session=${encodeURIComponent(l.session)}&pid=${l.pid}`)
        .then((a) => fill(ancestry, renderAncestry(a)))
        .catch((e) => fill(ancestry, h('span', { class: 'muted' }, String(e.message))));
    }
  }

  closeDetail() {
    this.detail.hidden = true;
    this.selectedId = null;
    this.#render();
  }
}

function renderAncestry(a) {
  if (a.chain.length === 0) return h('span', { class: 'muted' }, 'unknown: the process left vigil’s tables');
  const chain = [...a.chain].reverse();
  return [
    a.complete
      ? null
      : h(
          'div',
          { class: 'muted small' },
          '… the chain above is not known (process started before vigil saw it, or left its tables)',
        ),
    chain.map((p, i) =>
      h(
        'div',
        { class: `anc ${p.exited ? 'exited' : ''}` },
        h('span', { class: 'anc-indent' }, i === 0 ? '' : `${' '.repeat(Math.min(i, 12) - 1)}└ `),
        h('span', { class: 'anc-pid' }, String(p.pid)),
        h('span', { class: 'anc-comm' }, p.comm),
        p.root ? h('span', { class: 'tag' }, 'root') : null,
        p.exited ? h('span', { class: 'tag tag-dim' }, 'exited') : null,
        h(
          'span',
          { class: 'anc-exe mono muted', title: p.argv ? p.argv.join(' ') : (p.exe ?? '') },
          p.argv ? p.argv.join(' ') : (p.exe ?? ''),
        ),
      ),
    ),
    h(
      'div',
      { class: 'muted small' },
      `from ${a.from === 'lines+daemon' ? 'the session’s lines and the daemon’s process table' : a.from === 'daemon' ? 'the daemon’s process table' : 'the session’s lines'}`,
    ),
  ];
}

function fillRow(el, r) {
  el.dataset.id = String(r.id);
  el.dataset.gen = String(maskGeneration);
  if (r.gap) {
    el.className = 'row row-gap';
    fill(el, h('span', { class: 'gap-text' }, `⚠ ${r.gap}`));
    return;
  }
  const l = r.l;
  el.className = `row a-${l.action.toLowerCase()}`;
  fill(
    el,
    h('span', { class: 'c c0' }, fmtTime(l.ts)),
    h('span', { class: 'c c1' }, badge(l.action)),
    h('span', { class: 'c c2' }, l.event),
    h('span', { class: 'c c3' }, l.session ?? '—'),
    h('span', { class: 'c c4' }, typeof l.pid === 'number' ? String(l.pid) : ''),
    h('span', { class: 'c c5' }, l.comm ?? ''),
    h('span', { class: 'c c6' }, target(l)),
    h('span', { class: 'c c7' }, l.rule !== null ? l.rule : l.reason === 'observed' ? '' : l.reason),
  );
  el.title = '';
}

/** Index of `id` in a view sorted by id, descending; -1 when absent. */
function indexDesc(view, id) {
  let lo = 0;
  let hi = view.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = view[mid].id;
    if (v === id) return mid;
    if (v > id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
