import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { doctorCommand } from '../../../src/cli/doctor-command.js';

async function capture(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await doctorCommand(args, {
    out: (text) => (stdout += text),
    err: (text) => (stderr += text),
  });
  return { code, stdout, stderr };
}

describe('vigil doctor flags', () => {
  it('an unknown flag: a clear message on stderr, exit 2, no probing', async () => {
    const r = await capture(['--bogus']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Unknown option '--bogus'/);
    assert.match(r.stderr, /usage: vigil doctor \[--json\]/);
    assert.equal(r.stdout, '');
  });

  it('a positional argument is refused with exit 2', async () => {
    const r = await capture(['now']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /vigil doctor: /);
  });

  it('a value given to --json is refused with exit 2', async () => {
    const r = await capture(['--json=yes']);
    assert.equal(r.code, 2);
  });

  it('--help prints usage and exits 0', async () => {
    const r = await capture(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /exit status: 0 vigil can enforce/);
  });
});
