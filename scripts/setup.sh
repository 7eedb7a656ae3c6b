#!/usr/bin/env bash
# vigil's one setup command (see README): installs the system packages from Debian, the npm
# dependencies from the lockfile, builds the BPF objects (CO-RE), the native addon and the
# TypeScript, puts `vigil` on PATH, then runs `vigil doctor`. Safe and fast to run again:
# each step is skipped or incremental when nothing changed.
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")/.."
root=$PWD

step() { printf '==> %s\n' "$*"; }
die() {
  printf 'setup: %s\n' "$*" >&2
  exit 1
}

[ "$(id -u)" = 0 ] || die "run as root (sudo $0): it installs packages, mounts bpffs/tracefs and loads BPF programs"

# --- system packages (Debian 12 names; strace, bpftrace, bubblewrap: peers of `npm run bench`;
# dnsmasq-base and nginx: the resolver and the HTTPS server the egress tests run on loopback;
# rsyslog (with its TLS driver) and prometheus: the receivers the export and metrics tests run on
# loopback (libivykis0 ... libwrap0: the libraries of the unpacked syslog-ng below); dpkg-dev:
# scripts/package-deb.sh. The tests run these servers in the foreground under
# themselves, never as system services, so none is started when it is installed) ---
packages=(clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config make gcc g++ git python3 xz-utils chromium qemu-system-x86 busybox-static libseccomp-dev strace bpftrace bubblewrap dnsmasq-base nginx python3-pip rsyslog rsyslog-gnutls prometheus openssl dpkg-dev libivykis0 libnet1 libpcre3 libwrap0)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ! command -v node >/dev/null 2>&1; then missing+=(nodejs npm); fi
if [ ${#missing[@]} -gt 0 ]; then
  step "installing system packages: ${missing[*]}"
  command -v apt-get >/dev/null || die "apt-get not found: install by hand: ${missing[*]}"
  apt-get update -q
  # Debian starts a package's service when it is installed; policy-rc.d (exit 101) says no, and
  # is removed again (only ours: a machine's own policy-rc.d is left as it is)
  ours=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    ours=1
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  if [ "$ours" = 1 ]; then
    rm -f /usr/sbin/policy-rc.d
    trap - EXIT
  fi
else
  step "system packages present"
fi

# --- syslog-ng, the export tests' second syslog receiver: Debian's syslog-ng-core conflicts with
# rsyslog as a package, so it is unpacked (not installed) where test/support/syslog-ng.ts runs it ---
sng_root=/var/cache/vigil-test/syslog-ng
sng_version=$(apt-cache policy syslog-ng-core | awk '/Candidate:/ {print $2}')
if [ -z "$sng_version" ] || [ "$sng_version" = "(none)" ]; then
  apt-get update -q
  sng_version=$(apt-cache policy syslog-ng-core | awk '/Candidate:/ {print $2}')
fi
if [ "$(cat "$sng_root/.deb-version" 2>/dev/null)" != "$sng_version" ]; then
  step "unpacking syslog-ng-core $sng_version for the export tests"
  tmp=$(mktemp -d)
  chown _apt "$tmp"
  (cd "$tmp" && apt-get download -q syslog-ng-core)
  rm -rf "$sng_root"
  mkdir -p "$sng_root"
  dpkg-deb -x "$tmp"/syslog-ng-core_*.deb "$sng_root"
  echo "$sng_version" >"$sng_root/.deb-version"
  rm -rf "$tmp"
else
  step "syslog-ng-core $sng_version unpacked"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || die "Node.js 20 or newer is needed, found $(node --version): install a newer Node.js and run again"

# --- npm dependencies, from the lockfile, only when it changed ---
stamp=node_modules/.vigil-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  step "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
else
  step "npm dependencies current"
fi

# --- filesystems vigil needs: bpffs for pinned objects, tracefs for tracepoints ---
grep -q ' - bpf ' /proc/self/mountinfo || { step "mounting bpffs"; mount -t bpf bpf /sys/fs/bpf; }
grep -q ' - tracefs ' /proc/self/mountinfo || {
  step "mounting tracefs"
  mount -t tracefs tracefs /sys/kernel/tracing
}

# --- build: BPF objects and native addon (make), then TypeScript ---
step "building BPF objects and the native addon"
make -s all
step "compiling TypeScript"
node_modules/.bin/tsc -p tsconfig.json

# --- vigil on PATH ---
ln -sf "$root/bin/vigil" /usr/local/bin/vigil
step "vigil is at /usr/local/bin/vigil -> $root/bin/vigil"

# --- vigil's main job on a new machine: what this kernel lets it enforce, then vigil at work ---
step "vigil doctor"
vigil doctor
step "vigil demo"
exec vigil demo
