// Scores a parsed install command's supply-chain risk: per package, where it comes from (a URL, an
// unpinned git repository ...), whether its name imitates a popular package (typosquat-index.ts),
// and whether it or the version asked for has a bad history (risky-packages.ts); per command, the
// options that weaken the registry (plain-http or extra indexes, trusted hosts, unauthenticated
// apt) or force install-time code to run.
import { parseArgs } from './argv-options.js';
import type { Ecosystem, InstallCommand, InstallPackage } from './install-command.js';
import { ECOSYSTEMS, popularList } from './popular-lists.js';
import { RISKY, type RiskyEntry } from './risky-packages.js';
import { findImpersonation, nameKey, TOP_RANK, type Impersonation } from './typosquat-index.js';

export type { Ecosystem, InstallCommand, InstallPackage } from './install-command.js';

export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';

/**
 * code: typosquat, homoglyph, separator_confusion, scope_confusion, affix_addition, url_source,
 * git_source, unpinned_git, tarball_source, local_source, requirements_file, risky_category,
 * insecure_index, custom_index, install_scripts_forced, runs_package
 */
export interface RiskReason {
  code: string;
  detail: string;
}

export interface AssessedPackage extends InstallPackage {
  severity: Severity;
  reasons: RiskReason[];
  /** the popular package the name imitates */
  similar_to: string | null;
}

interface Scored extends RiskReason {
  severity: Severity;
}

const ORDER: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

function worst(severities: readonly Severity[]): Severity {
  return severities.reduce<Severity>((a, b) => (ORDER.indexOf(b) > ORDER.indexOf(a) ? b : a), 'info');
}

/** the name as typed at the start of the argument (its case shows a capital I posing as l) */
function typedName(pkg: InstallPackage): string {
  const m = /^@?[\p{L}\p{N}._\-/]+/u.exec(pkg.raw);
  const typed = m?.[0] ?? pkg.name;
  return nameKey(pkg.ecosystem, typed) === nameKey(pkg.ecosystem, pkg.name) ? typed : pkg.name;
}

/** `==1.2.3`, `=1.2.3`, `v1.2.3`, `1.2.3` -> 1.2.3; a range -> undefined */
function exactVersion(spec: string | null): string | undefined {
  if (spec === null) return undefined;
  const m = /^(?:={1,3}\s*|v)?([0-9][0-9A-Za-z.+~:-]*)$/.exec(spec.trim());
  return m?.[1];
}

function riskyReasons(pkg: InstallPackage): Scored[] {
  const key = nameKey(pkg.ecosystem, pkg.name);
  const out: Scored[] = [];
  const entries = RISKY.filter((e) => e.ecosystem === pkg.ecosystem && nameKey(e.ecosystem, e.name) === key);
  const version = exactVersion(pkg.spec);
  for (const e of entries) {
    if (e.versions === undefined) {
      out.push({
        code: 'risky_category',
        severity: 'critical',
        detail: `${e.name} is ${e.kind}: ${e.detail}`,
      });
      continue;
    }
    const bad = version !== undefined && e.versions.some((v) => matches(e, v, version));
    if (bad) {
      out.push({
        code: 'risky_category',
        severity: e.kind === 'protestware' ? 'high' : 'critical',
        detail: `${e.name} ${version} is ${e.kind}: ${e.detail}`,
      });
    } else if (version === undefined) {
      out.push({
        code: 'risky_category',
        severity: 'info',
        detail: `${e.name} had ${e.kind} releases (${e.versions.join(', ')}): ${e.detail}`,
      });
    }
  }
  return out;
}

function matches(e: RiskyEntry, bad: string, asked: string): boolean {
  return e.prefix === true
    ? asked === bad || asked.startsWith(`${bad}-`) || asked.startsWith(`${bad}+`)
    : asked === bad;
}

/** fetched without TLS: http://, git:// (git+http:// too) */
function plainTransport(raw: string): boolean {
  const scheme = /([a-z][a-z0-9+.-]*):\/\//i.exec(raw)?.[1]?.toLowerCase();
  const last = scheme?.split('+').pop();
  return last === 'http' || last === 'git';
}

function sourceReasons(pkg: InstallPackage): Scored[] {
  const plain = plainTransport(pkg.raw);
  switch (pkg.source) {
    case 'url':
      return plain
        ? [{ code: 'url_source', severity: 'high', detail: `${pkg.raw} is fetched over plain http` }]
        : [
            {
              code: 'url_source',
              severity: 'medium',
              detail: `${pkg.raw} is fetched from a URL, not the registry`,
            },
          ];
    case 'git': {
      const out: Scored[] = [
        plain
          ? { code: 'git_source', severity: 'high', detail: `${pkg.raw} is fetched from git without TLS` }
          : { code: 'git_source', severity: 'low', detail: `${pkg.raw} is built from a git repository` },
      ];
      if (pkg.spec === null) {
        out.push({
          code: 'unpinned_git',
          severity: 'medium',
          detail: 'no tag, commit or branch is given: whatever the default branch holds now is installed',
        });
      }
      return out;
    }
    case 'tarball':
      return [
        {
          code: 'tarball_source',
          severity: 'low',
          detail: `${pkg.raw} is a local archive, not from the registry`,
        },
      ];
    case 'local':
      return [{ code: 'local_source', severity: 'info', detail: `${pkg.raw} is a local folder` }];
    case 'requirements-file':
      return [
        {
          code: 'requirements_file',
          severity: 'info',
          detail: `the packages listed in ${pkg.raw} are not seen here`,
        },
      ];
    case 'registry':
      return [];
  }
}

/** look-alikes are high; a typo, separator or scope trick on a top name is high; the rest medium */
function impersonationSeverity(hit: Impersonation): Severity {
  if (hit.code === 'homoglyph') return 'high';
  if (hit.code === 'affix_addition') return 'medium';
  return hit.rank < TOP_RANK && hit.distance <= 1 ? 'high' : 'medium';
}

function assessPackage(pkg: InstallPackage): AssessedPackage {
  const reasons: Scored[] = [...sourceReasons(pkg)];
  let similar: string | null = null;
  if (pkg.source === 'registry') {
    const hit = findImpersonation(pkg.ecosystem, pkg.name, typedName(pkg));
    if (hit !== undefined) {
      similar = hit.target === '' ? null : hit.target;
      reasons.push({
        code: hit.code,
        severity: impersonationSeverity(hit),
        detail: hit.detail,
      });
    }
  }
  reasons.push(...riskyReasons(pkg));
  return {
    ...pkg,
    severity: worst(reasons.map((r) => r.severity)),
    reasons: reasons.map(({ code, detail }) => ({ code, detail })),
    similar_to: similar,
  };
}

const DEFAULT_INDEXES: Record<Ecosystem, RegExp> = {
  npm: /^https:\/\/registry\.(npmjs\.org|yarnpkg\.com|npmmirror\.com)\/?$/i,
  pypi: /^https:\/\/(pypi\.org\/simple|pypi\.python\.org\/simple|files\.pythonhosted\.org)\/?$/i,
  cargo: /^(sparse\+)?https:\/\/(index\.crates\.io|github\.com\/rust-lang\/crates\.io-index)\/?$/i,
  rubygems: /^https:\/\/rubygems\.org\/?$/i,
  go: /^https:\/\/proxy\.golang\.org\/?$/i,
  debian: /^$/,
};

/** options naming where packages come from, per ecosystem */
const INDEX_OPTIONS = new Set([
  '--registry',
  '-i',
  '--index-url',
  '--extra-index-url',
  '--index',
  '--default-index',
  '-f',
  '--find-links',
  '--source',
  '-s',
]);

function flagPairs(flags: readonly string[]): { name: string; value: string | undefined }[] {
  const out: { name: string; value: string | undefined }[] = [];
  for (const f of flags) {
    const eq = f.indexOf('=');
    const name = eq > 0 ? f.slice(0, eq) : f;
    const value = eq > 0 ? f.slice(eq + 1) : undefined;
    if (name === '--pip-args' && value !== undefined) {
      // pipx hands these to pip: read them as pip's own
      const inner = parseArgs(
        value.split(/\s+/).filter((w) => w !== ''),
        {
          withValue: new Set([
            '-i',
            '--index-url',
            '--extra-index-url',
            '--trusted-host',
            '-f',
            '--find-links',
            '--no-binary',
          ]),
        },
      );
      out.push(...inner.options);
      continue;
    }
    out.push({ name, value });
  }
  return out;
}

function commandReasons(cmd: InstallCommand): Scored[] {
  const out: Scored[] = [];
  for (const { name, value } of flagPairs(cmd.flags)) {
    const v = value ?? '';
    if (name === '--trusted-host') {
      out.push({
        code: 'insecure_index',
        severity: 'high',
        detail: `--trusted-host ${v}: TLS errors from that host are ignored`,
      });
    } else if (INDEX_OPTIONS.has(name) && /^[a-z+]*http:\/\//i.test(v)) {
      out.push({
        code: 'insecure_index',
        severity: 'high',
        detail: `${name} ${v}: packages come over plain http`,
      });
    } else if (name === '--extra-index-url' && cmd.ecosystem === 'pypi') {
      out.push({
        code: 'insecure_index',
        severity: 'medium',
        detail: `--extra-index-url ${v}: pip takes the highest version of a name from any index (dependency confusion)`,
      });
    } else if (
      INDEX_OPTIONS.has(name) &&
      /^[a-z+]*https:\/\//i.test(v) &&
      !DEFAULT_INDEXES[cmd.ecosystem].test(v)
    ) {
      out.push({
        code: 'custom_index',
        severity: 'low',
        detail: `${name} ${v}: packages come from another index than the registry`,
      });
    } else if (
      cmd.ecosystem === 'debian' &&
      (name === '--allow-unauthenticated' ||
        name === '--allow-insecure-repositories' ||
        ((name === '-o' || name === '--option') &&
          /(AllowUnauthenticated|AllowInsecureRepositories|AllowDowngradeToInsecureRepositories|Check-Valid-Until|Verify-Peer|Verify-Host)\S*=(true|1|yes|false|0|no)/i.test(
            v,
          )))
    ) {
      out.push({
        code: 'insecure_index',
        severity: 'high',
        detail: `${name}${value === undefined ? '' : ` ${v}`}: packages are installed without checking their signatures or TLS`,
      });
    } else if (
      (name === '--strict-ssl' && /^(false|0)$/i.test(v)) ||
      name === '--no-strict-ssl' ||
      name === '-insecure'
    ) {
      out.push({
        code: 'insecure_index',
        severity: 'high',
        detail: `${name}: TLS certificates are not checked`,
      });
    } else if (
      name === '--trust' ||
      name === '--allow-build' ||
      name === '--unsafe-perm' ||
      (name === '--ignore-scripts' && /^(false|0)$/i.test(v)) ||
      (name === '--no-binary' && cmd.ecosystem === 'pypi')
    ) {
      out.push({
        code: 'install_scripts_forced',
        severity: 'medium',
        detail: `${name}${value === undefined ? '' : `=${v}`}: packages' install-time code is made to run`,
      });
    }
  }
  if (['exec', 'dlx', 'x', 'create', 'tool-run', 'run'].includes(cmd.subcommand)) {
    out.push({
      code: 'runs_package',
      severity: 'info',
      detail: `${cmd.tool} ${cmd.subcommand} fetches the package and runs it at once`,
    });
  }
  return out;
}

export function assessInstall(cmd: InstallCommand): {
  packages: AssessedPackage[];
  severity: Severity;
  reasons: RiskReason[];
} {
  const packages = cmd.packages.map(assessPackage);
  const reasons = commandReasons(cmd);
  return {
    packages,
    severity: worst([...packages.map((p) => p.severity), ...reasons.map((r) => r.severity)]),
    reasons: reasons.map(({ code, detail }) => ({ code, detail })),
  };
}

export function popularLists(): { ecosystem: Ecosystem; count: number; source: string; date: string }[] {
  return ECOSYSTEMS.map((ecosystem) => {
    const list = popularList(ecosystem);
    return { ecosystem, count: list.names.length, source: list.source, date: list.date };
  });
}
