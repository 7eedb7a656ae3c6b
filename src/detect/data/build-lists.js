#!/usr/bin/env node
// Rebuilds the popular-package lists in this folder from their published sources. Not run at build
// or test time: the JSON files are shipped, and this records how they were made.
//
//   node src/detect/data/build-lists.js NPM_HIGH_IMPACT_DIR FIG_PIP_JS DEBIAN_PACKAGES DEBIAN_RELEASE
//
// NPM_HIGH_IMPACT_DIR  the unpacked `npm pack npm-high-impact` (package/)
// FIG_PIP_JS           build/pip.js of the unpacked `npm pack @withfig/autocomplete`
// DEBIAN_PACKAGES      an uncompressed Packages index (bookworm main amd64), e.g.
//                      /usr/lib/apt/apt-helper cat-file /var/lib/apt/lists/*_bookworm_main_binary-amd64_Packages.lz4
// DEBIAN_RELEASE       the matching InRelease file (its Date: is the lists' date)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [npmDir, figPip, packagesFile, releaseFile] = process.argv.slice(2);
if (releaseFile === undefined) {
  console.error('usage: build-lists.js NPM_HIGH_IMPACT_DIR FIG_PIP_JS DEBIAN_PACKAGES DEBIAN_RELEASE');
  process.exit(2);
}
const out = (name, data) =>
  writeFileSync(new URL(`./${name}`, import.meta.url), JSON.stringify(data, null, 2) + '\n');

// --- npm: npm-high-impact (npm's own "high impact" threshold: >= 1M downloads a week or >= 500
// dependents). `names` keeps the package's order (downloads first, then dependents-only names).
const npmPkg = JSON.parse(readFileSync(join(npmDir, 'package.json'), 'utf8'));
const npmLib = await import(join(npmDir, 'index.js'));
out('npm.json', {
  ecosystem: 'npm',
  source: `npm package npm-high-impact@${npmPkg.version} (wooorm; npm's high-impact packages: >= 1,000,000 downloads a week or >= 500 dependents). names: its npmHighImpact list (by weekly downloads, then dependents-only names by dependents), all of it; by_dependents: its npmTopDependents list, first 3,000`,
  date: '2026-09-23',
  names: npmLib.npmHighImpact,
  by_dependents: npmLib.npmTopDependents.slice(0, 3000),
});

// --- PyPI: the package list of Fig's pip completion spec, a download ranking taken from
// top-pypi-packages when it was added (2021-01-29); six names were added by hand later.
const HAND_ADDED_PYPI = ['quick-mail', 'openai', 'prisma', 'sourcery-cli', 'pipx', 'pytest-replay'];
const pip = readFileSync(figPip, 'utf8');
const pypi = [...pip.matchAll(/\{name:"([^"]+)",icon:"\\u\{1F4E6\}"\}/g)].map((m) => m[1]);
out('pypi.json', {
  ecosystem: 'pypi',
  source: `npm package @withfig/autocomplete@2.692.3, build/pip.js packageList: PyPI names by downloads (hugovk's top-pypi-packages as added to Fig's pip spec on 2021-01-29), ${pypi.length} names; ${HAND_ADDED_PYPI.join(', ')} were later added by hand by Fig's contributors and carry no rank`,
  date: '2021-01-29',
  names: pypi.filter((n) => !HAND_ADDED_PYPI.includes(n)),
  added_by_hand: HAND_ADDED_PYPI,
});

// --- Debian and the Debian-packaged parts of cargo, go and rubygems: ranked by how many source
// packages of the archive depend (Depends, Pre-Depends) on them.
const release = readFileSync(releaseFile, 'utf8');
const date = new Date(/^Date: (.*)$/m.exec(release)[1]).toISOString().slice(0, 10);
const stanzas = readFileSync(packagesFile, 'utf8').split('\n\n').filter(Boolean);
const pkgs = stanzas.map((s) => {
  const field = (f) => new RegExp(`^${f}: (.*)$`, 'm').exec(s)?.[1] ?? '';
  const names = (v) =>
    v
      .split(/[,|]/)
      .map((d) => d.trim().split(/[\s(:]/)[0])
      .filter(Boolean);
  const name = field('Package');
  return {
    name,
    source: field('Source').split(' ')[0] || name,
    homepage: field('Homepage'),
    provides: names(field('Provides')),
    deps: [...names(field('Depends')), ...names(field('Pre-Depends'))],
  };
});
const realName = new Map();
for (const p of pkgs) {
  realName.set(p.name, p.name);
  for (const v of p.provides) if (!realName.has(v)) realName.set(v, p.name);
}
const dependents = new Map();
for (const p of pkgs) {
  for (const d of new Set(p.deps.map((d) => realName.get(d)).filter((d) => d !== undefined))) {
    if (d === p.name) continue;
    let set = dependents.get(d);
    if (set === undefined) dependents.set(d, (set = new Set()));
    set.add(p.source);
  }
}
const ranked = [...new Set(pkgs.map((p) => p.name))]
  .map((n) => ({ n, c: dependents.get(n)?.size ?? 0 }))
  .sort((a, b) => b.c - a.c || (a.n < b.n ? -1 : 1));
const byName = new Map(pkgs.map((p) => [p.name, p]));
const debianSource = (what) =>
  `Debian 12 (bookworm) main amd64 Packages index (Release dated ${date}): ${what}, ranked by the number of Debian source packages that depend (Depends, Pre-Depends) on them; a measure of use inside Debian, not of downloads`;

out('debian.json', {
  ecosystem: 'debian',
  source: debianSource('binary package names'),
  date,
  names: ranked
    .filter((r) => r.c >= 2)
    .slice(0, 3000)
    .map((r) => r.n),
});

const fold = (s) => s.toLowerCase().replace(/[-_.]+/g, '-');
const repoOf = (homepage) => {
  const m =
    /^https?:\/\/(?:www\.)?(?:godoc\.org\/|pkg\.go\.dev\/)?([a-z0-9.-]+\.[a-z]+(?:\/[^/?#\s]+){1,3})/i.exec(
      homepage,
    );
  return m === null ? undefined : m[1].replace(/\.git$/, '').replace(/\/$/, '');
};

// cargo: librust-<crate>-dev; Debian spells `_` as `-`, which crates.io treats as the same name
const cargo = ranked
  .filter((r) => /^librust-.+-dev$/.test(r.n) && r.c >= 1)
  .map((r) => r.n.slice('librust-'.length, -'-dev'.length))
  .filter((n) => !/-\d|\+/.test(n));
out('cargo.json', {
  ecosystem: 'cargo',
  source: debianSource(
    `the Rust crates Debian packages (librust-<crate>-dev; crate names as Debian spells them, '_' written '-', which crates.io treats as the same name)`,
  ),
  date,
  names: cargo.slice(0, 1500),
});

// go: golang-*-dev whose Homepage names the module path the package name encodes
const go = [];
for (const r of ranked) {
  if (!/^golang-.+-dev$/.test(r.n) || r.c < 1) continue;
  const path = repoOf(byName.get(r.n)?.homepage ?? '');
  if (path === undefined) continue;
  const stem = fold(r.n.slice('golang-'.length, -'-dev'.length));
  const parts = path.toLowerCase().split('/');
  if (!stem.endsWith(fold(parts[parts.length - 1]))) continue;
  if (parts.length === 3 && !stem.includes(fold(parts[1]))) continue;
  if (!go.includes(path)) go.push(path);
}
out('go.json', {
  ecosystem: 'go',
  source: debianSource(
    `the Go modules Debian packages (golang-*-dev whose Homepage is the module path its name encodes)`,
  ),
  date,
  names: go.slice(0, 1000),
});

// rubygems: ruby-<gem>; the gem's own spelling taken from the Homepage repository when it folds
// to the same name (ruby-attribute-normalizer -> attribute_normalizer)
const gems = [];
for (const r of ranked) {
  if (!/^ruby-/.test(r.n) || r.c < 1 || /-doc$/.test(r.n)) continue;
  const stem = r.n.slice('ruby-'.length);
  const repo = repoOf(byName.get(r.n)?.homepage ?? '')
    ?.split('/')
    .pop();
  const name = repo !== undefined && fold(repo) === fold(stem) ? repo.toLowerCase() : stem;
  if (!gems.includes(name)) gems.push(name);
}
out('rubygems.json', {
  ecosystem: 'rubygems',
  source: debianSource(
    `the Ruby gems Debian packages (ruby-<gem>, named as Debian names them; '_' in a gem name recovered from its Homepage repository where that folds to the same name)`,
  ),
  date,
  names: gems.slice(0, 800),
});
