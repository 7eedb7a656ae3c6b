// What a package-installing command line asks for, as parse-install.ts reads it from an exec's argv:
// the tool, its ecosystem, and each package with where it comes from. Plain data, no judgement:
// assess-install.ts scores it.

export type Ecosystem = 'npm' | 'pypi' | 'cargo' | 'go' | 'rubygems' | 'debian';

/**
 * Where a package comes from. registry: a name the registry resolves; url: an archive fetched by
 * http(s) URL; git: a git repository; tarball: a local archive file (.tgz, .whl, .gem, .deb ...);
 * local: a local folder; requirements-file: a file listing more packages (pip -r, uv add -r).
 */
export type PackageSource = 'registry' | 'url' | 'git' | 'tarball' | 'local' | 'requirements-file';

export interface InstallPackage {
  ecosystem: Ecosystem;
  /**
   * The name normalised for its ecosystem (PyPI: PEP 503; npm, cargo, gems: lowercase; go: the
   * module path; debian: the package name). For a URL, git or path source, the best name the
   * argument shows (egg fragment, archive file name, repository or folder name).
   */
  name: string;
  /** the version, range, tag or git ref asked for; null when none is given */
  spec: string | null;
  source: PackageSource;
  /** the argument as it appeared on the command line */
  raw: string;
}

export interface InstallCommand {
  /** the tool as the user knows it: npm, npx, yarn, pnpm, bun, pip, pipx, uv, poetry, cargo, go, gem, apt-get ... */
  tool: string;
  ecosystem: Ecosystem;
  /** the install verb, aliases resolved: install, add, exec, dlx, create, run, get, tool-install ... */
  subcommand: string;
  /** the packages named; empty for an install from a manifest or lock file (npm ci, poetry install) */
  packages: InstallPackage[];
  /** the options given, each as `--name` or `--name=value` (short ones as `-x` / `-x=value`) */
  flags: string[];
  /** installs outside any project: npm -g, yarn global, pipx/uv tool/cargo/go/gem install, apt, pip --user or --system */
  global: boolean;
}
