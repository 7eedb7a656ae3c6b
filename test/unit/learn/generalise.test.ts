import assert from 'node:assert/strict';
import { test } from 'node:test';

import { folderPattern, generalisePath, literalComponent } from '../../../src/learn/generalise.js';
import { loadProfileText } from '../../../src/policy/load-profile.js';
import { evaluate } from '../../../src/policy/evaluate.js';

const places = { home: '/home/dev', workspace: '/home/dev/src/app' };

test('paths are named by role: workspace tree, temp trees, ~, process ids and terminals', () => {
  const cases: [string, string][] = [
    ['/home/dev/src/app/lib/x.ts', '${WORKSPACE}/**'],
    ['/home/dev/src/app', '${WORKSPACE}/**'],
    ['/home/dev/.gitconfig', '~/.gitconfig'],
    ['/home/dev', '~'],
    ['/home/devel/x', '/home/devel/x'], // a sibling whose name starts like the home is not in it
    ['/tmp/ccA1b2C3.s', '/tmp/*'],
    ['/tmp/tmpk3j4h5/build/out.o', '/tmp/**'],
    ['/tmp/pytest-of-dev/pytest-3/t0/f', '/tmp/pytest-of-dev/**'],
    ['/dev/shm/sem.x', '/dev/shm/*'],
    ['/proc/4242/maps', '/proc/*/maps'],
    ['/proc/4242/task/4243/stat', '/proc/*/task/*/stat'],
    ['/proc/sys/kernel/ngroups_max', '/proc/sys/kernel/ngroups_max'],
    ['/dev/pts/3', '/dev/pts/*'],
    ['/usr/lib/gcc/x86_64-linux-gnu/12/cc1', '/usr/lib/gcc/x86_64-linux-gnu/*/cc1'],
    ['/usr/lib/python3.11/json/decoder.py', '/usr/lib/python3.*/json/decoder.py'],
    ['/usr/lib/x86_64-linux-gnu/libc.so.6', '/usr/lib/x86_64-linux-gnu/libc.so.6'], // a file keeps its version
    ['/home/dev/.cache/go-build/3f/3fa9c2e1b0d4aa17c9-d', '~/.cache/go-build/3f/3fa9c2e1b0d4aa17c9-d'],
    ['/home/dev/.npm/_cacache/index-v5/0a1b2c3d4e5f60718293/x', '~/.npm/_cacache/index-v5/*/x'],
    ['/opt/node-v20.10.0-linux-x64/bin/node', '/opt/node-v20.*-linux-x64/bin/node'],
  ];
  for (const [path, pattern] of cases) assert.equal(generalisePath(path, places), pattern, path);
});

test('a listed folder generalises its own name too', () => {
  assert.equal(generalisePath('/usr/lib/python3.11', places, true), '/usr/lib/python3.*');
  assert.equal(generalisePath('/usr/lib/python3.11', places, false), '/usr/lib/python3.11');
});

test('glob characters and $ in names are matched literally', () => {
  assert.equal(literalComponent('a*b?[c]\\d'), 'a\\*b\\?\\[c]\\\\d');
  assert.equal(literalComponent('${X}'), '[$]{X}');
  assert.equal(folderPattern('v1.2.3'), '*');
  assert.equal(folderPattern('site-packages'), 'site-packages');
  const odd = '/srv/we*ird?/[x]/${HOME}/f';
  const pattern = generalisePath(odd, places);
  const p = loadProfileText(`name: t\nallowed_paths:\n  - '${pattern}'\n`, 't.yaml', places);
  assert.equal(evaluate(p, { kind: 'open', path: odd, access: 'read' }).action, 'ALLOW');
  assert.equal(
    evaluate(p, { kind: 'open', path: '/srv/weXird?/[x]/${HOME}/f', access: 'read' }).action,
    'BLOCK',
  );
});
