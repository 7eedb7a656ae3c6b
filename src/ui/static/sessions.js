// Sessions: one card per session (profile, start, state, counters), and for the selected one
// what vigil captures of it (the capture matrix), its rates over the last two minutes, blocks by
// rule, its live process tree, and its timeline: turn -> tool call -> the kernel lines linked.
import {
  ACTIONS,
  badge,
  callText,
  fill,
  fmtAgo,
  fmtDuration,
  fmtInt,
  fmtTime,
  getJson,
  h,
  maskGeneration,
  svg,
  target,
} from './dom.js';

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

  /** Selects a session (a link from another view); its detail shows with the next overview. */
  select(name) {
    if (name === this.selected) return;
    this.selected = name;
    this.lastTree = null;
    if (this.data) this.update(this.data);
    this.#loadTree();
    this.#loadTimeline();
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
            onclick: () => this.select(s.name),
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
    else if (this.selected !== null)
      fill(
        this.detail,
        h(
          'div',
          { class: 'empty' },
          `Session ${this.selected} is not in the overview (it lists the 50 newest).`,
        ),
      );
  }

  show(visible) {
    clearInterval(this.treeTimer);
    if (visible) {
      this.#loadTree();
      this.#loadTimeline();
      this.treeTimer = setInterval(() => {
        this.#loadTree();
        this.#loadTimeline();
      }, TREE_MS);
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
        'h3',
        {},
        'Captured ',
        h('span', { class: 'muted' }, 'what vigil records of this session beyond its decisions'),
      ),
      renderCapture(s),
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
        'Timeline ',
        h(
          'span',
          { class: 'muted' },
          'turn → tool call (the agent’s own log) → the kernel lines linked to it; click a line to filter the feed',
        ),
      ),
      this.#timelinePanel(s.name),
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

  /** The timeline's element, kept across overviews (redrawn only when the timeline changed). */
  #timelinePanel(name) {
    if (this.timeline?.name === name) return this.timeline.el;
    const el = h(
      'div',
      { class: 'timeline', 'data-session': name },
      h('span', { class: 'muted' }, 'loading…'),
    );
    // open state of calls and groups, by key, across redraws
    this.timeline = { name, el, version: -1, gen: -1, open: new Map() };
    this.#loadTimeline();
    return el;
  }

  async #loadTimeline() {
    const tl = this.timeline;
    if (!tl || tl.name !== this.selected || tl.busy) return;
    tl.busy = true;
    try {
      const r = await fetch(`/api/sessions/${encodeURIComponent(tl.name)}/timeline`, {
        credentials: 'same-origin',
        cache: 'no-store',
      });
      const d = await r.json().catch(() => ({ error: `HTTP ${r.status}` }));
      if (this.timeline !== tl) return;
      if (!r.ok) {
        if (tl.version !== -2)
          fill(
            tl.el,
            h(
              'div',
              { class: 'muted' },
              r.status === 404
                ? 'no tool call or process line of this session yet'
                : (d.error ?? `HTTP ${r.status}`),
            ),
          );
        tl.version = -2;
        return;
      }
      if (d.version === tl.version && tl.gen === maskGeneration) return;
      tl.version = d.version;
      tl.gen = maskGeneration;
      fill(
        tl.el,
        renderTimeline(d, tl.open, (pid) => this.app.showInFeed(tl.name, String(pid))),
      );
    } catch {
      // the server went away: the next round retries
    } finally {
      tl.busy = false;
    }
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

/**
 * The capture matrix (the daemon's `capture`, as `vigil status` prints it): kernel events
 * always; the agent's own log, found or not and why; which detectors ran, with their counts.
 */
function renderCapture(s) {
  const c = s.capture;
  if (!c)
    return h(
      'div',
      { class: 'capture capture-none muted' },
      `kernel events (always); anything else: not reported by this daemon${s.kind === null ? ' (it no longer lists this session)' : ''}`,
    );
  const t = c.transcript;
  const sec = c.detectors.secrets;
  const inst = c.detectors.installs;
  const row = (what, state, cls, detail) =>
    h(
      'tr',
      { 'data-capture': what },
      h('td', {}, what),
      h('td', {}, h('span', { class: `cap cap-${cls}` }, state)),
      h('td', { class: 'muted' }, detail),
    );
  const log =
    t.agent === null
      ? row('agent log', 'not read', 'off', t.reason)
      : t.found
        ? row(
            'agent log',
            'read',
            'on',
            `${t.agent} · ${t.path ?? '?'} · ${fmtInt(t.toolCalls)} tool call(s), ${fmtInt(t.linkedLines)} kernel line(s) linked${c.captureTranscript ? ' · input and output captured (masked)' : ''}`,
          )
        : row('agent log', 'not found', 'warn', `${t.agent}: ${t.reason}`);
  return h(
    'table',
    { class: 'table capture' },
    h(
      'tbody',
      {},
      row('kernel events', 'always', 'on', 'every decision the kernel made, and what it observed'),
      log,
      row(
        'installs',
        inst.policy,
        inst.policy === 'off' ? 'off' : 'on',
        `${fmtInt(inst.commands)} installer command(s) parsed${inst.policy === 'block' ? '; flagged ones killed' : inst.policy === 'audit' ? '; flagged ones audited' : '; flagged ones only observed'}`,
      ),
      row('secrets: argv', 'on', 'on', `${fmtInt(sec.argv)} exec(s) scanned`),
      row(
        'secrets: environment',
        'on',
        sec.environUnread > 0 ? 'warn' : 'on',
        `${fmtInt(sec.environ)} scanned${sec.environUnread > 0 ? `; ${fmtInt(sec.environUnread)} exited before theirs was read` : ''}`,
      ),
      row(
        'secrets: written files',
        sec.workingTree === null ? 'waiting' : 'on',
        sec.workingTree === null ? 'warn' : 'on',
        `${fmtInt(sec.files)} scan(s) in ${sec.workingTree ?? '(working tree not known yet)'}`,
      ),
      row(
        'secrets: agent log',
        t.found ? 'on' : 'off',
        t.found ? 'on' : 'off',
        `${fmtInt(sec.transcript)} text(s) scanned`,
      ),
      sec.skipped > 0
        ? row(
            'secrets: skipped',
            'behind',
            'warn',
            `${fmtInt(sec.skipped)} scan(s) not made: the detector fell behind or the session wrote too many files`,
          )
        : null,
    ),
  );
}

/** One kernel line in the timeline: time, badge, event, process, what it was about. */
function timelineLine(e, onPick) {
  const l = e.line;
  const denied = l.action === 'BLOCK' || l.action === 'KILL';
  return h(
    'div',
    {
      class: `tl-line ${denied ? 'tl-denied' : ''}`,
      'data-id': String(e.id),
      'data-event': l.event,
      'data-action': l.action,
      title: typeof l.pid === 'number' ? 'show this process in the feed' : '',
      onclick: typeof l.pid === 'number' ? () => onPick(l.pid) : undefined,
    },
    h('span', { class: 'tl-time' }, fmtTime(l.ts)),
    badge(l.action),
    h('span', { class: 'tl-event' }, l.event),
    h('span', { class: 'tl-proc' }, typeof l.pid === 'number' ? `${l.pid} ${l.comm ?? ''}` : ''),
    h('span', { class: 'tl-target' }, target(l)),
    e.late
      ? h(
          'span',
          {
            class: 'tl-late',
            title:
              'linked once the agent logged the call, after the line was written: placed here by the call’s processes and time window',
          },
          'late',
        )
      : null,
  );
}

/** A <details> whose open state survives redraws (kept in `open` by key). */
function details(open, key, openByDefault, attrs, summary, body) {
  const isOpen = open.has(key) ? open.get(key) : openByDefault;
  return h(
    'details',
    { ...attrs, open: isOpen, ontoggle: (e) => open.set(key, e.target.open) },
    h('summary', {}, summary),
    body,
  );
}

function renderTimeline(d, open, onPick) {
  const calls = d.turns.reduce((n, t) => n + t.calls.length, 0);
  const u = d.unlinked;
  return [
    h(
      'div',
      { class: 'tl-bar muted small' },
      d.agent === null
        ? 'no tool call read from the agent’s log (see Captured)'
        : `${d.agent} · ${d.transcript ?? ''}`,
      ` · ${fmtInt(calls)} tool call(s) in ${fmtInt(d.turns.length)} turn(s)`,
      d.droppedCalls > 0 ? ` · ${fmtInt(d.droppedCalls)} older call(s) not kept` : '',
    ),
    d.turns.map((t) =>
      h(
        'div',
        { class: 'tl-turn', 'data-turn': String(t.turn) },
        h('div', { class: 'tl-turn-head' }, `turn ${t.turn}`),
        t.calls.map((c) =>
          details(
            open,
            `call:${c.id}`,
            c.denied > 0,
            {
              class: `tl-call ${c.denied > 0 ? 'tl-call-denied' : ''} ${c.isError ? 'tl-call-error' : ''}`,
              'data-call-id': c.id,
            },
            [
              h('span', { class: 'tl-name' }, c.name),
              c.kind ? h('span', { class: 'tag tag-dim' }, c.kind) : null,
              h('span', { class: 'tl-cmd mono' }, callText(c)),
              h(
                'span',
                { class: 'tl-meta' },
                c.logged
                  ? c.endedAt === null
                    ? h('span', { class: 'tag tag-warn' }, 'no result')
                    : h('span', { class: 'muted' }, fmtDuration(c.durationMs))
                  : h(
                      'span',
                      { class: 'tag tag-dim', title: 'its kernel lines came; its result is not logged yet' },
                      'running',
                    ),
                c.isError ? h('span', { class: 'tag tag-error' }, 'error') : null,
                h('span', { class: 'mini' }, `${fmtInt(c.lineCount)} line(s)`),
                c.denied > 0 ? h('span', { class: 'mini mini-block' }, `${fmtInt(c.denied)} denied`) : null,
              ),
            ],
            [
              h('div', { class: 'tl-sub muted small' }, `${fmtTime(c.ts)} UTC · ${c.id}`),
              c.lines.length === 0
                ? h('div', { class: 'muted small tl-none' }, 'no kernel line linked to this call')
                : c.lines.map((e) => timelineLine(e, onPick)),
              c.linked?.late > 0
                ? h(
                    'div',
                    { class: 'muted small' },
                    `${fmtInt(c.linked.late)} more kernel line(s) linked only once the call was logged: they carry no tool call and show under “not linked”`,
                  )
                : null,
              c.lineCount > c.lines.length
                ? h(
                    'div',
                    { class: 'muted small' },
                    `… ${fmtInt(c.lineCount - c.lines.length)} more not kept`,
                  )
                : null,
              c.input === null
                ? null
                : h('details', {}, h('summary', {}, 'input'), h('pre', { class: 'tl-io' }, c.input)),
              c.output === null
                ? null
                : h('details', {}, h('summary', {}, 'output'), h('pre', { class: 'tl-io' }, c.output)),
            ],
          ),
        ),
      ),
    ),
    details(
      open,
      'unlinked',
      false,
      { class: `tl-unlinked ${u.denied > 0 ? 'tl-call-denied' : ''}` },
      [
        h('span', { class: 'tl-name' }, 'not linked to a tool call'),
        h(
          'span',
          { class: 'tl-meta' },
          h('span', { class: 'mini' }, `${fmtInt(u.count)} line(s)`),
          u.denied > 0 ? h('span', { class: 'mini mini-block' }, `${fmtInt(u.denied)} denied`) : null,
        ),
      ],
      [
        u.count > u.lines.length
          ? h(
              'div',
              { class: 'muted small' },
              `the newest ${fmtInt(u.lines.length)} shown (denials kept first)`,
            )
          : null,
        u.lines.length === 0
          ? h('div', { class: 'muted small tl-none' }, 'none')
          : u.lines.map((e) => timelineLine(e, onPick)),
      ],
    ),
  ];
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
