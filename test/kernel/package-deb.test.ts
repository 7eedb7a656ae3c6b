// The Debian package end to end, on this machine (root): scripts/package-deb.sh builds it from
// the built checkout into a temp folder; its control fields and contents are checked with
// dpkg-deb; `dpkg -i` installs it; the installed vigil runs from /usr/lib/vigil with an
// environment of its own (NODE_DEBUG's module trace names every file it loads, none from the
// checkout); `dpkg --purge` leaves nothing. Where systemd is PID 1 the service is started and
// asked for its status; elsewhere the unit is checked with systemd-analyze verify.
//
// The host is left as found. Installing over an existing vigil package or /etc/vigil is refused
// (the test says so). /usr/local/bin/vigil and the checkout are never touched. The purge removes
// /var/lib/vigil and /var/log/vigil: where they existed before (the checkout's vigil logs
// there), it runs in a mount namespace where only those folders are seen through a throwaway
// overlay, so dpkg's database and every other file are the real ones and the folders stay.
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { socketAnswers } from '../../src/daemon/control-connect.js';
import { repoRoot } from '../support/paths.js';

const LIB = '/usr/lib/vigil';
const BIN = '/usr/bin/vigil';
const UNIT = '/lib/systemd/system/vigil.service';
const WANTS = '/etc/systemd/system/multi-user.target.wants/vigil.service';
const DSH_STATE = '/var/lib/systemd/deb-systemd-helper-enabled/vigil.service.dsh-also';
/** what the package owns or its scripts make; none may exist before, none after the purge */
const OWNED = [LIB, BIN, UNIT, '/etc/vigil', WANTS, '/etc/systemd/system/vigil.service', DSH_STATE];
/** what the purge removes and the checkout's vigil may use too */
const SHARED = ['/var/lib/vigil', '/var/log/vigil'];
const SYSTEMD_PID1 = existsSync('/run/systemd/system');

/** Mounts a throwaway overlay on each folder's parent, the parent's other entries bound back. */
const PROTECTED_PURGE = `set -eu
scratch=$1; shift
mount -t tmpfs vigil-deb-test "$scratch"
i=0
for dir in "$@"; do
  i=$((i + 1)); parent=\${dir%/*}; name=\${dir##*/}
  mkdir "$scratch/real$i" "$scratch/upper$i" "$scratch/work$i"
  mount --rbind "$parent" "$scratch/real$i"
  mount -t overlay overlay -o "lowerdir=$parent,upperdir=$scratch/upper$i,workdir=$scratch/work$i" "$parent"
  for entry in "$scratch/real$i"/* "$scratch/real$i"/.[!.]*; do
    [ -e "$entry" ] && [ ! -L "$entry" ] || continue
    [ "\${entry##*/}" = "$name" ] || mount --rbind "$entry" "$parent/\${entry##*/}"
  done
done
dpkg --purge vigil
for dir in "$@"; do
  if [ -e "$dir" ]; then echo "the purge left $dir" >&2; exit 1; fi
done`;

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { encoding: 'utf8', env, timeout: 240_000 });
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  assert.equal(r.status, 0, `${what}: exit ${r.status} ${r.signal ?? ''}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** The package's dpkg status ('install ok installed', 'deinstall ok config-files', ...), or null. */
function packageStatus(): string | null {
  const r = run('dpkg-query', ['-W', '-f=${Status}', 'vigil']);
  return r.status === 0 && !r.stdout.endsWith('not-installed') ? r.stdout : null;
}

/** Purges the package, keeping `keep` (folders that existed before) out of the purge's reach. */
function purge(keep: string[]): SpawnSyncReturns<string> {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (keep.length === 0) return run('dpkg', ['--purge', 'vigil'], env);
  const scratch = mkdtempSync(join(tmpdir(), 'vigil-deb-ns-'));
  try {
    const args = ['--mount', '--propagation', 'private', 'sh', '-c', PROTECTED_PURGE, 'sh', scratch, ...keep];
    return run('unshare', args, env);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The installed vigil, as a user would run it: by its path, in a plain environment. */
function installedVigil(
  home: string,
  args: string[],
  extra: NodeJS.ProcessEnv = {},
): SpawnSyncReturns<string> {
  const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: home, LANG: 'C.UTF-8', ...extra };
  return spawnSync(BIN, args, { encoding: 'utf8', env, cwd: home, timeout: 60_000 });
}

interface Entry {
  mode: string;
  owner: string;
  path: string;
  target: string | undefined;
}

/** `dpkg-deb -c` lines: mode, owner, size, date, time, ./path [-> target]. */
function contents(deb: string): Map<string, Entry> {
  const out = new Map<string, Entry>();
  for (const line of ok(run('dpkg-deb', ['-c', deb]), 'dpkg-deb -c').split('\n')) {
    const m = /^(\S+) (\S+)\s+\d+ \S+ \S+ \.(\/\S*?)\/?(?: -> (\S+))?$/.exec(line);
    if (m === null) continue;
    const [, mode = '', owner = '', path = '', target] = m;
    out.set(path, { mode, owner, path, target });
  }
  return out;
}

/** Names in a folder, or [] when it is missing. */
function entries(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}

test('the Debian package builds, installs, runs from /usr/lib/vigil and purges clean', async (t) => {
  if (process.geteuid?.() !== 0) {
    t.skip('needs root (dpkg -i, dpkg --purge): run the kernel tests as root');
    return;
  }
  const installed = packageStatus();
  assert.equal(installed, null, `a vigil package is on this host (${installed}): dpkg --purge vigil first`);
  for (const path of OWNED) {
    assert.equal(pathState(path), null, `${path} exists without the package: the test would install over it`);
  }
  const sharedBefore = new Map(SHARED.filter((d) => existsSync(d)).map((d) => [d, entries(d)]));
  const keep = [...sharedBefore.keys()];
  const localVigil = pathState('/usr/local/bin/vigil');

  const out = mkdtempSync(join(tmpdir(), 'vigil-deb-'));
  const home = join(out, 'home');
  mkdirSync(home);
  t.after(() => {
    // passed or failed: the package goes, the checkout's folders stay
    if (packageStatus() !== null) {
      if (SYSTEMD_PID1) run('systemctl', ['stop', 'vigil']);
      const r = purge(keep);
      if (r.status !== 0) console.error(`cleanup: dpkg --purge vigil failed:\n${r.stderr}`);
    }
    rmSync(out, { recursive: true, force: true });
  });

  const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string })
    .version;
  const arch = ok(run('dpkg', ['--print-architecture']), 'dpkg --print-architecture').trim();
  let deb = '';

  await t.test('scripts/package-deb.sh builds vigil_<version>_<arch>.deb', () => {
    const started = Date.now();
    // npm's cache only (setup's npm ci filled it): the test sends nothing to the registry
    ok(
      run('bash', [join(repoRoot, 'scripts/package-deb.sh'), '-o', out], {
        ...process.env,
        npm_config_offline: 'true',
      }),
      'scripts/package-deb.sh',
    );
    t.diagnostic(`package built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const debs = readdirSync(out).filter((f) => f.endsWith('.deb'));
    assert.equal(debs.length, 1, `one .deb in ${out}: ${debs.join(', ')}`);
    deb = join(out, debs[0] ?? '');
    assert.match(deb, new RegExp(`/vigil_${version.replaceAll('.', '\\.')}[^_]*-1_${arch}\\.deb$`));
  });

  await t.test('control: version, architecture, dependencies, conffiles, maintainer scripts', () => {
    assert.ok(deb !== '', 'no package was built');
    const field = (name: string) => ok(run('dpkg-deb', ['-f', deb, name]), `dpkg-deb -f ${name}`).trim();
    assert.equal(field('Package'), 'vigil');
    // a release is package.json's version; a snapshot sorts before it, by commit time
    assert.match(field('Version'), /^\d+\.\d+\.\d+(~git\d{8}\.\d{6}\.[0-9a-f]{7,}(\.dirty)?)?-1$/);
    assert.ok(field('Version').startsWith(version));
    assert.equal(field('Architecture'), arch);
    const depends = field('Depends').split(/,\s*/);
    assert.ok(depends.includes('nodejs (>= 20)'), field('Depends'));
    for (const lib of ['libbpf1', 'libelf1', 'zlib1g', 'libc6', 'libseccomp2', 'libstdc++6', 'procps']) {
      assert.ok(
        depends.some((d) => d === lib || d.startsWith(`${lib} (`)),
        `Depends names ${lib}: ${field('Depends')}`,
      );
    }
    assert.match(field('Installed-Size'), /^\d+$/);
    assert.match(field('Maintainer'), /^.+ <.+@.+>$/);
    const info = ok(run('dpkg-deb', ['-I', deb]), 'dpkg-deb -I');
    for (const script of ['postinst', 'prerm', 'postrm'])
      assert.match(info, new RegExp(`\\*\\s+${script}\\s`));
    assert.equal(ok(run('dpkg-deb', ['-I', deb, 'conffiles']), 'conffiles').trim(), '/etc/vigil/vigil.yaml');
  });

  await t.test(
    'contents: the built CLI, BPF objects, addon, launcher, profiles; no sources, tests or dev dependencies',
    () => {
      assert.ok(deb !== '', 'no package was built');
      const files = contents(deb);
      const owners = new Set([...files.values()].map((e) => e.owner));
      assert.deepEqual([...owners], ['root/root']);
      const want = [
        `${LIB}/package.json`,
        `${LIB}/bin/vigil`,
        `${LIB}/dist/src/cli/main.js`,
        `${LIB}/dist/src/ui/static/index.html`,
        `${LIB}/dist/src/detect/data/npm.json`,
        `${LIB}/build/bpf/agent/vigil.bpf.o`,
        `${LIB}/build/bpf/lsm/vigil_lsm.bpf.o`,
        `${LIB}/build/bpf/policy/matcher_test.bpf.o`,
        `${LIB}/build/bpf/probes/core_probe.bpf.o`,
        `${LIB}/build/vigil-launch`,
        `${LIB}/native/build/Release/vigil_native.node`,
        `${LIB}/node_modules/yaml/package.json`,
        ...readdirSync(join(repoRoot, 'profiles')).map((f) => `${LIB}/profiles/${f}`),
        ...readdirSync(join(repoRoot, 'schemas')).map((f) => `${LIB}/schemas/${f}`),
        UNIT,
        '/etc/vigil/vigil.yaml',
        '/usr/share/doc/vigil/copyright',
        '/usr/share/doc/vigil/README.md',
        '/usr/share/doc/vigil/docs/packaging.md',
        '/usr/share/man/man1/vigil.1.gz',
      ];
      for (const path of want) assert.ok(files.has(path), `${path} is in the package`);
      assert.equal(files.get(BIN)?.target, '../lib/vigil/bin/vigil');
      assert.equal(files.get('/usr/share/doc/vigil/schemas')?.target, '../../../lib/vigil/schemas');
      for (const exe of [`${LIB}/bin/vigil`, `${LIB}/build/vigil-launch`]) {
        assert.equal(files.get(exe)?.mode, '-rwxr-xr-x', exe);
      }
      assert.equal(files.get('/etc/vigil/vigil.yaml')?.mode, '-rw-r-----');

      const unwanted = [...files.keys()].filter((p) =>
        /\.(ts|mts|cts|map)$|\/dist\/(test|scripts)\/|\/build\/bpf\/(test|wire)\/|redteam-probe|landlock-plan-dump|vmlinux\.h/.test(
          p,
        ),
      );
      assert.deepEqual(unwanted, [], 'no TypeScript, source maps, tests or test objects');
      const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
        packages: Record<string, { dev?: boolean }>;
      };
      const dev = Object.entries(lock.packages)
        .filter(([path, p]) => path !== '' && p.dev === true)
        .map(([path]) => `${LIB}/${path}`)
        .filter((path) => files.has(path));
      assert.deepEqual(dev, [], 'no package the lockfile marks dev');
    },
  );

  await t.test('dpkg -i installs it: the folders, the config, the unit enabled and not started', () => {
    assert.ok(deb !== '', 'no package was built');
    ok(run('dpkg', ['-i', deb], { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }), 'dpkg -i');
    assert.equal(packageStatus(), 'install ok installed');
    assert.equal(readlinkSync(BIN), '../lib/vigil/bin/vigil');
    assert.equal(
      readFileSync('/etc/vigil/vigil.yaml', 'utf8'),
      readFileSync(join(repoRoot, 'packaging/vigil.yaml'), 'utf8'),
    );
    const modes: Record<string, number> = { '/var/lib/vigil': 0o700, '/var/log/vigil': 0o751 };
    for (const [dir, mode] of Object.entries(modes)) {
      assert.ok(statSync(dir).isDirectory(), dir);
      if (!sharedBefore.has(dir)) assert.equal(statSync(dir).mode & 0o7777, mode, `${dir} mode`);
    }
    assert.equal(readlinkSync(WANTS), UNIT, 'the unit is enabled');
    if (SYSTEMD_PID1) {
      const active = run('systemctl', ['is-active', 'vigil']).stdout.trim();
      assert.equal(active, 'inactive', 'a first install does not start the daemon');
    }
    assert.equal(pathState('/usr/local/bin/vigil'), localVigil, '/usr/local/bin/vigil is untouched');
  });

  await t.test(
    'the unit runs /usr/bin/vigil and passes systemd-analyze verify; started where systemd is PID 1',
    async (tt) => {
      assert.equal(packageStatus(), 'install ok installed', 'the package is not installed');
      const unit = readFileSync(UNIT, 'utf8');
      assert.match(
        unit,
        /^ExecStart=\/usr\/bin\/vigil daemon --config \/etc\/vigil\/vigil\.yaml --audit-log /m,
      );
      assert.match(unit, /^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
      ok(run('systemd-analyze', ['verify', UNIT]), 'systemd-analyze verify');
      if (!SYSTEMD_PID1) {
        tt.diagnostic(
          'PID 1 is not systemd here (no /run/systemd/system): the unit is verified, not started',
        );
        return;
      }
      if ((await socketAnswers('/run/vigil/vigil.sock')) || existsSync('/sys/fs/bpf/vigil')) {
        tt.diagnostic(
          'a vigil daemon or its pins are already on this host: the service is not started beside them',
        );
        return;
      }
      tt.after(() => {
        run('systemctl', ['stop', 'vigil']);
        installedVigil(home, ['unload']);
      });
      ok(run('systemctl', ['start', 'vigil']), 'systemctl start vigil');
      let status = installedVigil(home, ['status']);
      for (let i = 0; i < 50 && status.status !== 0; i++) {
        await new Promise((r) => setTimeout(r, 200));
        status = installedVigil(home, ['status']);
      }
      ok(status, 'vigil status against the service');
    },
  );

  await t.test('the installed vigil runs its own files: --help, doctor, profile validate', () => {
    assert.equal(packageStatus(), 'install ok installed', 'the package is not installed');
    assert.equal(readlinkSync(BIN), '../lib/vigil/bin/vigil');
    assert.match(ok(installedVigil(home, ['--help']), 'vigil --help'), /^usage: vigil <command>/);
    assert.equal(ok(installedVigil(home, ['--version']), 'vigil --version').trim(), `vigil ${version}`);

    // node's own trace of every module it loads: all of them under /usr/lib/vigil (or node's)
    const doctor = installedVigil(home, ['doctor', '--json'], { NODE_DEBUG: 'module,esm' });
    const report = JSON.parse(doctor.stdout) as {
      exit_code: number;
      probes: { id: string; status: string; detail: string }[];
    };
    assert.equal(doctor.status, report.exit_code, doctor.stderr.slice(-2000));
    for (const id of ['native', 'btf_core']) {
      const probe = report.probes.find((p) => p.id === id);
      assert.equal(probe?.status, 'ok', `doctor probe ${id}: ${probe?.detail}`);
    }
    const loaded = new Set(
      [...doctor.stderr.matchAll(/(?:file:\/\/)?(\/[^\s"'`,)]+\.(?:js|mjs|cjs|json|node))\b/g)].map(
        (m) => m[1] ?? '',
      ),
    );
    const mine = [...loaded].filter((p) => p.startsWith(`${LIB}/`));
    for (const path of [
      `${LIB}/dist/src/cli/main.js`,
      `${LIB}/dist/src/doctor/gather-facts.js`,
      `${LIB}/native/build/Release/vigil_native.node`,
    ]) {
      assert.ok(loaded.has(path), `NODE_DEBUG names ${path}; it named ${mine.slice(0, 5).join(', ')}...`);
    }
    const checkout = [...loaded].filter((p) => p.startsWith(repoRoot));
    assert.deepEqual(checkout, [], `nothing is loaded from the checkout (${repoRoot})`);

    const profile = `${LIB}/profiles/claude-code.yaml`;
    ok(installedVigil(home, ['profile', 'validate', profile]), `vigil profile validate ${profile}`);
  });

  await t.test('dpkg --purge removes everything of it', () => {
    assert.notEqual(packageStatus(), null, 'the package is not installed');
    ok(
      purge(keep),
      `dpkg --purge vigil${keep.length > 0 ? ` (keeping ${keep.join(', ')} out of reach)` : ''}`,
    );
    assert.equal(packageStatus(), null);
    for (const path of OWNED) assert.equal(pathState(path), null, `${path} is gone`);
    for (const dir of SHARED) {
      const before = sharedBefore.get(dir);
      if (before === undefined) assert.ok(!existsSync(dir), `${dir} is gone`);
      else {
        const now = entries(dir);
        assert.deepEqual(
          before.filter((e) => !now.includes(e)),
          [],
          `${dir}, there before, keeps its entries`,
        );
      }
    }
    assert.equal(pathState('/usr/local/bin/vigil'), localVigil, '/usr/local/bin/vigil is untouched');
  });
});

/** A symlink's target, a file's size and time, a folder's name; null when nothing is there. */
function pathState(path: string): string | null {
  try {
    const st = lstatSync(path);
    if (st.isSymbolicLink()) return `-> ${readlinkSync(path)}`;
    return st.isDirectory() ? 'folder' : `file ${st.size} ${st.mtimeMs}`;
  } catch {
    return null;
  }
}
