// Debian's kernel for the VM, fetched once and kept under .cache/vm/kernels/<package>/: the
// bzImage, its config, and only the modules the initramfs needs, already decompressed. The .deb
// and its 400 MB extraction are thrown away; a new package name (a Debian update) fetches again.
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { resolvePackage, type KernelSpec } from './kernels.js';

/**
 * What the initramfs loads, in dependency order, to mount a 9p share over virtio-pci
 * (KERNEL-NOTES.md). Modules a kernel has built in are absent from its package and skipped.
 */
export const SHARE_MODULES = [
  'virtio_ring',
  'virtio',
  'virtio_pci_modern_dev',
  'virtio_pci_legacy_dev',
  'virtio_pci',
  'netfs',
  'fscache',
  '9pnet',
  '9pnet_virtio',
  '9p',
] as const;

/** Modules that newer kernels folded into another one: absent without being an error. */
const FOLDED: Record<string, string> = { fscache: 'part of netfs since Linux 6.4' };

export interface CachedKernel {
  spec: KernelSpec;
  /** The concrete package, e.g. linux-image-6.1.0-56-amd64. */
  pkg: string;
  /** `uname -r` of the kernel, e.g. 6.1.0-56-amd64. */
  release: string;
  vmlinuz: string;
  config: string;
  /** Folder of `<name>.ko` files (decompressed). */
  moduleDir: string;
  /** The modules to load, in order (built-in ones left out). */
  modules: string[];
  /** Time spent fetching and unpacking now; 0 when the cache already had it. */
  fetchMs: number;
}

interface Manifest {
  /** KernelSpec.id, so an older build of the same row can be pruned. */
  id: string;
  pkg: string;
  release: string;
  modules: string[];
}

function run(cmd: string, args: string[], cwd: string): void {
  try {
    // a stalled mirror must not hang the test run: a normal fetch takes seconds
    execFileSync(cmd, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 << 20,
      timeout: 180_000,
    });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.stderr?.toString().trim() || e.message}`, {
      cause: err,
    });
  }
}

/** Every file below `dir`, by name (the last one wins; module names are unique in a kernel). */
function filesByName(dir: string, out = new Map<string, string>()): Map<string, string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) filesByName(p, out);
    else out.set(e.name, p);
  }
  return out;
}

/** Copies (or decompresses) one module into `dest`; false when it is built in. */
function takeModule(name: string, files: Map<string, string>, builtin: string, dest: string): boolean {
  const plain = files.get(`${name}.ko`);
  const xz = files.get(`${name}.ko.xz`);
  const zst = files.get(`${name}.ko.zst`);
  const out = join(dest, `${name}.ko`);
  if (plain !== undefined) copyFileSync(plain, out);
  else if (xz !== undefined) writeFileSync(out, execFileSync('xz', ['-dc', xz], { maxBuffer: 64 << 20 }));
  else if (zst !== undefined)
    writeFileSync(out, execFileSync('zstd', ['-dcq', zst], { maxBuffer: 64 << 20 }));
  else if (builtin.split('\n').some((l) => l.endsWith(`/${name}.ko`))) return false;
  else if (name in FOLDED) return false;
  else throw new Error(`module ${name} is neither in the package nor built in (modules.builtin)`);
  return true;
}

/** Removes cached builds of the same matrix row that Debian has since replaced. */
function pruneOlder(cacheRoot: string, id: string, keep: string): void {
  const kernels = join(cacheRoot, 'kernels');
  for (const name of readdirSync(kernels)) {
    if (name === keep || name.startsWith('.')) continue;
    try {
      const m = JSON.parse(readFileSync(join(kernels, name, 'manifest.json'), 'utf8')) as Manifest;
      if (m.id === id) rmSync(join(kernels, name), { recursive: true, force: true });
    } catch {
      // not a finished cache entry: leave it
    }
  }
}

/** The kernel of `spec`, from the cache or fetched now with apt-get download + dpkg -x. */
export function ensureKernel(spec: KernelSpec, cacheRoot: string): CachedKernel {
  const pkg = resolvePackage(spec.meta);
  const dir = join(cacheRoot, 'kernels', pkg);
  const start = performance.now();
  let fetched = false;
  if (!existsSync(join(dir, 'manifest.json'))) {
    mkdirSync(join(cacheRoot, 'kernels'), { recursive: true });
    const tmp = mkdtempSync(join(cacheRoot, 'kernels', `.fetch-${pkg}-`));
    try {
      // as root apt drops to _apt, which cannot write into this folder; root downloading is fine
      run('apt-get', ['download', '-q', '-o', 'APT::Sandbox::User=root', pkg], tmp);
      const deb = readdirSync(tmp).find((f) => f.endsWith('.deb'));
      if (deb === undefined) throw new Error(`apt-get download ${pkg} left no .deb`);
      run('dpkg', ['-x', deb, 'x'], tmp);
      const releases = readdirSync(join(tmp, 'x/lib/modules'));
      const release = releases[0];
      if (release === undefined || releases.length !== 1)
        throw new Error(`${pkg}: expected one lib/modules/<release>, found ${releases.join(', ')}`);
      const stage = join(tmp, 'stage');
      mkdirSync(join(stage, 'modules'), { recursive: true });
      copyFileSync(join(tmp, 'x/boot', `vmlinuz-${release}`), join(stage, 'vmlinuz'));
      copyFileSync(join(tmp, 'x/boot', `config-${release}`), join(stage, 'config'));
      const modRoot = join(tmp, 'x/lib/modules', release);
      const builtin = readFileSync(join(modRoot, 'modules.builtin'), 'utf8');
      const files = filesByName(join(modRoot, 'kernel'));
      const modules = SHARE_MODULES.filter((m) => takeModule(m, files, builtin, join(stage, 'modules')));
      const manifest: Manifest = { id: spec.id, pkg, release, modules };
      writeFileSync(join(stage, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
      try {
        renameSync(stage, dir);
      } catch (err) {
        // another test run fetched the same package meanwhile: use theirs
        if (!existsSync(join(dir, 'manifest.json'))) throw err;
      }
      fetched = true;
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    pruneOlder(cacheRoot, spec.id, pkg);
  }
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  return {
    spec,
    pkg: m.pkg,
    release: m.release,
    vmlinuz: join(dir, 'vmlinuz'),
    config: join(dir, 'config'),
    moduleDir: join(dir, 'modules'),
    modules: m.modules,
    fetchMs: fetched ? Math.round(performance.now() - start) : 0,
  };
}
