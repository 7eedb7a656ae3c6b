// Paths of build outputs, from the compiled test's place in dist/test/.
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export function bpfObject(rel: string): string {
  return `${repoRoot}build/bpf/${rel}`;
}
