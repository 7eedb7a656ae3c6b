// The kernel matrix of the VM layer: Debian's packaged kernels, each named by the meta-package
// that tracks it, so a Debian point release moves the tests to the new build by itself.
// To add a kernel, add a row (see docs/testing.md).
import { execFileSync } from 'node:child_process';

export interface KernelSpec {
  /** Short, stable name used in test names and cache folders. */
  id: string;
  /** The Debian meta-package whose `Depends:` names the concrete linux-image package. */
  meta: string;
  /** Why this kernel is in the matrix. */
  why: string;
}

export const KERNELS: readonly KernelSpec[] = [
  {
    id: 'debian-6.1',
    meta: 'linux-image-amd64',
    why: "Debian 12's default kernel: what most bookworm hosts with lsm=bpf run",
  },
  {
    id: 'debian-6.12',
    meta: 'linux-image-6.12-amd64',
    why: 'the newer kernel Debian 12 also ships: a second BTF layout for the CO-RE relocations',
  },
];

/** `linux-image-6.1.0-56-amd64` for `linux-image-amd64`, from `apt-cache depends`. */
export function resolvePackage(meta: string): string {
  let text: string;
  try {
    text = execFileSync('apt-cache', ['depends', meta], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    throw new Error(`apt-cache depends ${meta} failed: ${(err as Error).message}`, { cause: err });
  }
  const dep = /^\s*Depends:\s*(linux-image-\S+-amd64)\s*$/m.exec(text)?.[1];
  if (dep === undefined) throw new Error(`apt-cache depends ${meta} names no linux-image-*-amd64:\n${text}`);
  return dep;
}

/** Selects kernels by id from VIGIL_VM_KERNELS (comma-separated); all of them when unset. */
export function selectedKernels(env: NodeJS.ProcessEnv = process.env): KernelSpec[] {
  const want = env.VIGIL_VM_KERNELS?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (want === undefined || want.length === 0) return [...KERNELS];
  const unknown = want.filter((id) => !KERNELS.some((k) => k.id === id));
  if (unknown.length > 0)
    throw new Error(
      `VIGIL_VM_KERNELS: unknown kernel ${unknown.join(', ')}; known: ${KERNELS.map((k) => k.id).join(', ')}`,
    );
  return KERNELS.filter((k) => want.includes(k.id));
}
