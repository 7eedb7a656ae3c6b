// `vigil profile explain FILE --connect NAME:PORT` answers by name, from the profile's host rules.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { repoRoot } from '../../support/paths.js';

const CLI = join(repoRoot, 'dist/src/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'vigil-explain-hosts-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function explain(profileText: string, target: string): string {
  const file = join(dir, `p${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, profileText);
  const r = spawnSync(process.execPath, [CLI, 'profile', 'explain', file, '--connect', target], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

const HOSTS = [
  'name: h',
  'default_policy: {networks: deny}',
  'allowed_hosts:',
  '  - api.anthropic.com',
  '  - registry.npmjs.org:443',
  "  - '*.githubusercontent.com'",
  'denied_hosts:',
  '  - gist.githubusercontent.com',
  '',
].join('\n');

test('explain --connect NAME:PORT: allowed, wrong port, denied, unnamed, and a profile without host rules', () => {
  assert.match(
    explain(HOSTS, 'api.anthropic.com:443'),
    /^connect api\.anthropic\.com:443: ALLOW by allowed_hosts\[0\] 'api\.anthropic\.com'/m,
  );
  assert.match(
    explain(HOSTS, 'registry.npmjs.org:80'),
    /port 80 is not one of 443[\s\S]*networks default \(deny\)/,
  );
  assert.match(explain(HOSTS, 'raw.githubusercontent.com:443'), /ALLOW by allowed_hosts\[2\]/);
  assert.match(
    explain(HOSTS, 'gist.githubusercontent.com:443'),
    /BLOCK at DNS: refused by denied_hosts\[0\]/,
  );
  assert.match(explain(HOSTS, 'attacker.example:443'), /BLOCK at DNS: no allowed_hosts rule names it/);
  assert.match(
    explain('name: n\ndefault_policy: allow\n', 'api.anthropic.com:443'),
    /decided by address: profile 'n' names no hosts/,
  );
});
