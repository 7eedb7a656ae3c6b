#!/usr/bin/env bash
# Builds vigil's Debian package from this checkout's build outputs (`make -s && npx tsc -p
# tsconfig.json` first) with Debian's own tools: OUTDIR/vigil_<version>_<arch>.deb. What goes
# where, the version scheme and what the maintainer scripts do: docs/packaging.md.
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")/.."

die() {
  printf 'package-deb: %s\n' "$*" >&2
  exit 1
}
usage() { echo 'usage: scripts/package-deb.sh [-o OUTDIR]   (OUTDIR default: build/deb)'; }

outdir=build/deb
while getopts 'o:h' opt; do
  case $opt in
    o) outdir=$OPTARG ;;
    h)
      usage
      exit 0
      ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || {
  usage >&2
  exit 2
}

# --- inputs: the tools, the default config, a current build ---
for tool in dpkg dpkg-deb node npm make strip gzip; do
  command -v "$tool" >/dev/null || die "$tool not found (Debian: dpkg, nodejs, npm, make, binutils, gzip)"
done
[ -f packaging/vigil.yaml ] ||
  die 'packaging/vigil.yaml is missing: it is the default /etc/vigil/vigil.yaml the package installs'
for f in dist/src/cli/main.js native/build/Release/vigil_native.node build/vigil-launch build/bpf/agent/vigil.bpf.o; do
  [ -e "$f" ] || die "$f is missing: build first (make -s && npx tsc -p tsconfig.json)"
done
make -s -q all || die 'the BPF objects, the addon or the launcher are older than their sources: run make -s'

# --- version: package.json's, exactly for a clean checkout of its tag v<version>; otherwise a
# snapshot that sorts before that release and, by commit time, after the snapshots before it ---
base=$(node -p 'require("./package.json").version')
upstream=$base
sha=''
epoch=${SOURCE_DATE_EPOCH:-}
if git rev-parse --verify -q HEAD >/dev/null 2>&1; then
  sha=$(git rev-parse --short=7 HEAD)
  epoch=${epoch:-$(git show -s --format=%ct HEAD)}
  dirty=''
  git diff --quiet HEAD -- || dirty=.dirty
  if [ -n "$dirty" ] || ! git tag --points-at HEAD | grep -qx "v$base"; then
    stamp=$(TZ=UTC0 git show -s --format=%cd --date=format-local:%Y%m%d.%H%M%S HEAD)
    upstream="$base~git$stamp.$sha$dirty"
  fi
fi
epoch=${epoch:-$(date +%s)}
export SOURCE_DATE_EPOCH=$epoch
version="$upstream-1"
arch=$(dpkg --print-architecture)
maintainer="${DEBFULLNAME:-vigil maintainers} <${DEBEMAIL:-maintainers@vigil.invalid}>"

work=$(mktemp -d "${TMPDIR:-/tmp}/vigil-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
pkg=$work/debian/vigil # where dpkg-shlibdeps expects a package's files
lib=$pkg/usr/lib/vigil
doc=$pkg/usr/share/doc/vigil
umask 022

# --- /usr/lib/vigil: the tree the CLI resolves its files in, relative to its own modules ---
mkdir -p "$lib/bin" "$lib/dist" "$lib/build" "$lib/native/build/Release" "$pkg/usr/bin"
install -m 0644 package.json "$lib/"
install -m 0755 bin/vigil "$lib/bin/vigil"
ln -s ../lib/vigil/bin/vigil "$pkg/usr/bin/vigil"
# the compiled CLI only: no tests, no source maps, not the bench or the VM test runner
tar -C dist --exclude='*.map' --exclude=src/bench --exclude=src/vmtest -cf - src | tar -C "$lib/dist" -xf -
chmod 0755 "$lib/dist/src/cli/main.js" # it has a #! line: package.json's bin
# files the modules read next to themselves (their first candidate place; see each module)
cp -r src/ui/static "$lib/dist/src/ui/static"
mkdir -p "$lib/dist/src/detect/data"
cp src/detect/data/*.json "$lib/dist/src/detect/data/"
# BPF objects: not the tests' objects, not the BTF anchor that is never loaded; BTF is kept
tar -C build --exclude=bpf/test --exclude=bpf/wire -cf - bpf | tar -C "$lib/build" -xf -
install -m 0755 build/vigil-launch "$lib/build/vigil-launch"
install -m 0644 native/build/Release/vigil_native.node "$lib/native/build/Release/"
strip --strip-unneeded --remove-section=.comment --remove-section=.note \
  "$lib/build/vigil-launch" "$lib/native/build/Release/vigil_native.node"
cp -r profiles schemas "$lib/"
# src/system/paths.ts finds the root by package.json beside a kernel/ folder
mkdir "$lib/kernel"

# production dependencies exactly as the lockfile pins them; TypeScript and maps are not run
mkdir "$work/npm"
cp package.json package-lock.json "$work/npm/"
(cd "$work/npm" && npm ci --omit=dev --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null) ||
  die 'npm ci --omit=dev failed (package-lock.json out of step with package.json, or no registry)'
# (their docs and dev configs neither; license files stay)
nm=$work/npm/node_modules
rm -rf "$nm/.bin"
find "$nm" -mindepth 2 -name '.*' -prune -exec rm -rf {} +
find "$nm" -type f \( -name '*.map' -o -name '*.ts' -o -name '*.mts' -o -name '*.cts' -o \
  \( -iname '*.md' ! -iname 'licen[cs]e*' ! -iname 'copying*' ! -iname 'notice*' \) \) -delete
find "$nm" -type d -empty -delete
mv "$nm" "$lib/node_modules"

# --- the unit, the config, the documentation ---
mkdir -p "$pkg/lib/systemd/system" "$pkg/etc/vigil" "$doc/docs" "$pkg/usr/share/man/man1"
sed 's#/usr/local/bin/vigil #/usr/bin/vigil #' systemd/vigil.service >"$pkg/lib/systemd/system/vigil.service"
grep -q '^ExecStart=/usr/bin/vigil daemon ' "$pkg/lib/systemd/system/vigil.service" ||
  die 'systemd/vigil.service: no ExecStart=/usr/local/bin/vigil daemon ... line to point at /usr/bin/vigil'
# 0640: the config may hold export credentials (vigil warns when others can read it)
install -m 0640 packaging/vigil.yaml "$pkg/etc/vigil/vigil.yaml"
cp README.md "$doc/"
cp docs/*.md "$doc/docs/"
ln -s ../../../lib/vigil/schemas "$doc/schemas" # where vigil.yaml's header points editors
install -D -m 0644 packaging/deb/lintian-overrides "$pkg/usr/share/lintian/overrides/vigil"

first=$(git log --reverse --format=%cd --date=format:%Y 2>/dev/null | head -1) || true
years=$(date -u -d "@$epoch" +%Y)
[ -z "$first" ] || [ "$first" = "$years" ] || years="$first-$years"
node packaging/deb/write-copyright.js "$lib/node_modules" packaging/deb/copyright "$years" >"$doc/copyright"

date_rfc=$(date -u -R -d "@$epoch")
{
  printf 'vigil (%s) unstable; urgency=medium\n\n' "$version"
  printf '  * Built from %s.\n\n' "${sha:+commit $sha of }the vigil repository"
  printf ' -- %s  %s\n' "$maintainer" "$date_rfc"
} | gzip -9n >"$doc/changelog.Debian.gz"

# the manual page carries `vigil --help`, run from the staged tree (which also proves it starts)
help=$(node "$lib/dist/src/cli/main.js" --help) || die 'the staged CLI does not run: vigil --help failed'
printf '%s\n' "$help" | sed -e 's/\\/\\e/g' -e "s/^[.']/\\\\\\&&/" >"$work/help.roff"
sed -e "s/@VERSION@/$upstream/" -e "s/@DATE@/$(date -u -d "@$epoch" +%Y-%m-%d)/" packaging/deb/vigil.1.in |
  sed -e "/^@HELP@\$/{r $work/help.roff" -e 'd}' | gzip -9n >"$pkg/usr/share/man/man1/vigil.1.gz"

# --- DEBIAN: dependencies of the ELF files, control, maintainer scripts, checksums ---
mkdir -m 0755 "$pkg/DEBIAN" # also how dpkg-shlibdeps finds the package's root
elves=(debian/vigil/usr/lib/vigil/native/build/Release/vigil_native.node debian/vigil/usr/lib/vigil/build/vigil-launch)
shlibs=''
if command -v dpkg-shlibdeps >/dev/null; then
  # it reads debian/control beside debian/vigil; the napi_* symbols come from node itself
  printf 'Source: vigil\n\nPackage: vigil\nArchitecture: any\n' >"$work/debian/control"
  shlibs=$(cd "$work" && dpkg-shlibdeps -O --warnings=0 "${elves[@]}") ||
    die 'dpkg-shlibdeps failed on the addon or the launcher'
  shlibs=${shlibs#shlibs:Depends=}
else
  echo 'package-deb: dpkg-shlibdeps not found (Debian: dpkg-dev): declared library list only' >&2
fi
depends='nodejs (>= 20)'
[ -z "$shlibs" ] || depends+=", $shlibs"
# what the ELF files link, named even where dpkg-shlibdeps gave versions; procps: /bin/kill
for p in libbpf1 libelf1 zlib1g libc6 libseccomp2 libstdc++6 procps; do
  [[ ", $depends," == *", $p "* || ", $depends," == *", $p,"* ]] || depends+=", $p"
done

install -m 0755 packaging/deb/postinst packaging/deb/prerm packaging/deb/postrm "$pkg/DEBIAN/"
install -m 0644 packaging/deb/conffiles "$pkg/DEBIAN/"
find "$pkg" -type d -exec chmod 0755 {} + -o -type f -perm /022 -exec chmod go-w {} +
(cd "$pkg" && find . -type f ! -path './DEBIAN/*' ! -path './etc/*' -printf '%P\0' | LC_ALL=C sort -z |
  xargs -0 md5sum) >"$pkg/DEBIAN/md5sums"
chmod 0644 "$pkg/DEBIAN/md5sums"
size=$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@MAINTAINER@|$maintainer|" \
  -e "s|@INSTALLED_SIZE@|$size|" -e "s|@DEPENDS@|$depends|" packaging/deb/control.in >"$pkg/DEBIAN/control"

# every file dated SOURCE_DATE_EPOCH: the same sources give the same .deb, whenever built
find "$pkg" -exec touch -h -d "@$epoch" {} +

mkdir -p "$outdir"
deb="$outdir/vigil_${version}_$arch.deb"
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$deb" >/dev/null
printf '%s (%s KiB installed, %s KiB packed)\n' "$deb" "$size" "$(($(stat -c %s "$deb") / 1024))"
