// Profiles in the original Vigil format load unchanged and mean what they meant there: every key of
// that format is accepted (watched_comms with a notice saying why it is not applied), the
// `/**/NAME/**` deny lists its profiles carry fit the kernel tables, and `profile show` refuses
// what `profile validate` refuses. Fixtures: test/fixtures/vigil-original/.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { compileTables } from '../../../src/policy/compile-tables.js';
import { createEvaluator } from '../../../src/policy/evaluate.js';
import { loadProfileFile } from '../../../src/policy/load-profile.js';
import { repoRoot } from '../../support/paths.js';

const FIXTURES = join(repoRoot, 'test/fixtures/vigil-original');
const VIGIL = join(repoRoot, 'dist/src/cli/main.js');
const VARS = { home: '/home/dev', workspace: '/home/dev/proj' };

describe('original Vigil profiles', () => {
  it('load unchanged; watched_comms is accepted with a notice that says why it is not applied', () => {
    for (const file of ['coding-agent.yaml', 'model-server.yaml']) {
      const p = loadProfileFile(join(FIXTURES, file), VARS);
      assert.equal(p.notices.length, 1, file);
      assert.match(
        p.notices[0] ?? '',
        /watched_comms \(.+\) is ignored: vigil follows the agent's process tree/,
      );
      const f = compileTables(p, 0).figures;
      assert.ok(f.pathStates < 1024, `${file}: ${f.pathStates} automaton states`);
    }
  });

  it('decide as the original did: denied first, then allowed, then the one default', () => {
    const agent = createEvaluator(loadProfileFile(join(FIXTURES, 'coding-agent.yaml'), VARS));
    const open = (path: string) => agent({ kind: 'open', path, access: 'read' }).action;
    assert.equal(open('/home/dev/proj/.gnupg/pubring.kbx'), 'BLOCK');
    assert.equal(open('/home/dev/.config/gcloud/credentials.db'), 'BLOCK');
    assert.equal(open('/srv/x/.anthropic'), 'BLOCK', 'the folder itself');
    assert.equal(open('/home/dev/.aws/credentials'), 'BLOCK');
    assert.equal(open('/home/dev/.ssh/id_ed25519'), 'BLOCK');
    assert.equal(open('/home/dev/proj/.gnupgx/a'), 'ALLOW', 'a component equal to the name, not a prefix');
    assert.equal(open('/home/dev/proj/src/main.go'), 'ALLOW');
    assert.equal(open('/var/lib/thing'), 'ALLOW', 'default_policy: allow');
    assert.equal(agent({ kind: 'exec', path: '/usr/bin/git' }).action, 'ALLOW');
    assert.equal(agent({ kind: 'connect', ip: '203.0.113.9', port: 443, proto: 'tcp' }).action, 'ALLOW');

    const server = createEvaluator(loadProfileFile(join(FIXTURES, 'model-server.yaml'), VARS));
    assert.equal(
      server({ kind: 'open', path: '/home/dev/.models/llama/x.gguf', access: 'read' }).action,
      'ALLOW',
    );
    assert.equal(server({ kind: 'open', path: '/home/dev/.models/.aws/k', access: 'read' }).action, 'BLOCK');
    assert.equal(server({ kind: 'open', path: '/etc/hostname', access: 'read' }).action, 'BLOCK');
    assert.equal(server({ kind: 'exec', path: '/usr/bin/git' }).action, 'BLOCK', 'not an allowed command');
    assert.equal(server({ kind: 'connect', ip: '198.51.100.1', port: 443, proto: 'tcp' }).action, 'BLOCK');
    assert.equal(server({ kind: 'connect', ip: '127.0.0.1', port: 11434, proto: 'tcp' }).action, 'ALLOW');
  });
});

describe('vigil profile show and validate', () => {
  it('print the notice on stderr and exit 0 for an original profile', () => {
    for (const verb of ['show', 'validate']) {
      const r = spawnSync(process.execPath, [VIGIL, 'profile', verb, join(FIXTURES, 'coding-agent.yaml')], {
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /watched_comms \(node, coding-agent\) is ignored/);
    }
  });

  it('show refuses, like validate, a profile the kernel tables cannot hold', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-show-'));
    try {
      // 70 distinct bytes in one pattern: more byte classes than the automaton has
      const chars = Array.from({ length: 70 }, (_, i) => String.fromCharCode(0x30 + i)).filter(
        (c) => !'[\\]^'.includes(c),
      );
      const file = join(dir, 'big.yaml');
      writeFileSync(file, `name: big\ndenied_paths:\n  - ${JSON.stringify('/*' + chars.join('*') + '*')}\n`);
      for (const verb of ['show', 'validate']) {
        const r = spawnSync(process.execPath, [VIGIL, 'profile', verb, file], { encoding: 'utf8' });
        assert.equal(r.status, 4, `${verb}: ${r.stdout}${r.stderr}`);
        assert.match(r.stderr, /denied_paths\[0\] .*automaton classes; the bound is 64/);
        assert.equal(r.stdout, '', `${verb} prints no profile it refuses`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
