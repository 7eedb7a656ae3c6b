// Sessions: one card per session (profile, start, state, counters), and for the selected one
// its rates over the last two minutes, blocks by rule, and its live process tree.
import { ACTIONS, badge, fill, fmtAgo, fmtInt, getJson, h, svg } from './dom.js';

const TREE_MS = 2000;

export class Sessions {
  constructor(root, app) {
    this.app = app;
    this.selected = null;
    this.list = h('div', { class: 'session-list' });
    this.detail = h('div', { class: 'session-detail' }, h('div', { class: 'empty' }, 'No session yet.'));
    fill(root, h('div', { class: 'sessions' }, this.list, this.detail));
    this.treeTimer = null;
    this.lastTree = null;
    this.showExited = false;
  }

  #tree(tree, name) {
    return renderTree(
      tree,
      (pid) => this.app.showInFeed(name, String(pid)),
      this.showExited,
      () => {
        this.showExited = !this.showExited;
        if (this.treeEl) fill(this.treeEl, this.#tree(this.lastTree, name));
      },
    );
  }

  update(sessions) {
    this.data = sessions;
    if (this.selected === null && sessions.length > 0) this.selected = sessions[0].name;
    fill(
      this.list,
      sessions.length === 0 ? h('div', { class: 'empty' }, 'No session yet.') : null,
      sessions.map((s) => {
        const a = s.counters?.actions ?? {};
        return h(
          'button',
          {
            class: `session-card ${s.name === this.selected ? 'selected' : ''}`,
            'data-session': s.name,
            onclick: () => {
              this.selected = s.name;
              this.lastTree = null;
              this.update(this.data);
              this.#loadTree();
            },
          },
          h(
            'div',
            { class: 'sc-head' },
            h('span', { class: `dot ${s.live ? 'dot-live' : 'dot-ended'}` }),
            h('strong', {}, s.name),
            h('span', { class: 'muted' }, s.kind ?? ''),
          ),
          h(
            'div',
            { class: 'sc-sub' },
            h('span', {}, s.profile ?? '?'),
            h(
              'span',
              { class: 'muted' },
              s.live ? `${s.processes} proc · started ${fmtAgo(s.startedAt)}` : `ended ${fmtAgo(s.endedAt)}`,
            ),
          ),
          h(
            'div',
            { class: 'sc-counts' },
            ACTIONS.filter((x) => (a[x] ?? 0) > 0).map((x) =>
              h('span', { class: `mini mini-${x.toLowerCase()}` }, `${x} ${fmtInt(a[x])}`),
            ),
          ),
        );
      }),
    );
    const s = sessions.find((x) => x.name === this.selected);
    if (s) this.#renderDetail(s);
  }

  show(visible) {
    clearInterval(this.treeTimer);
    if (visible) {
      this.#loadTree();
      this.treeTimer = setInterval(() => this.#loadTree(), TREE_MS);
    }
  }

  async #loadTree() {
    if (!this.selected) return;
    const name = this.selected;
    try {
      const d = await getJson(`/api/sessions/${encodeURIComponent(name)}`);
      if (name !== this.selected) return;
      this.lastTree = d.tree;
      if (this.treeEl) fill(this.treeEl, this.#tree(d.tree, name));
    } catch {
      // a session the UI has no lines for yet
    }
  }

  #renderDetail(s) {
    const c = s.counters;
    const a = c?.actions ?? {};
    const ev = c?.events ?? {};
    const rules = Object.entries(c?.blocksByRule ?? {}).sort((x, y) => y[1] - x[1]);
    this.treeEl = h(
      'div',
      { class: 'tree' },
      this.lastTree ? this.#tree(this.lastTree, s.name) : h('span', { class: 'muted' }, 'loading…'),
    );
    fill(
      this.detail,
      h(
        'div',
        { class: 'sd-head' },
        h('span', { class: `dot ${s.live ? 'dot-live' : 'dot-ended'}` }),
        h('h2', {}, s.name),
        h('span', { class: 'tag' }, s.kind ?? 'session'),
        h('span', { class: s.live ? 'state-live' : 'muted' }, s.live ? 'live' : 'ended'),
        h('button', { class: 'btn btn-small', onclick: () => this.app.showInFeed(s.name) }, 'show in feed'),
      ),
      h(
        'dl',
        { class: 'kv kv-wide' },
        h('dt', {}, 'profile'),
        h(
          'dd',
          {},
          s.profile ?? '?',
          s.profileSource ? h('span', { class: 'muted' }, `  ${s.profileSource}`) : null,
        ),
        h('dt', {}, 'started'),
        h('dd', {}, s.startedAt ?? '?', h('span', { class: 'muted' }, `  ${fmtAgo(s.startedAt)}`)),
        s.endedAt ? [h('dt', {}, 'ended'), h('dd', {}, s.endedAt)] : null,
        h('dt', {}, 'root pid'),
        h('dd', {}, s.rootPid === null ? '?' : String(s.rootPid)),
        h('dt', {}, 'processes'),
        h('dd', {}, `${s.processes} live`),
      ),
      h(
        'div',
        { class: 'counters' },
        ACTIONS.map((x) =>
          h(
            'div',
            { class: `counter counter-${x.toLowerCase()}` },
            h('div', { class: 'counter-n' }, fmtInt(a[x] ?? 0)),
            badge(x),
          ),
        ),
      ),
      h('h3', {}, 'Events/s and blocks/s ', h('span', { class: 'muted' }, 'last 2 minutes')),
      chart(s.series),
      h(
        'div',
        { class: 'two-col' },
        h(
          'div',
          {},
          h('h3', {}, 'Blocks by rule'),
          rules.length === 0
            ? h('div', { class: 'muted' }, 'no BLOCK or KILL in this session')
            : h(
                'table',
                { class: 'table' },
                h(
                  'tbody',
                  {},
                  rules.map(([r, n]) =>
                    h('tr', {}, h('td', { class: 'mono' }, r), h('td', { class: 'num' }, fmtInt(n))),
                  ),
                ),
              ),
        ),
        h(
          'div',
          {},
          h('h3', {}, 'Events by type'),
          h(
            'table',
            { class: 'table' },
            h(
              'tbody',
              {},
              Object.entries(ev)
                .sort((x, y) => y[1] - x[1])
                .map(([e, n]) => h('tr', {}, h('td', {}, e), h('td', { class: 'num' }, fmtInt(n)))),
            ),
          ),
        ),
      ),
      h(
        'h3',
        {},
        'Process tree ',
        h(
          'span',
          { class: 'muted' },
          'from the session’s exec/fork/exit lines; click a process to filter the feed',
        ),
      ),
      this.treeEl,
      h(
        'h3',
        {},
        'Learned profile ',
        h(
          'span',
          { class: 'muted' },
          'what this session needed beyond its profile’s rules (vigil profile learn)',
        ),
      ),
      this.#learnPanel(s.name),
    );
  }

  /** A button that learns a profile from the session's decisions, then its diff and its YAML. */
  #learnPanel(name) {
    // the detail is redrawn with every overview: the panel (and a learned result) is kept
    if (this.learnPanel?.name === name) return this.learnPanel.el;
    const out = h('div', { class: 'learn' });
    fill(
      out,
      h('button', { class: 'btn btn-small learn-go', onclick: () => this.#learn(name, out) }, 'learn'),
    );
    this.learnPanel = { name, el: out };
    return out;
  }

  async #learn(name, out) {
    fill(out, h('span', { class: 'muted' }, 'learning…'));
    const r = await fetch(`/api/sessions/${encodeURIComponent(name)}/learned`, {
      credentials: 'same-origin',
      cache: 'no-store',
    });
    const d = await r.json().catch(() => ({ error: `HTTP ${r.status}` }));
    if (!r.ok) {
      fill(out, h('div', { class: 'learn-error' }, d.error ?? `HTTP ${r.status}`));
      return;
    }
    const kind = (line) =>
      line.startsWith('+')
        ? 'ld-add'
        : line.startsWith('!')
          ? 'ld-refused'
          : line.startsWith('~')
            ? 'ld-change'
            : '';
    const href = URL.createObjectURL(new Blob([d.yaml], { type: 'application/yaml' }));
    fill(
      out,
      d.dropped > 0
        ? h(
            'div',
            { class: 'learn-error' },
            `${d.dropped} decision lines were not kept: the profile may miss what they did`,
          )
        : null,
      h(
        'pre',
        { class: 'learn-diff' },
        d.diff.split('\n').map((line) => h('div', { class: kind(line) }, line)),
      ),
      h('a', { class: 'btn btn-small', href, download: `${d.profile}-learned.yaml` }, 'download YAML'),
      h('details', {}, h('summary', {}, 'YAML'), h('pre', { class: 'learn-yaml' }, d.yaml)),
    );
  }
}

/** Events/s (area) and blocks/s (red line) over the series' seconds, plain SVG. */
export function chart(series) {
  const W = 640;
  const H = 130;
  const P = { l: 44, r: 8, t: 8, b: 18 };
  const root = svg('svg', {
    class: 'chart',
    viewBox: `0 0 ${W} ${H}`,
    role: 'img',
    'aria-label': 'events per second and blocks per second',
  });
  if (!series) return root;
  const ev = series.events.slice(0, -1); // the last second is still filling
  const bl = series.blocks.slice(0, -1);
  const max = Math.max(1, ...ev);
  const nice = niceMax(max);
  const x = (i) => P.l + (i / Math.max(1, ev.length - 1)) * (W - P.l - P.r);
  const y = (v) => H - P.b - (v / nice) * (H - P.t - P.b);
  for (const f of [0, 0.5, 1]) {
    root.append(svg('line', { x1: P.l, x2: W - P.r, y1: y(nice * f), y2: y(nice * f), class: 'grid' }));
    root.append(
      svg(
        'text',
        { x: P.l - 6, y: y(nice * f) + 4, class: 'axis', 'text-anchor': 'end' },
        fmtInt(Math.round(nice * f)),
      ),
    );
  }
  const pts = (arr) => arr.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  root.append(
    svg('polygon', {
      points: `${x(0)},${y(0)} ${pts(ev)} ${x(ev.length - 1)},${y(0)}`,
      class: 'area-events',
    }),
  );
  root.append(svg('polyline', { points: pts(ev), class: 'line-events' }));
  root.append(svg('polyline', { points: pts(bl), class: 'line-blocks' }));
  root.append(svg('text', { x: P.l, y: H - 4, class: 'axis' }, `-${ev.length}s`));
  root.append(svg('text', { x: W - P.r, y: H - 4, class: 'axis', 'text-anchor': 'end' }, 'now'));
  const lastE = ev.at(-1) ?? 0;
  const lastB = bl.at(-1) ?? 0;
  root.append(
    svg(
      'text',
      { x: W - P.r - 4, y: P.t + 10, class: 'legend', 'text-anchor': 'end' },
      `${fmtInt(lastE)} ev/s · ${fmtInt(lastB)} blocks/s`,
    ),
  );
  return root;
}

function niceMax(v) {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

/**
 * The tree, parents before children. Exited processes are folded away unless `showExited`
 * (an agent runs thousands of short commands), except those that had blocks or still have
 * live descendants.
 */
function renderTree(tree, onPick, showExited, onToggle) {
  if (!tree || tree.nodes.length === 0) return h('span', { class: 'muted' }, 'no process seen yet');
  const byPid = new Map(tree.nodes.map((n) => [n.pid, n]));
  const kids = new Map();
  const tops = [];
  for (const n of tree.nodes) {
    if (n.ppid !== null && byPid.has(n.ppid) && n.ppid !== n.pid && !n.root) {
      if (!kids.has(n.ppid)) kids.set(n.ppid, []);
      kids.get(n.ppid).push(n);
    } else tops.push(n);
  }
  tops.sort((a, b) => Number(b.root) - Number(a.root) || a.pid - b.pid);
  const alive = new Map();
  const keep = (n) => {
    if (alive.has(n.pid)) return alive.get(n.pid);
    alive.set(n.pid, false);
    let k = !n.exited || n.root || n.blocks > 0;
    for (const c of kids.get(n.pid) ?? []) if (keep(c)) k = true;
    alive.set(n.pid, k);
    return k;
  };
  const exitedCount = tree.nodes.filter((n) => n.exited).length;
  const out = [];
  const seen = new Set();
  const walk = (n, depth) => {
    if (seen.has(n.pid) || out.length > 2000) return;
    seen.add(n.pid);
    if (!showExited && !keep(n)) return;
    const cmd = n.argv ? n.argv.join(' ') : (n.exe ?? '');
    out.push(
      h(
        'div',
        {
          class: `tnode ${n.exited ? 'exited' : 'alive'} ${n.blocks > 0 ? 'has-blocks' : ''}`,
          'data-pid': String(n.pid),
          title: cmd,
          onclick: () => onPick(n.pid),
        },
        h('span', { class: 'tindent' }, depth === 0 ? '' : `${'│ '.repeat(depth - 1)}├ `),
        h('span', { class: 'tpid' }, String(n.pid)),
        h('span', { class: 'tcomm' }, n.comm),
        n.root ? h('span', { class: 'tag' }, 'root') : null,
        n.blocks > 0 ? h('span', { class: 'mini mini-block' }, `${n.blocks} blocked`) : null,
        n.exited ? h('span', { class: 'tag tag-dim' }, n.exit ?? 'exited') : null,
        h('span', { class: 'tcmd mono muted' }, cmd),
      ),
    );
    for (const c of (kids.get(n.pid) ?? []).sort((a, b) => a.pid - b.pid)) walk(c, depth + 1);
  };
  for (const t of tops) walk(t, 0);
  return [
    h(
      'div',
      { class: 'tree-bar muted small' },
      `${fmtInt(tree.nodes.length - exitedCount)} live · ${fmtInt(exitedCount)} exited `,
      h('button', { class: 'btn btn-small', onclick: onToggle }, showExited ? 'hide exited' : 'show exited'),
      out.length > 2000 ? ' (first 2 000 shown)' : '',
    ),
    out,
  ];
}
