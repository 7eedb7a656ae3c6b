// Reads one requirement of pip, pipx, uv or poetry: a PEP 508 requirement (`requests[socks]>=2.0`,
// `name @ https://...`), a VCS URL (`git+https://host/u/r.git@v1#egg=name`), an archive URL or file
// (wheels and sdists, whose file names carry name and version), or a local folder.
import type { InstallPackage, PackageSource } from './install-command.js';

/** PEP 503: lowercase, and every run of `-`, `_` and `.` is one `-` */
export function normalizePypiName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

const VCS = /^(git|hg|svn|bzr)\+/i;
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const WHEEL = /\.whl$/i;
const SDIST = /\.(tar\.gz|tgz|tar\.bz2|tar\.xz|tar|zip)$/i;
// a name with its Unicode letters kept, so that a look-alike letter is still seen as part of it
const REQUIREMENT = /^([\p{L}\p{N}](?:[\p{L}\p{N}._-]*[\p{L}\p{N}])?)\s*(\[[^\]]*\])?\s*(.*)$/su;

function pkg(name: string, spec: string | null, source: PackageSource, raw: string): InstallPackage {
  // a path stands for itself (`.` is no name to normalise)
  const normal = /^[\p{L}\p{N}]/u.test(name) && !name.includes('/') ? normalizePypiName(name) : name;
  return { ecosystem: 'pypi', name: normal, spec: spec === '' ? null : spec, source, raw };
}

function fragment(url: string, key: string): string | undefined {
  const hash = url.indexOf('#');
  if (hash < 0) return undefined;
  for (const part of url.slice(hash + 1).split('&')) {
    const [k, v] = part.split('=');
    if (k === key && v !== undefined && v !== '') return v;
  }
  return undefined;
}

function lastSegment(path: string): string {
  return (
    path
      .replace(/[?#].*$/, '')
      .replace(/\/+$/, '')
      .split('/')
      .pop() ?? path
  );
}

/** `requests-2.31.0-py3-none-any.whl` -> requests 2.31.0; `Django-4.2.tar.gz` -> django 4.2 */
function archiveParts(file: string): { name: string; version: string | null } {
  const base = lastSegment(file);
  if (WHEEL.test(base)) {
    const [name, version] = base.split('-');
    return { name: name ?? base, version: version ?? null };
  }
  const stem = base.replace(SDIST, '');
  const m = /^(.+?)-(v?\d[\w.!+]*)$/.exec(stem);
  return m === null ? { name: stem, version: null } : { name: m[1] as string, version: m[2] as string };
}

/** a VCS URL: name from #egg= or the repository, the ref after the path's last @ */
function vcsPackage(url: string, raw: string, name?: string): InstallPackage {
  const noFragment = url.replace(/#.*$/, '');
  const scheme = noFragment.indexOf('://');
  const afterHost = scheme >= 0 ? noFragment.indexOf('/', scheme + 3) : -1;
  const path = afterHost >= 0 ? noFragment.slice(afterHost) : noFragment;
  const at = path.lastIndexOf('@');
  // pip puts the ref after @; poetry and others also take it as a bare #fragment
  const bare =
    url.includes('#') && !url.slice(url.indexOf('#') + 1).includes('=')
      ? url.slice(url.indexOf('#') + 1)
      : null;
  const ref = at >= 0 ? path.slice(at + 1) : bare === '' ? null : bare;
  const repo = lastSegment(at >= 0 ? path.slice(0, at) : path).replace(/\.git$/i, '');
  return pkg(name ?? fragment(url, 'egg') ?? repo, ref, 'git', raw);
}

function urlPackage(url: string, raw: string, name?: string): InstallPackage {
  if (VCS.test(url)) return vcsPackage(url, raw, name);
  if (/^file:/i.test(url)) return pathPackage(url.replace(/^file:(\/\/)?/i, ''), raw, name);
  const gitHostArchive =
    /^https?:\/\/(?:www\.)?(?:github\.com|gitlab\.com|bitbucket\.org)\/[^/]+\/([^/]+)\/(?:archive|tarball|zipball|-\/archive)\/(?:refs\/(?:heads|tags)\/)?([^?#]+?)(?:\.tar\.gz|\.tgz|\.zip)?(?:[?#].*)?$/i.exec(
      url,
    );
  if (gitHostArchive !== null) {
    // a git host's archive of a ref: github.com/user/repo/archive/refs/heads/main.zip
    return pkg(
      name ?? fragment(url, 'egg') ?? (gitHostArchive[1] as string),
      gitHostArchive[2] as string,
      'url',
      raw,
    );
  }
  const a = archiveParts(url);
  const egg = fragment(url, 'egg');
  return pkg(name ?? egg ?? a.name, a.version, 'url', raw);
}

function pathPackage(path: string, raw: string, name?: string): InstallPackage {
  if (WHEEL.test(path) || SDIST.test(path)) {
    const a = archiveParts(path);
    return pkg(name ?? a.name, a.version, 'tarball', raw);
  }
  // `.[dev]`: a folder with extras
  const folder = lastSegment(path.replace(/\[[^\]]*\]$/, ''));
  return pkg(
    name ?? (folder === '' || folder === '.' || folder === '..' ? path : folder),
    null,
    'local',
    raw,
  );
}

function looksLikePath(arg: string): boolean {
  return /^(\.{1,2}(\/|$)|\/|~\/)/.test(arg) || arg.includes('/') || WHEEL.test(arg) || SDIST.test(arg);
}

export interface RequirementOptions {
  /** poetry's `name@^1.2` form (PEP 508 has no `@` before a version) */
  poetry?: boolean;
}

/** one requirement as pip, uv, pipx or poetry takes it on the command line */
export function parsePythonRequirement(arg: string, options: RequirementOptions = {}): InstallPackage {
  const raw = arg;
  const text = arg.trim();
  if (VCS.test(text) || URL_SCHEME.test(text)) return urlPackage(text, raw);
  const m = REQUIREMENT.exec(text);
  if (m === null || (looksLikePath(text) && !/^[^/]+\s*@\s*[a-z+]+:\/\//i.test(text))) {
    return pathPackage(text, raw);
  }
  const name = m[1] as string;
  let rest = (m[3] as string).trim();
  if (rest.startsWith('@')) {
    const target = rest.slice(1).trim();
    if (VCS.test(target) || URL_SCHEME.test(target))
      return urlPackage(target.replace(/\s*;.*$/, ''), raw, name);
    if (options.poetry === true) rest = target;
    else return pathPackage(target, raw, name);
  }
  const spec = rest
    .replace(/\s*;.*$/, '')
    .replace(/^\((.*)\)$/, '$1')
    .trim();
  return pkg(name, spec, 'registry', raw);
}
