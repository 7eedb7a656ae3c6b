import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { PROBE_IDS } from '../../../src/doctor/facts.js';
import { landlockFix, lsmBootParam } from '../../../src/doctor/fixes.js';
import { capsFrom, parseCapEff } from '../../../src/doctor/host-probes.js';
import { decide } from '../../../src/doctor/ladder.js';
import { DOCTOR_SCHEMA_VERSION, renderJson } from '../../../src/doctor/render-json.js';
import { renderText, wrap } from '../../../src/doctor/render-text.js';
import { lsmHost, nonRootHost, thisHost } from './fact-sets.js';

const text = (f = thisHost()) => renderText(f, decide(f));

describe('text report', () => {
  it('this host: says BPF-LSM is active but not loadable, and explains it', () => {
    const out = text();
    assert.match(out, /BPF-LSM: active but not loadable \(EPERM at load\)/);
    assert.match(out, /"Active" means/);
    assert.match(out, /"Not loadable" means/);
    assert.match(out, /vigil can enforce on this machine, with the fallbacks below/);
  });

  it('prints one row per protection with its mode and backend', () => {
    const out = text();
    assert.match(
      out,
      /\n {2}exec {12}reactive tp_btf\/sched_process_exec \+ SIGKILL \(killed before its first instruction\)\n/,
    );
    assert.match(out, /\n {2}file open\s+inline\s+Landlock ruleset \(vigil run only; allow-lists\)\n/);
    assert.match(
      out,
      /\n {18}reactive tracepoint sys_enter_openat \+ SIGKILL \(killed as the open returns\)\n/,
    );
    assert.match(out, /\n {2}connect\s+inline\s+cgroup-BPF connect4 \+ connect6\n/);
    assert.match(out, /\n {2}UDP send\s+inline\s+cgroup-BPF sendmsg4 \+ sendmsg6\n/);
    assert.match(out, /\n {2}raw sockets\s+inline\s+cgroup-BPF sock_create\n/);
    assert.match(out, /\n {2}self-protection\s+inline\s+seccomp filter \(vigil run only\)\n/);
    assert.match(out, /\n {18}none {5}for vigil watch \/ attach sessions\n/);
  });

  it('lists every probe with its status', () => {
    const out = text();
    for (const id of PROBE_IDS) assert.match(out, new RegExp(`(ok|FAIL|skip)\\s+${id}\\s`), id);
    assert.match(out, /FAIL\s+lsm_file_open\s+\d+ms\s+EPERM at load/);
    assert.match(out, /exit 0\n$/);
  });

  it('LSM host: no fallback wording, exit 0', () => {
    const out = text(lsmHost());
    assert.match(out, /vigil can enforce on this machine\.\n/);
    assert.match(out, /BPF-LSM: active and loadable/);
    assert.doesNotMatch(out, /To fix/);
  });

  it('not root: CANNOT enforce, with the fix, exit 1', () => {
    const out = text(nonRootHost());
    assert.match(out, /vigil CANNOT enforce on this machine:/);
    assert.match(out, /fix: run as root/);
    assert.match(out, /unknown: the probes it needs did not run/);
    assert.match(out, /exit 1\n$/);
  });

  it('wraps long lines to 100 columns', () => {
    for (const f of [thisHost(), lsmHost(), nonRootHost()]) {
      for (const line of text(f).split('\n')) assert.ok(line.length <= 100, `too wide: ${line}`);
    }
    assert.deepEqual(wrap('a b', 2, 4), ['  a b']);
    assert.deepEqual(wrap(`${'x'.repeat(60)} ${'y'.repeat(60)}`, 'head: ', 4), [
      `head: ${'x'.repeat(60)}`,
      `    ${'y'.repeat(60)}`,
    ]);
  });
});

describe('JSON report', () => {
  const f = thisHost();
  const doc = JSON.parse(renderJson(f, decide(f))) as Record<string, unknown>;

  it('is one document with a schema version and the verdict', () => {
    assert.equal(doc.schema_version, DOCTOR_SCHEMA_VERSION);
    assert.equal(doc.can_enforce, true);
    assert.equal(doc.exit_code, 0);
  });

  it('carries the LSM state, every protection and every probe', () => {
    const lsm = doc.bpf_lsm as Record<string, unknown>;
    assert.equal(lsm.state, 'active_not_loadable');
    assert.equal(lsm.active, true);
    assert.equal(lsm.loadable, false);
    const protections = doc.protections as { id: string; run: string; watch: string; backends: unknown[] }[];
    assert.deepEqual(
      protections.map((p) => p.id),
      [
        'file_open',
        'exec',
        'connect',
        'udp_send',
        'raw_sockets',
        'unlink',
        'rename',
        'ptrace',
        'signals',
        'exec_memory',
        'self_protection',
      ],
    );
    assert.deepEqual(
      protections.map((p) => [p.run, p.watch]),
      [
        ['inline', 'reactive'],
        ['reactive', 'reactive'],
        ['inline', 'inline'],
        ['inline', 'inline'],
        ['inline', 'inline'],
        ['reactive', 'reactive'],
        ['reactive', 'reactive'],
        ['reactive', 'reactive'],
        ['reactive', 'reactive'],
        ['reactive', 'reactive'],
        ['inline', 'none'],
      ],
    );
    const probes = doc.probes as { id: string; status: string; errno: string | null }[];
    assert.equal(probes.length, PROBE_IDS.length);
    assert.deepEqual(probes.find((p) => p.id === 'lsm_file_open')?.errno, 'EPERM');
  });

  it('uses snake_case host fields', () => {
    const host = doc.host as Record<string, unknown>;
    assert.deepEqual(Object.keys(host).sort(), [
      'arch',
      'cap_eff',
      'caps',
      'cgroup2_root',
      'euid',
      'kernel_release',
      'landlock_abi',
      'libbpf_version',
      'lockdown',
      'lsm_list',
    ]);
  });
});

describe('host facts and fixes', () => {
  it('reads CapEff and the three capabilities vigil needs', () => {
    const cap = parseCapEff('Name:\tnode\nCapInh:\t0000000000000000\nCapEff:\t000001fffeffffff\n');
    assert.equal(cap, '000001fffeffffff');
    assert.deepEqual(capsFrom(cap), { bpf: true, perfmon: true, sysAdmin: true });
    assert.deepEqual(capsFrom('0000000000200000'), { bpf: false, perfmon: false, sysAdmin: true });
    assert.deepEqual(capsFrom(parseCapEff('no caps here')), { bpf: false, perfmon: false, sysAdmin: false });
  });

  it('builds lsm= from the current list', () => {
    assert.equal(
      lsmBootParam(['lockdown', 'capability', 'landlock'], 'bpf'),
      'boot parameter lsm=lockdown,capability,landlock,bpf',
    );
    assert.equal(lsmBootParam(['capability', 'bpf'], 'bpf'), 'boot parameter lsm=capability,bpf');
    assert.match(lsmBootParam(null, 'bpf'), /<the list in \/sys\/kernel\/security\/lsm>,bpf/);
    assert.match(landlockFix(['capability'], 'EOPNOTSUPP'), /lsm=capability,landlock/);
    assert.match(landlockFix(['capability'], 'ENOSYS'), /CONFIG_SECURITY_LANDLOCK=y/);
  });
});
