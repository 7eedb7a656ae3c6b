// parseInstall: an exec's argv, as the kernel reported it, to the package install it asks for, or
// null when it installs nothing (npm test, pip list, cargo build, apt search ...). Wrappers and
// interpreters are looked through by resolve-tool.ts; each tool family has its own parser.
import type { InstallCommand } from './install-command.js';
import { parseApt } from './parse-apt.js';
import { parseCargo } from './parse-cargo.js';
import { parseGem } from './parse-gem.js';
import { parseGo } from './parse-go.js';
import { parseBun, parseNpm, parseNpx, parsePnpm, parseYarn } from './parse-node-tools.js';
import { parsePip, parsePipx, parsePoetry, parseUv, parseUvx } from './parse-python-tools.js';
import { resolveTool } from './resolve-tool.js';

export type { InstallCommand } from './install-command.js';

/** null when argv is not a package-installing command (npm test, pip list, cargo build, apt search ...) */
export function parseInstall(argv: readonly string[]): InstallCommand | null {
  const resolved = resolveTool(argv);
  if (resolved === undefined) return null;
  const { tool, args, elevated } = resolved;
  switch (tool) {
    case 'npm':
      return parseNpm(args);
    case 'npx':
    case 'pnpx':
    case 'bunx':
      return parseNpx(tool, args);
    case 'yarn':
      return parseYarn(args);
    case 'pnpm':
      return parsePnpm(args);
    case 'bun':
      return parseBun(args);
    case 'pip':
      return parsePip(args, elevated);
    case 'pipx':
      return parsePipx(args);
    case 'uv':
      return parseUv(args, elevated);
    case 'uvx':
      return parseUvx(args);
    case 'poetry':
      return parsePoetry(args);
    case 'cargo':
      return parseCargo(args);
    case 'go':
      return parseGo(args);
    case 'gem':
      return parseGem(args);
    case 'apt':
    case 'apt-get':
    case 'aptitude':
    case 'dpkg':
      return parseApt(tool, args);
    default:
      return null;
  }
}
