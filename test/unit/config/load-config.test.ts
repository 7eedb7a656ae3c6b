import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, type ConfigErrorCode } from '../../../src/config/config-errors.js';
import {
  DEFAULT_CONFIG_PATH,
  EMPTY_CONFIG,
  loadVigilConfig,
  parseVigilConfig,
} from '../../../src/config/load-config.js';
import { EXIT_CODES, VigilError } from '../../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-config-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

const parse = (yaml: string) => parseVigilConfig(yaml, 'vigil.yaml');

/** Asserts one ConfigError with this code at line:column whose detail matches, and returns it. */
function fails(
  yaml: string,
  at: [number, number],
  detail: RegExp,
  code: ConfigErrorCode = 'VIGIL_CONFIG_INVALID',
) {
  let caught: ConfigError | undefined;
  assert.throws(
    () => parse(yaml),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError, `not a ConfigError: ${String(e)}`);
      assert.ok(e instanceof VigilError);
      assert.equal(e.code, code, e.message);
      assert.equal(e.exitCode, EXIT_CODES.config);
      assert.deepEqual([e.line, e.column], at, e.message);
      assert.ok(e.message.startsWith(`vigil.yaml:${at[0]}:${at[1]}: `), e.message);
      assert.match(e.detail, detail);
      assert.equal(e.message.split('\n').length, 1, 'one line');
      assert.ok(e.hint !== undefined && e.hint.length > 0, 'a hint');
      caught = e;
      return true;
    },
  );
  return caught as ConfigError;
}

const FULL = `version: 1
metrics:
  listen: 127.0.0.1:9464
spool:
  dir: /var/lib/vigil/spool/
exporters:
  - name: siem
    type: syslog
    address: 127.0.0.1:6514
    protocol: tcp
    framing: lf
    facility: authpriv
    app_name: vigil-prod
    filter: { actions: [BLOCK, KILL], events: [exec, file_open, alert], min_severity: medium }
    spool: { max_bytes: 1GiB, max_age: 2d }
    batch: { max_lines: 100, max_delay: 1s }
    retry: { initial: 250ms, max: 1m }
  - name: hook
    type: webhook
    url: https://hooks.example.com/vigil
    format: ndjson
    headers: { Authorization: "Bearer abc" }
    tls: { server_name: hooks.internal }
    timeout: 3s
  - name: otel
    type: otlp
    url: http://127.0.0.1:4318
`;

describe('a valid file', () => {
  it('gives the normalised configuration: defaults applied, bytes and milliseconds', () => {
    const c = parse(FULL);
    assert.deepEqual(c.metrics, { listen: { host: '127.0.0.1', port: 9464 } });
    assert.deepEqual(c.spool, { dir: '/var/lib/vigil/spool' });
    assert.deepEqual(
      c.exporters.map((e) => [e.name, e.type]),
      [
        ['siem', 'syslog'],
        ['hook', 'webhook'],
        ['otel', 'otlp'],
      ],
    );
    assert.deepEqual(c.exporters[0], {
      name: 'siem',
      timeoutMs: 10_000,
      filter: { actions: ['BLOCK', 'KILL'], events: ['exec', 'file_open', 'alert'], minSeverity: 'medium' },
      spool: { maxBytes: 1024 ** 3, maxAgeMs: 2 * 86_400_000 },
      batch: { maxLines: 100, maxDelayMs: 1000 },
      retry: { initialMs: 250, maxMs: 60_000 },
      type: 'syslog',
      address: { host: '127.0.0.1', port: 6514 },
      protocol: 'tcp',
      framing: 'lf',
      facility: 'authpriv',
      appName: 'vigil-prod',
      tls: null,
    });
    assert.deepEqual(c.exporters[1], {
      name: 'hook',
      timeoutMs: 3000,
      filter: { actions: null, events: null, minSeverity: 'info' },
      spool: { maxBytes: 256 * 1024 ** 2, maxAgeMs: 7 * 86_400_000 },
      batch: { maxLines: 500, maxDelayMs: 200 },
      retry: { initialMs: 500, maxMs: 30_000 },
      type: 'webhook',
      url: 'https://hooks.example.com/vigil',
      format: 'ndjson',
      headers: { Authorization: 'Bearer abc' },
      tls: { ca: null, cert: null, key: null, serverName: 'hooks.internal' },
    });
    const otel = c.exporters[2];
    assert.ok(otel?.type === 'otlp');
    assert.equal(otel.url, 'http://127.0.0.1:4318/v1/logs', 'a URL without a path gets /v1/logs');
    assert.equal(otel.tls, null, 'http: no TLS');
    assert.deepEqual(otel.headers, {});
  });

  it('gives a syslog exporter its defaults, and TLS settings exactly when it speaks TLS', () => {
    const c = parse(`version: 1
exporters:
  - { name: a, type: syslog, address: "[::1]:514" }
  - { name: b, type: syslog, address: "siem.example.com:514", protocol: udp }
  - { name: c, type: syslog, address: "10.0.0.5:6514", protocol: tls }
`);
    const [a, b, cc] = c.exporters;
    assert.ok(a?.type === 'syslog' && b?.type === 'syslog' && cc?.type === 'syslog');
    assert.deepEqual(
      [a.address, a.protocol, a.framing, a.facility, a.appName, a.tls],
      [{ host: '::1', port: 514 }, 'tcp', 'octet-counting', 'local0', 'vigil', null],
    );
    assert.equal(b.framing, null, 'udp has no framing');
    assert.deepEqual(cc.tls, { ca: null, cert: null, key: null, serverName: null });
  });

  it('takes a size as bytes or with a binary unit, and an otlp URL with a path as it is', () => {
    const c = parse(`version: 1
exporters:
  - { name: a, type: otlp, url: "https://otel.example.com:4318/custom/logs", spool: { max_bytes: 1048576 } }
`);
    const a = c.exporters[0];
    assert.ok(a?.type === 'otlp');
    assert.equal(a.spool.maxBytes, 1048576);
    assert.equal(a.url, 'https://otel.example.com:4318/custom/logs');
  });

  it('reads an empty file, or one of comments only, as the empty configuration', () => {
    assert.equal(parse(''), EMPTY_CONFIG);
    assert.equal(parse('# nothing yet\n'), EMPTY_CONFIG);
    assert.deepEqual(parse('version: 1\n'), EMPTY_CONFIG);
    assert.deepEqual(parse('version: 1\nexporters: []\n'), EMPTY_CONFIG);
  });

  it('takes metrics.listen port 0 (any free port), but never for a syslog server', () => {
    assert.deepEqual(parse('version: 1\nmetrics: { listen: "127.0.0.1:0" }\n').metrics, {
      listen: { host: '127.0.0.1', port: 0 },
    });
    fails(
      'version: 1\nexporters:\n  - { name: a, type: syslog, address: "127.0.0.1:0" }\n',
      [3, 39],
      /port 0 is out of range \(1-65535\)/,
    );
  });
});

describe('a file with a mistake', () => {
  it('names the exporter and the key of another type', () => {
    const e = fails(
      `version: 1
exporters:
  - name: siem
    type: syslog
    address: 127.0.0.1:6514
    url: https://siem.example.com
`,
      [6, 5],
      /^exporter 'siem': url: a syslog exporter has no url \(it is a key of webhook and otlp exporters\)$/,
    );
    assert.equal(e.file, 'vigil.yaml');
    fails(
      'version: 1\nexporters:\n  - { name: h, type: webhook, url: "http://x", address: "x:1" }\n',
      [3, 48],
      /exporter 'h': address: a webhook exporter has no address \(it is a key of syslog exporters\)/,
    );
    fails(
      'version: 1\nexporters:\n  - { name: o, type: otlp, url: "http://x", format: json }\n',
      [3, 45],
      /^exporter 'o': format: an otlp exporter has no format \(it is a key of webhook exporters\)$/,
    );
  });

  it('names a key its type needs', () => {
    fails(
      'version: 1\nexporters:\n  - name: siem\n    type: syslog\n',
      [3, 5],
      /^exporter 'siem': address: missing \(a syslog exporter needs it\)$/,
    );
    fails('version: 1\nexporters:\n  - name: h\n    type: webhook\n', [3, 5], /^exporter 'h': url: missing/);
    fails(
      'version: 1\nexporters:\n  - name: h\n',
      [3, 5],
      /^exporter 'h': type: missing \(syslog, webhook, otlp\)$/,
    );
    fails(
      'version: 1\nexporters:\n  - name: h\n    type: kafka\n',
      [4, 11],
      /^exporter 'h': type: expected one of 'syslog', 'webhook', 'otlp'; got 'kafka'$/,
    );
    fails(
      'version: 1\nexporters:\n  - type: otlp\n    url: http://x\n',
      [3, 5],
      /^exporters\[0\]: name: missing/,
    );
  });

  const cases: [string, string, [number, number], RegExp][] = [
    ['no version', 'metrics: { listen: "127.0.0.1:1" }\n', [1, 1], /^version: missing$/],
    ['another version', 'version: 2\n', [1, 10], /^version: expected 1; got number 2$/],
    [
      'an unknown key',
      'version: 1\nmetric: {}\n',
      [2, 1],
      /^the file: unknown key 'metric'; expected one of: version, metrics, spool, exporters$/,
    ],
    [
      'a listen address without port',
      'version: 1\nmetrics:\n  listen: localhost\n',
      [3, 11],
      /^metrics.listen: expected host:port or \[IPv6\]:port/,
    ],
    [
      'a bad IPv6 address',
      'version: 1\nmetrics:\n  listen: "[::g]:9464"\n',
      [3, 11],
      /^metrics.listen: expected host:port/,
    ],
    [
      'an IPv6 address in brackets that is not one',
      'version: 1\nmetrics:\n  listen: "[1:2:3]:9464"\n',
      [3, 11],
      /^metrics.listen: '\[1:2:3\]' is not an IPv6 address$/,
    ],
    [
      'a port out of range',
      'version: 1\nmetrics:\n  listen: 127.0.0.1:65536\n',
      [3, 11],
      /^metrics.listen: port 65536 is out of range/,
    ],
    [
      'a relative spool folder',
      'version: 1\nspool:\n  dir: spool\n',
      [3, 8],
      /^spool.dir: expected an absolute path; got 'spool'$/,
    ],
    [
      'a duration without unit',
      'version: 1\nexporters:\n  - { name: h, type: webhook, url: "http://x", timeout: 10 }\n',
      [3, 57],
      /^exporter 'h': timeout: expected a duration: a number with ms, s, m, h or d \(500ms, 30s, 7d\); got number 10$/,
    ],
    [
      'a decimal size unit',
      'version: 1\nexporters:\n  - { name: h, type: webhook, url: "http://x", spool: { max_bytes: 10MB } }\n',
      [3, 68],
      /^exporter 'h': spool.max_bytes: expected a size: .*KiB.*; got '10MB'$/,
    ],
    [
      'a duration out of range',
      'version: 1\nexporters:\n  - { name: h, type: webhook, url: "http://x", timeout: 10m }\n',
      [3, 57],
      /^exporter 'h': timeout: 10m is out of range: from 100ms to 5m$/,
    ],
    [
      'a tiny spool',
      'version: 1\nexporters:\n  - { name: h, type: webhook, url: "http://x", spool: { max_bytes: 1KiB } }\n',
      [3, 68],
      /^exporter 'h': spool.max_bytes: 1KiB is out of range: from 64KiB to 1024GiB$/,
    ],
    [
      'retry.max below retry.initial',
      'version: 1\nexporters:\n  - { name: h, type: webhook, url: "http://x", retry: { initial: 5s, max: 1s } }\n',
      [3, 75],
      /^exporter 'h': retry.max: shorter than retry.initial \(5s\)$/,
    ],
    [
      'a name with capitals',
      'version: 1\nexporters:\n  - { name: SIEM, type: webhook, url: "http://x" }\n',
      [3, 13],
      /^exporter 'SIEM': name: expected a name of lower-case letters/,
    ],
    [
      'a name used twice',
      'version: 1\nexporters:\n  - { name: a, type: otlp, url: "http://x" }\n  - { name: a, type: otlp, url: "http://y" }\n',
      [4, 13],
      /^exporter 'a': name: exporters\[0\] has this name too/,
    ],
    [
      'framing over udp',
      'version: 1\nexporters:\n  - { name: s, type: syslog, address: "x:514", protocol: udp, framing: lf }\n',
      [3, 63],
      /^exporter 's': framing: only for protocol tcp or tls/,
    ],
    [
      'tls without TLS',
      'version: 1\nexporters:\n  - { name: s, type: syslog, address: "x:514", tls: {} }\n',
      [3, 48],
      /^exporter 's': tls: only for protocol tls \(this exporter's protocol is tcp\)$/,
    ],
    [
      'tls with an http URL',
      'version: 1\nexporters:\n  - { name: h, type: webhook, url: "http://x", tls: {} }\n',
      [3, 48],
      /^exporter 'h': tls: only for an https:\/\/ url$/,
    ],
    [
      'a URL of another scheme',
      'version: 1\nexporters:\n  - { name: h, type: webhook, url: "ftp://x" }\n',
      [3, 36],
      /^exporter 'h': url: expected an http:\/\/ or https:\/\/ URL; got 'ftp:\/\/x'$/,
    ],
    [
      'a broken URL',
      'version: 1\nexporters:\n  - { name: h, type: webhook, url: "http://exa mple" }\n',
      [3, 36],
      /^exporter 'h': url: 'http:\/\/exa mple' is not a valid URL$/,
    ],
    [
      'a lower-case action',
      'version: 1\nexporters:\n  - { name: h, type: webhook, url: "http://x", filter: { actions: [block] } }\n',
      [3, 68],
      /^exporter 'h': filter.actions\[0\]: expected one of 'ALLOW', 'BLOCK', 'KILL', 'AUDIT', 'OBSERVE'; got 'block'$/,
    ],
    [
      'an unknown event kind',
      'version: 1\nexporters:\n  - { name: h, type: webhook, url: "http://x", filter: { events: [exek] } }\n',
      [3, 67],
      /^exporter 'h': filter.events\[0\]: expected one of 'session_start', .*; got 'exek'$/,
    ],
    [
      'an empty filter list',
      'version: 1\nexporters:\n  - { name: h, type: webhook, url: "http://x", filter: { actions: [] } }\n',
      [3, 67],
      /^exporter 'h': filter.actions: an empty list; leave the key out instead$/,
    ],
    [
      'a severity',
      'version: 1\nexporters:\n  - { name: h, type: webhook, url: "http://x", filter: { min_severity: warning } }\n',
      [3, 72],
      /^exporter 'h': filter.min_severity: expected one of 'info', 'low', 'medium', 'high', 'critical'; got 'warning'$/,
    ],
    [
      'a header name with a space',
      'version: 1\nexporters:\n  - { name: h, type: webhook, url: "http://x", headers: { "X Token": a } }\n',
      [3, 59],
      /^exporter 'h': headers: 'X Token' is not an HTTP header name$/,
    ],
    [
      'a header value over two lines',
      'version: 1\nexporters:\n  - { name: h, type: webhook, url: "http://x", headers: { X-Token: "a\\nb" } }\n',
      [3, 68],
      /^exporter 'h': headers.X-Token: expected a value on one line$/,
    ],
    [
      'a batch of none',
      'version: 1\nexporters:\n  - { name: h, type: webhook, url: "http://x", batch: { max_lines: 0 } }\n',
      [3, 68],
      /^exporter 'h': batch.max_lines: expected an integer from 1 to 10000; got number 0$/,
    ],
    [
      'a facility',
      'version: 1\nexporters:\n  - { name: s, type: syslog, address: "x:514", facility: local9 }\n',
      [3, 58],
      /^exporter 's': facility: expected one of 'kern', .*; got 'local9'$/,
    ],
    [
      'cert without key',
      'version: 1\nexporters:\n  - { name: h, type: webhook, url: "https://x", tls: { cert: /etc/hostname } }\n',
      [3, 56],
      /^exporter 'h': tls.cert: cert and key go together: give both or neither$/,
    ],
    [
      'a TLS file that is not there',
      'version: 1\nexporters:\n  - { name: h, type: webhook, url: "https://x", tls: { ca: /nonexistent/ca.pem } }\n',
      [3, 60],
      /^exporter 'h': tls.ca: cannot read \/nonexistent\/ca.pem: ENOENT$/,
    ],
    [
      'a list for a mapping',
      'version: 1\nmetrics: []\n',
      [2, 10],
      /^metrics: expected a mapping; got a list$/,
    ],
    ['a list for the file', '- version: 1\n', [1, 1], /^the file is a mapping of keys, got a list$/],
  ];
  for (const [name, yaml, at, detail] of cases) {
    it(`says where and what: ${name}`, () => {
      fails(yaml, at, detail);
    });
  }

  it('gives the fix for a bare duration', () => {
    const e = fails(
      'version: 1\nexporters:\n  - { name: h, type: webhook, url: "http://x", timeout: 10 }\n',
      [3, 57],
      /timeout/,
    );
    assert.equal(e.hint, 'a duration carries its unit: 10s, or 10ms');
  });

  it('reports the earliest mistake of several', () => {
    fails(
      'version: 1\nexporters:\n  - { name: a, type: otlp, url: "http://x", timeout: 1 }\nfoo: 1\n',
      [3, 54],
      /timeout/,
    );
  });

  it('says where YAML is broken', () => {
    fails('version: 1\nexporters: [\n', [3, 1], /^invalid YAML: /, 'VIGIL_CONFIG_YAML');
    fails('version: 1\nversion: 1\n', [2, 1], /^invalid YAML: Map keys must be unique/, 'VIGIL_CONFIG_YAML');
  });

  it('skips the TLS file check when told to (a file checked away from its host)', () => {
    const yaml =
      'version: 1\nexporters:\n  - { name: h, type: webhook, url: "https://x", tls: { ca: /nonexistent/ca.pem } }\n';
    const c = parseVigilConfig(yaml, 'vigil.yaml', { checkFiles: false });
    assert.equal(
      c.exporters[0]?.type === 'webhook' ? c.exporters[0].tls?.ca : undefined,
      '/nonexistent/ca.pem',
    );
  });
});

describe('loadVigilConfig', () => {
  const withEnv = <T>(value: string, fn: () => T): T => {
    const saved = process.env.VIGIL_CONFIG;
    process.env.VIGIL_CONFIG = value;
    try {
      return fn();
    } finally {
      if (saved === undefined) delete process.env.VIGIL_CONFIG;
      else process.env.VIGIL_CONFIG = saved;
    }
  };

  it('reads /etc/vigil/vigil.yaml unless VIGIL_CONFIG names another file', () => {
    assert.equal(DEFAULT_CONFIG_PATH, '/etc/vigil/vigil.yaml');
    const file = join(dir, 'env.yaml');
    writeFileSync(file, 'version: 1\nmetrics: { listen: "127.0.0.1:9464" }\n', { mode: 0o600 });
    const loaded = withEnv(file, () => loadVigilConfig());
    assert.equal(loaded.path, file);
    assert.equal(loaded.found, true);
    assert.deepEqual(loaded.config.metrics, { listen: { host: '127.0.0.1', port: 9464 } });
  });

  it('takes a missing default file as the empty configuration', () => {
    const missing = join(dir, 'absent.yaml');
    assert.deepEqual(
      withEnv(missing, () => loadVigilConfig()),
      { path: missing, found: false, config: EMPTY_CONFIG, warnings: [] },
    );
  });

  it('refuses a missing file named explicitly', () => {
    const missing = join(dir, 'absent.yaml');
    assert.throws(
      () => loadVigilConfig(missing),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.code === 'VIGIL_CONFIG_READ' &&
        e.message === `${missing}: cannot read the configuration: ENOENT` &&
        e.exitCode === EXIT_CODES.config,
    );
  });

  it('names the file in its errors', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'version: 1\nmetrics:\n  listen: nowhere\n');
    assert.throws(() => loadVigilConfig(file), { message: new RegExp(`^${file}:3:11: metrics.listen: `) });
  });

  it('warns when the file holds secrets and users other than root can read it', () => {
    const file = join(dir, 'secret.yaml');
    writeFileSync(
      file,
      'version: 1\nexporters:\n  - { name: hook, type: webhook, url: "https://x/h?token=t", headers: { Authorization: "Bearer t" } }\n',
    );
    chmodSync(file, 0o644);
    const [warning, ...more] = loadVigilConfig(file).warnings;
    assert.deepEqual(more, []);
    assert.match(
      warning ?? '',
      new RegExp(
        `^${file} holds secrets \\(exporter 'hook': headers; exporter 'hook': url\\) and users other than root can read it \\(.*\\): chown root:root ${file} && chmod 600 ${file}$`,
      ),
    );
    chmodSync(file, 0o600);
    assert.deepEqual(
      loadVigilConfig(file).warnings.length,
      process.getuid?.() === 0 ? 0 : 1,
      'root-owned 0600: none',
    );
  });

  it('does not warn about a readable file without secrets', () => {
    const file = join(dir, 'plain.yaml');
    writeFileSync(file, 'version: 1\nexporters:\n  - { name: s, type: syslog, address: "127.0.0.1:514" }\n');
    chmodSync(file, 0o644);
    assert.deepEqual(loadVigilConfig(file).warnings, []);
  });
});
