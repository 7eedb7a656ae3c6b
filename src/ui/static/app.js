// vigil's live UI: connects to the event stream (Server-Sent Events), feeds the five views,
// and shows the connection's state. No framework, no build step: plain ES modules.
import { Alerts } from './alerts.js';
import { fill, fmtInt, getJson, h } from './dom.js';
import { Feed } from './feed.js';
import { Posture } from './posture.js';
import { Sessions } from './sessions.js';
import { System } from './system.js';

/** With no frame at all (overview comes every second) for this long, reconnect. */
const STALL_MS = 5000;

class App {
  constructor() {
    this.tab = 'feed';
    this.profiles = [];
    this.profilesReady = getJson('/api/profiles')
      .then((p) => (this.profiles = p))
      .catch(() => []);
    this.conn = document.getElementById('conn');
    this.rates = document.getElementById('rates');
    this.feed = new Feed(document.getElementById('view-feed'), this);
    this.alerts = new Alerts(
      document.getElementById('view-alerts'),
      this,
      document.querySelector('[data-tab=alerts]'),
    );
    this.sessions = new Sessions(document.getElementById('view-sessions'), this);
    this.system = new System(document.getElementById('view-system'), this);
    this.posture = new Posture(
      document.getElementById('view-posture'),
      this,
      document.querySelector('[data-tab=posture]'),
    );
    for (const b of document.querySelectorAll('[data-tab]'))
      b.addEventListener('click', () => this.show(b.dataset.tab));
    this.lastId = 0;
    this.lastFrame = Date.now();
    this.reconnects = 0;
    this.connect();
    setInterval(() => this.#watchdog(), 1000);
    const params = new URLSearchParams(location.search);
    if (params.get('session')) this.sessions.selected = params.get('session');
    if (params.get('tab')) this.show(params.get('tab'));
  }

  show(tab) {
    this.tab = tab;
    for (const b of document.querySelectorAll('[data-tab]')) b.classList.toggle('on', b.dataset.tab === tab);
    for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== `view-${tab}`;
    this.sessions.show(tab === 'sessions');
    this.system.show(tab === 'system');
    this.posture.show(tab === 'posture');
  }

  /** The Sessions view, on `name` (the Alerts view's session links). */
  showSession(name) {
    this.sessions.select(name);
    this.show('sessions');
  }

  showInFeed(session, proc) {
    this.feed.setFilters({ session, proc: proc ?? '' });
    this.show('feed');
  }

  /** The profile rule a line names (by the rule as written, or its id). */
  findRule(profileName, rule) {
    if (rule === null || rule === undefined) return undefined;
    const p = this.profiles.find((x) => x.name === profileName)?.profile;
    if (!p) return undefined;
    for (const pair of [p.paths, p.networks, p.commands])
      for (const r of [...pair.denied, ...pair.allowed]) if (r.written === rule || r.id === rule) return r;
    return undefined;
  }

  /**
   * Opens the stream. The browser's own reconnects send Last-Event-ID; ours (after a stall or
   * an error that closed the stream) say where we are with ?since=, to the same effect.
   */
  connect() {
    this.es?.close();
    const url = this.lastId > 0 ? `/api/events?since=${this.lastId}` : '/api/events';
    const es = new EventSource(url);
    this.es = es;
    this.#state('connecting', 'connecting…');
    es.addEventListener('hello', (e) => {
      const hello = JSON.parse(e.data);
      // another server (vigil restarted): the alerts it keeps have ids of its own
      if (this.instance !== undefined && hello.instance !== this.instance) {
        this.alerts.reset();
        this.posture.reset();
      }
      this.instance = hello.instance;
      this.lastFrame = Date.now();
      this.#state('live', hello.resumed ? 'live · resumed' : 'live');
    });
    es.addEventListener('lines', (e) => {
      this.lastFrame = Date.now();
      const { from, lines } = JSON.parse(e.data);
      this.feed.add(from, lines);
      this.alerts.add(from, lines);
      this.posture.add(from, lines);
      this.lastId = Math.max(this.lastId, from + lines.length - 1);
    });
    es.addEventListener('gap', (e) => {
      this.feed.gap(JSON.parse(e.data));
    });
    es.addEventListener('overview', (e) => {
      this.lastFrame = Date.now();
      this.#overview(JSON.parse(e.data));
    });
    es.onopen = () => this.#state('live', 'live');
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) {
        // refused (401 after a vigil restart: new token) or the server is gone
        this.#state('down', 'disconnected · retrying');
        setTimeout(
          () => this.es === es && this.reconnect(),
          Math.min(10_000, 1000 * 2 ** Math.min(this.reconnects, 3)),
        );
      } else {
        this.#state('connecting', 'reconnecting…');
      }
    };
  }

  reconnect() {
    this.reconnects++;
    this.connect();
  }

  #watchdog() {
    if (this.es && this.es.readyState === EventSource.OPEN && Date.now() - this.lastFrame > STALL_MS)
      this.reconnect();
  }

  #state(kind, text) {
    this.conn.className = `conn conn-${kind}`;
    this.conn.dataset.state = kind;
    this.conn.textContent = text;
  }

  #overview(o) {
    this.overview = o;
    this.feed.totals(o.totals);
    const ev = o.series?.events ?? [];
    const bl = o.series?.blocks ?? [];
    const e1 = ev.at(-2) ?? 0;
    const b1 = bl.at(-2) ?? 0;
    const k = o.daemon?.kernel;
    const lost = k ? Number(k.ringbufFull) + Number(k.readFail) : 0;
    fill(
      this.rates,
      h('span', { class: 'rate' }, h('b', {}, fmtInt(e1)), ' ev/s'),
      h('span', { class: `rate ${b1 > 0 ? 'rate-bad' : ''}` }, h('b', {}, fmtInt(b1)), ' blocks/s'),
      h(
        'span',
        { class: 'rate' },
        h('b', {}, fmtInt(o.sessions.filter((s) => s.live).length)),
        ' live sessions',
      ),
      lost > 0
        ? h(
            'span',
            { class: 'rate rate-bad', title: 'events lost in the kernel (see System)' },
            h('b', {}, fmtInt(lost)),
            ' lost',
          )
        : null,
    );
    this.sessions.update(o.sessions);
    this.system.update(o);
  }
}

window.vigil = new App();
