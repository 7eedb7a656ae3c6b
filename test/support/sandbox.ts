// A test's own folder with a HOME inside it: a fake private key under ~/.ssh and an ordinary
// ~/notes.txt, removed when the test ends (pass or fail). World-readable, so a session run as
// another user can reach it.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

export function homeSandbox(t: TestContext, prefix: string, base = tmpdir()): { dir: string; home: string } {
  const dir = mkdtempSync(join(base, prefix));
  chmodSync(dir, 0o755);
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const home = join(dir, 'home');
  mkdirSync(join(home, '.ssh'), { recursive: true });
  writeFileSync(join(home, '.ssh', 'id_rsa'), 'PRIVATE KEY\n');
  writeFileSync(join(home, 'notes.txt'), 'fine\n');
  return { dir, home };
}
