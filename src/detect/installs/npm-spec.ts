// Reads one package argument of npm, npx, yarn, pnpm or bun the way npm-package-arg does: a
// registry name with an optional range, tag or `npm:` alias, a git source (git+https:, github:,
// user/repo), a tarball URL, a local tarball or a local folder (file:, ./dir).
import type { InstallPackage, PackageSource } from './install-command.js';

const GIT_HOST_SHORTCUT = /^(github|gitlab|bitbucket|gist):/i;
const GIT_URL = /^(git\+[a-z]+:|git:|ssh:)/i;
const HTTP_URL = /^https?:\/\//i;
const GIT_HOSTS = new Set(['github.com', 'gitlab.com', 'bitbucket.org', 'gist.github.com']);
const ARCHIVE = /\.(tgz|tar\.gz|tar)$/i;
// `user/repo` or `user/repo#ref`: npm reads a bare slash pair as a GitHub repository
const GITHUB_SHORTHAND = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(#.*)?$/;

function pkg(name: string, spec: string | null, source: PackageSource, raw: string): InstallPackage {
  return { ecosystem: 'npm', name, spec: spec === '' ? null : spec, source, raw };
}

/** `git+https://github.com/u/repo.git#v1` -> repo, v1 */
function gitParts(url: string): { name: string; ref: string | null } {
  const hash = url.indexOf('#');
  const ref = hash >= 0 ? url.slice(hash + 1) : null;
  const path = (hash >= 0 ? url.slice(0, hash) : url).replace(/\/+$/, '');
  const name = (path.split(/[/:]/).pop() ?? path).replace(/\.git$/i, '');
  return { name, ref: ref === '' ? null : ref };
}

function fileName(path: string): string {
  const base =
    path
      .replace(/[?#].*$/, '')
      .replace(/\/+$/, '')
      .split('/')
      .pop() ?? path;
  return base === '' ? path : base;
}

/** the package a tarball file name names: `lodash-4.17.21.tgz` -> lodash, 4.17.21 */
function tarballParts(file: string): { name: string; version: string | null } {
  const stem = fileName(file).replace(ARCHIVE, '');
  const m = /^(.+?)-(v?\d+\.\d+\.\d+.*)$/.exec(stem);
  return m === null ? { name: stem, version: null } : { name: m[1] as string, version: m[2] as string };
}

/** what a source spec (everything that is not a registry range) points at, named `alias` if given */
function sourceSpec(spec: string, raw: string, alias: string | undefined): InstallPackage | undefined {
  if (GIT_URL.test(spec) || GIT_HOST_SHORTCUT.test(spec)) {
    const g = gitParts(spec.replace(GIT_HOST_SHORTCUT, ''));
    return pkg(alias ?? g.name, g.ref, 'git', raw);
  }
  if (HTTP_URL.test(spec)) {
    let host = '';
    let segments: string[] = [];
    try {
      const u = new URL(spec);
      host = u.hostname.toLowerCase();
      segments = u.pathname.split('/').filter((s) => s !== '');
    } catch {
      // not a URL after all: still fetched from the network
    }
    const isGit = /\.git(#.*)?$/i.test(spec) || (GIT_HOSTS.has(host) && segments.length === 2);
    if (isGit) {
      const g = gitParts(spec);
      return pkg(alias ?? g.name, g.ref, 'git', raw);
    }
    if (
      GIT_HOSTS.has(host) &&
      segments.length >= 4 &&
      /^(tarball|archive|zipball)$/.test(segments[2] ?? '')
    ) {
      // a git host's archive of a ref: github.com/user/repo/tarball/v1
      const ref = segments
        .slice(3)
        .join('/')
        .replace(/\.(tar\.gz|tgz|zip)$/i, '');
      return pkg(alias ?? (segments[1] as string), ref.replace(/^refs\/(tags|heads)\//, ''), 'url', raw);
    }
    const t = tarballParts(spec);
    return pkg(alias ?? t.name, t.version, 'url', raw);
  }
  if (/^(link|portal|workspace):/i.test(spec)) {
    // yarn and pnpm protocols for a folder of this machine or workspace
    const path = spec.slice(spec.indexOf(':') + 1);
    return pkg(alias ?? (/^workspace:/i.test(spec) ? path : fileName(path)), null, 'local', raw);
  }
  if (/^file:/i.test(spec)) {
    const path = spec.slice('file:'.length);
    if (ARCHIVE.test(path)) {
      const t = tarballParts(path);
      return pkg(alias ?? t.name, t.version, 'tarball', raw);
    }
    return pkg(alias ?? fileName(path), null, 'local', raw);
  }
  if (/^(\.{1,2}(\/|$)|\/|~\/)/.test(spec) || ARCHIVE.test(spec)) {
    if (ARCHIVE.test(spec)) {
      const t = tarballParts(spec);
      return pkg(alias ?? t.name, t.version, 'tarball', raw);
    }
    return pkg(alias ?? fileName(spec), null, 'local', raw);
  }
  if (alias === undefined && !spec.startsWith('@') && GITHUB_SHORTHAND.test(spec)) {
    const g = gitParts(spec);
    return pkg(g.name, g.ref, 'git', raw);
  }
  return undefined;
}

/** one package argument of an npm-family tool */
export function parseNpmSpec(raw: string): InstallPackage {
  const direct = sourceSpec(raw, raw, undefined);
  if (direct !== undefined) return direct;
  // name@spec, with the name's own leading @ of a scope kept
  const at = raw.indexOf('@', raw.startsWith('@') ? 1 : 0);
  const name = at > 0 ? raw.slice(0, at) : raw;
  const spec = at > 0 ? raw.slice(at + 1) : '';
  if (spec.startsWith('npm:')) {
    // an alias: what is fetched is the package after npm:
    const real = parseNpmSpec(spec.slice('npm:'.length));
    return { ...real, raw };
  }
  const viaSource = spec === '' ? undefined : sourceSpec(spec, raw, name);
  return viaSource ?? pkg(name, spec, 'registry', raw);
}

/**
 * The package an initializer names (npm init / npm create / yarn create / pnpm create / bun create):
 * `vite` -> create-vite, `@scope` -> @scope/create, `@scope/app@1` -> @scope/create-app@1.
 */
export function initializerPackage(initializer: string): string {
  const at = initializer.indexOf('@', initializer.startsWith('@') ? 1 : 0);
  const name = at > 0 ? initializer.slice(0, at) : initializer;
  const version = at > 0 ? initializer.slice(at) : '';
  if (name.startsWith('@')) {
    const slash = name.indexOf('/');
    if (slash < 0) return `${name}/create${version}`;
    return `${name.slice(0, slash)}/create-${name.slice(slash + 1)}${version}`;
  }
  return `create-${name}${version}`;
}
