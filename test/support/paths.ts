// Paths of build outputs for tests: the same lookup the product uses (src/system/paths.ts).
import { bpfObjectPath, repoRoot as findRepoRoot } from '../../src/system/paths.js';

/** The repository root, with a trailing slash. */
export const repoRoot = `${findRepoRoot()}/`;

export const bpfObject = bpfObjectPath;
