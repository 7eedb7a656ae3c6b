// System: the doctor's table (backend per protection, inline or reactive), loss counters of
// the kernel, the ring buffer and the UI stream, and the profiles in use, rendered readably.
import { fill, fmtInt, getJson, h } from './dom.js';

export class System {
  constructor(root, app) {
    this.app = app;
    this.doctorEl = h('div', {}, h('span', { class: 'muted' }, 'probing the kernel (vigil doctor)…'));
    this.lossEl = h('div', { class: 'loss-grid' });
    this.profilesEl = h('div', {}, h('span', { class: 'muted' }, 'loading…'));
    fill(
      root,
      h(
        'div',
        { class: 'system' },
        h(
          'section',
          {},
          h('h2', {}, 'Enforcement on this kernel ', h('span', { class: 'muted' }, 'vigil doctor')),
          this.doctorEl,
        ),
        h('section', {}, h('h2', {}, 'Losses and throughput'), this.lossEl),
        h('section', {}, h('h2', {}, 'Profiles in use'), this.profilesEl),
      ),
    );
    this.loaded = false;
  }

  show(visible) {
    if (!visible || this.loaded) return;
    this.loaded = true;
    getJson('/api/doctor')
      .then((d) => fill(this.doctorEl, renderDoctor(d)))
      .catch((e) =>
        fill(this.doctorEl, h('div', { class: 'banner banner-gap' }, `doctor failed: ${e.message}`)),
      );
    this.app.profilesReady.then((p) =>
      fill(this.profilesEl, p.length === 0 ? h('span', { class: 'muted' }, 'none') : p.map(renderProfile)),
    );
  }

  update(o) {
    const k = o.daemon?.kernel ?? {};
    const r = o.daemon?.ring ?? {};
    const u = o.ui ?? {};
    const cell = (label, value, bad, note) =>
      h(
        'div',
        { class: `loss ${bad ? 'loss-bad' : ''}` },
        h('div', { class: 'loss-n' }, value),
        h('div', { class: 'loss-l' }, label),
        note ? h('div', { class: 'loss-note muted' }, note) : null,
      );
    const n = (v) => Number(v ?? 0);
    fill(
      this.lossEl,
      h('h3', {}, 'Kernel ', h('span', { class: 'muted' }, 'counted in BPF, since the daemon started')),
      h(
        'div',
        { class: 'loss-row' },
        cell(
          'ring buffer full',
          fmtInt(n(k.ringbufFull)),
          n(k.ringbufFull) > 0,
          'events dropped before user space saw them',
        ),
        cell('kernel reads failed', fmtInt(n(k.readFail)), n(k.readFail) > 0, 'events with a missing part'),
        cell('watch table full', fmtInt(n(k.watchFull)), n(k.watchFull) > 0, 'processes not watched'),
        cell('stale entries', fmtInt(n(k.staleEntry)), false, 'PID entries dropped'),
      ),
      h('h3', {}, 'Ring buffer reader'),
      h(
        'div',
        { class: 'loss-row' },
        cell('records', fmtInt(r.records ?? 0), false),
        cell('batches', fmtInt(r.batches ?? 0), false),
        cell('stalls', fmtInt(r.stalls ?? 0), false, 'JS thread busy: the poller waited 1 ms'),
        cell('handler errors', fmtInt(r.handlerErrors ?? 0), (r.handlerErrors ?? 0) > 0),
      ),
      h(
        'h3',
        {},
        'This UI ',
        h(
          'span',
          { class: 'muted' },
          `daemon ${o.source}${o.daemon ? `, pid ${o.daemon.pid}` : ''}${o.statusError ? ` · status failed: ${o.statusError}` : ''}`,
        ),
      ),
      h(
        'div',
        { class: 'loss-row' },
        cell('lines', fmtInt(u.head ?? 0), false, `backlog keeps ${fmtInt(u.backlog ?? 0)}`),
        cell('browsers', fmtInt(u.clients ?? 0), false),
        cell(
          'gaps marked',
          fmtInt(u.gaps ?? 0),
          (u.gaps ?? 0) > 0,
          `${fmtInt(u.gapLines ?? 0)} lines not delivered`,
        ),
        cell('slow browsers dropped', fmtInt(u.droppedClients ?? 0), (u.droppedClients ?? 0) > 0),
      ),
    );
  }
}

const COVERAGE = { inline: 'inline', reactive: 'reactive', none: 'none', unknown: '?' };

function renderDoctor(d) {
  const rows = d.protections.map((p) => {
    const used = p.backends.filter((b) => b.selected);
    return h(
      'tr',
      { 'data-protection': p.id },
      h('td', {}, h('strong', {}, p.title)),
      h('td', {}, h('span', { class: `mode mode-${p.run}` }, COVERAGE[p.run] ?? p.run)),
      h('td', {}, h('span', { class: `mode mode-${p.watch}` }, COVERAGE[p.watch] ?? p.watch)),
      h(
        'td',
        {},
        used.length === 0
          ? h('span', { class: 'muted' }, `not enforced${p.backends[0] ? `: ${p.backends[0].note}` : ''}`)
          : used.map((b) =>
              h(
                'div',
                {},
                h('code', {}, b.label),
                b.scope === 'run' ? h('span', { class: 'tag' }, 'vigil run only') : null,
                h('div', { class: 'muted small' }, b.note),
              ),
            ),
      ),
      h(
        'td',
        { class: 'small' },
        p.backends
          .filter((b) => !b.selected)
          .map((b) =>
            h('div', { class: b.available ? '' : 'muted' }, `${b.available ? '○' : '✕'} ${b.label}`),
          ),
      ),
    );
  });
  return [
    h(
      'div',
      { class: `banner ${d.can_enforce ? 'banner-ok' : 'banner-bad'}` },
      d.can_enforce ? 'vigil can enforce on this machine' : 'vigil CANNOT enforce on this machine',
      h(
        'span',
        { class: 'muted' },
        ` · Linux ${d.host.kernel_release} (${d.host.arch}) · BPF-LSM: ${d.bpf_lsm.summary}`,
      ),
    ),
    d.blockers.length > 0
      ? h(
          'ul',
          {},
          d.blockers.map((b) =>
            h('li', {}, b.what, b.fix ? h('div', { class: 'muted' }, `fix: ${b.fix}`) : null),
          ),
        )
      : null,
    h(
      'table',
      { class: 'table doctor' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['protection', 'vigil run', 'watch / attach', 'backend in use', 'other rungs'].map((t) =>
            h('th', {}, t),
          ),
        ),
      ),
      h('tbody', {}, rows),
    ),
    h('p', { class: 'muted small' }, d.bpf_lsm.explanation),
  ];
}

function renderProfile(ref) {
  const p = ref.profile;
  const section = (title, pair, show) =>
    h(
      'div',
      { class: 'prof-sec' },
      h('h4', {}, title, h('span', { class: 'muted' }, `  default ${p.defaults[title]}`)),
      pair.denied.length + pair.allowed.length === 0
        ? h('div', { class: 'muted small' }, 'no rules')
        : h(
            'table',
            { class: 'table prof' },
            h(
              'tbody',
              {},
              [...pair.denied, ...pair.allowed].map((r) =>
                h(
                  'tr',
                  {},
                  h('td', {}, h('span', { class: `rule-act rule-${r.action}` }, r.action)),
                  h('td', { class: 'mono' }, r.written),
                  h('td', { class: 'muted small' }, show(r)),
                  h(
                    'td',
                    { class: 'muted small', title: r.id },
                    `${r.origin.profile}${r.origin.line ? `:${r.origin.line}` : ''}`,
                  ),
                ),
              ),
            ),
          ),
    );
  return h(
    'div',
    { class: 'profile', 'data-profile': p.name },
    h(
      'div',
      { class: 'prof-head' },
      h('strong', {}, p.name),
      p.version ? h('span', { class: 'muted' }, ` v${p.version}`) : null,
      h('span', { class: `tag ${p.mode === 'audit' ? 'tag-warn' : ''}` }, p.mode),
      h('span', { class: 'muted mono' }, `  ${ref.source}`),
    ),
    p.description ? h('div', { class: 'muted' }, p.description) : null,
    h(
      'div',
      { class: 'small' },
      `entry_comm: ${p.entryComm.length ? p.entryComm.join(', ') : '—'}`,
      p.extends.length ? ` · extends ${p.extends.join(' → ')}` : '',
    ),
    h(
      'div',
      { class: 'prof-grid' },
      section('paths', p.paths, (r) => (r.access && r.access !== 'any' ? r.access : '')),
      section('networks', p.networks, () => ''),
      section('commands', p.commands, (r) => (r.match ? `by ${r.match.by}` : '')),
    ),
  );
}
