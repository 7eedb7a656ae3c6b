// go install, go get and go run of a remote module (`go run pkg@version`): a module or package
// path with an optional @version; `./...`, `.` and file paths are local. go's flags are single-dash
// words (`-u`, `-tags x`).
import { flagStrings, parseArgs } from './argv-options.js';
import type { InstallCommand, InstallPackage } from './install-command.js';

const VALUES = new Set(
  [
    'tags',
    'ldflags',
    'gcflags',
    'asmflags',
    'gccgoflags',
    'mod',
    'modfile',
    'o',
    'C',
    'p',
    'overlay',
    'pgo',
    'installsuffix',
    'pkgdir',
    'toolexec',
    'compiler',
    'exec',
    'buildmode',
    'buildvcs',
    'covermode',
    'coverpkg',
  ].flatMap((f) => [`-${f}`, `--${f}`]),
);

function isLocal(path: string): boolean {
  return /^(\.|\/|~)/.test(path) || path.endsWith('.go') || !path.includes('.') || path.startsWith('-');
}

function modulePackage(raw: string): InstallPackage {
  const at = raw.lastIndexOf('@');
  const name = at > 0 ? raw.slice(0, at) : raw;
  const spec = at > 0 ? raw.slice(at + 1) : null;
  return {
    ecosystem: 'go',
    name,
    spec: spec === '' ? null : spec,
    source: isLocal(name) ? 'local' : 'registry',
    raw,
  };
}

export function parseGo(args: readonly string[]): InstallCommand | null {
  const verb = args[0];
  if (verb !== 'install' && verb !== 'get' && verb !== 'run') return null;
  const p = parseArgs(args.slice(1), {
    withValue: VALUES,
    singleDashLong: true,
    stopAtPositional: verb === 'run',
  });
  const positionals = [...p.positionals, ...(verb === 'run' ? [] : p.rest)];
  // `go get pkg@none` removes a requirement
  const packages = positionals.map(modulePackage).filter((p) => p.spec !== 'none');
  if (packages.length === 0 && positionals.length > 0) return null;
  // go run of local files builds and runs them; only a remote module@version is fetched
  if (
    verb === 'run' &&
    (packages[0] === undefined || packages[0].source === 'local' || packages[0].spec === null)
  )
    return null;
  return {
    tool: 'go',
    ecosystem: 'go',
    subcommand: verb,
    packages,
    flags: flagStrings(p.options),
    global: verb === 'install',
  };
}
