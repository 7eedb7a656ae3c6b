#!/bin/sh
# Runs inside the test VM, chrooted in the host's read-only root (see vm/init): records what the
# doctor says about this kernel, then runs the guest test files under node's test runner with a
# JSON-lines reporter. Everything written goes to /tmp (tmpfs) or the results share ($out).
# Settings come from job.env, written by the host runner (src/vmtest/run-vm.ts).
set -u
out=/tmp/vigil-vm/out
cd "$VIGIL_REPO" || exit 90

# vm/init's PATH is busybox's /bin only; the host's tools (bpftool is in /usr/sbin) need more.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# The host root is read-only: every cache and home goes to tmpfs.
export HOME=/tmp/home TMPDIR=/tmp XDG_CACHE_HOME=/tmp/cache XDG_CONFIG_HOME=/tmp/config
export npm_config_cache=/tmp/npm-cache NODE_REPL_HISTORY=''
export VIGIL_VM=1
# the daemons vigil run starts: socket and logs on tmpfs (the host's /run and /var/log are read-only)
export VIGIL_SOCKET=/tmp/vigil-run/vigil.sock VIGIL_LOG_DIR=/tmp/vigil-log
mkdir -p "$HOME" "$XDG_CACHE_HOME" "$XDG_CONFIG_HOME" "$npm_config_cache"

echo "kernel $(uname -r); lsm $(cat /sys/kernel/security/lsm);" \
  "clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
node dist/src/cli/main.js doctor --json >"$out/doctor.json" 2>"$out/doctor.err"
echo $? >"$out/doctor-exit"

# absolute paths, as node's reporter names files
files=$(for d in $VIGIL_VM_TEST_DIRS; do [ -e "$d" ] && find "$VIGIL_REPO/$d" -name '*.test.js'; done | sort)
[ -n "$files" ] || {
  echo "no test files under: $VIGIL_VM_TEST_DIRS"
  exit 91
}
echo "$files" >"$out/test-files"
# shellcheck disable=SC2086 # one word per file
node --test --test-concurrency=1 --test-timeout="$VIGIL_VM_TEST_TIMEOUT_MS" \
  --test-reporter="$VIGIL_REPO/dist/src/vmtest/jsonl-reporter.js" --test-reporter-destination="$out/results.jsonl" \
  --test-reporter=spec --test-reporter-destination="$out/spec.log" \
  $files
echo $? >"$out/tests-exit"
