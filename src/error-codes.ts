// The error catalogue: every code vigil raises, declared once with the CLI's exit code for it and,
// where the fix is always the same, its hint. A code is `VIGIL_<AREA>[_<WHAT>]` in capitals; a
// code not in this table does not compile.

export const EXIT_CODES = {
  ok: 0,
  failure: 1, // the requested work failed (doctor: vigil cannot enforce here)
  usage: 2, // bad flags or arguments
  kernel: 3, // the kernel refused something vigil needs
  config: 4, // a bad profile or setting
} as const;
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

export interface CatalogueEntry {
  readonly exit: ExitCode;
  /** the hint when it never depends on the case; otherwise the thrower gives it */
  readonly hint?: string;
}

const { failure, usage, kernel, config } = EXIT_CODES;

export const ERROR_CATALOGUE = {
  // the command line
  VIGIL_USAGE: { exit: usage }, // unknown flag, missing value, wrong argument

  // the installation and the host
  VIGIL_ROOT_MISSING: { exit: failure }, // vigil's own files are not where they should be
  VIGIL_BUILTINS_MISSING: { exit: failure }, // the built-in profiles folder is missing
  VIGIL_NATIVE_MISSING: { exit: failure, hint: 'build it with `make native` (or run scripts/setup.sh)' },
  VIGIL_LAUNCHER_MISSING: { exit: failure, hint: 'build it: make native (or scripts/setup.sh)' },
  VIGIL_NO_CGROUP2: {
    exit: failure,
    hint: 'mount -t cgroup2 none /sys/fs/cgroup/unified (or boot with systemd.unified_cgroup_hierarchy=1)',
  },
  VIGIL_MOUNT_FAILED: { exit: failure }, // a file system vigil needs could not be mounted
  VIGIL_PROC_FORMAT: { exit: failure }, // a /proc file the kernel wrote in a form vigil cannot read
  VIGIL_CLOCK: { exit: failure }, // the boot clock could not be measured

  // the kernel and the native bridge
  VIGIL_BPF: { exit: kernel }, // a bridge or kernel operation failed (BpfError: errno, op, target)
  VIGIL_BRIDGE_ARGUMENT: { exit: failure }, // a key or value of the wrong size for its map
  VIGIL_ATTACH_FAILED: { exit: failure }, // some hooks could not be attached
  VIGIL_PINNED_INCOMPATIBLE: { exit: failure }, // pinned state from another vigil build is in use
  VIGIL_UNPIN_FAILED: { exit: failure },
  VIGIL_BAD_WATCH_NAME: { exit: failure },
  VIGIL_POLICY_TABLES_FULL: { exit: kernel }, // every kernel policy table id is in use
  VIGIL_POLICY_MATCH: { exit: kernel }, // the kernel matcher disagrees with the reference evaluator

  // profiles
  VIGIL_PROFILE_READ: { exit: config }, // the file could not be read
  VIGIL_PROFILE_YAML: { exit: config }, // not well-formed YAML
  VIGIL_PROFILE_INVALID: { exit: config }, // unknown key, wrong type, missing key, bad value
  VIGIL_PROFILE_PATTERN: { exit: config }, // a path or command pattern the matcher cannot enforce
  VIGIL_PROFILE_NETWORK: { exit: config }, // an invalid CIDR, port or protocol
  VIGIL_PROFILE_HOST: { exit: config }, // an invalid host name or wildcard in allowed_hosts or denied_hosts
  VIGIL_PROFILE_VARIABLE: { exit: config }, // ${NAME} unknown, or not given by the caller
  VIGIL_PROFILE_UNKNOWN_BUILTIN: { exit: config }, // `extends:` or a by-name load names no built-in
  VIGIL_PROFILE_EXTENDS: { exit: config }, // an `extends` cycle
  VIGIL_AGENT_SETTINGS: { exit: config }, // an agent's settings file vigil integrate would change is not a JSON object
  VIGIL_PROFILE_TOO_BIG: { exit: config }, // the kernel tables cannot hold the profile
  VIGIL_PROFILE_IMPORT: {
    exit: config,
    hint: "nothing was imported; each line names a rule and why (docs/profiles.md, 'Importing NeuronTrace policies')",
  }, // a foreign policy (NeuronTrace) that is invalid or has no exact vigil form
  VIGIL_PROFILE_OUTPUT: { exit: failure }, // an imported profile could not be written to its file
  VIGIL_LANDLOCK_TOO_BIG: { exit: failure }, // the Landlock plan does not fit the launcher

  // the daemon and its clients
  VIGIL_NO_DAEMON: { exit: failure }, // no daemon answers on the socket
  VIGIL_DAEMON_START: { exit: failure }, // a daemon was started but did not come up
  VIGIL_DAEMON_RUNNING: { exit: failure }, // another daemon holds the socket or its lock
  VIGIL_DNS_PROXY: { exit: failure }, // a session's DNS proxy could not listen, or its resolver failed
  VIGIL_SNI_PROXY: { exit: failure }, // a session's SNI proxy (verify_sni) could not listen
  VIGIL_NOT_STOPPABLE: { exit: failure }, // the daemon runs inside another vigil command
  VIGIL_PROTOCOL: { exit: failure }, // a request the control protocol does not know
  VIGIL_INTERNAL: { exit: failure }, // a daemon failure that is not vigil's own error (a bug)
  VIGIL_NO_SUCH_PROCESS: { exit: failure },
  VIGIL_PROCESS_GONE: { exit: failure }, // the process exited before it could be watched
  VIGIL_NO_ENTRY_COMM: { exit: failure }, // a watch profile without entry_comm
  VIGIL_NO_SUCH_SESSION: { exit: failure },
  VIGIL_LAUNCH_FAILED: { exit: failure }, // the launcher did not start the agent

  // the audit log
  VIGIL_AUDIT_BAD_DECISION: { exit: failure }, // a decision that cannot be true (BLOCK with enforcement 'none')
  VIGIL_AUDIT_BAD_LINE: { exit: failure }, // a built line does not match the audit schema (a bug)
  VIGIL_AUDIT_WRITE_FAILED: { exit: failure }, // the log could not be opened, written, synced or rotated
  VIGIL_AUDIT_CLOSED: { exit: failure }, // a write after close()
  VIGIL_AUDIT_UNREADABLE: { exit: usage }, // a file given to `vigil audit verify` cannot be read

  // the UI
  VIGIL_UI_ASSETS: { exit: failure }, // the UI's static files are missing
  VIGIL_UI_LISTEN: { exit: failure }, // the UI cannot listen on the address

  // the export stage's transports
  VIGIL_EXPORT_SEND: { exit: failure }, // a destination did not take a batch (refused, TLS, timeout, a non-2xx answer)
  VIGIL_EXPORT_DESTINATION: { exit: config }, // a destination's settings a transport cannot use (URL, SD-ID, size)

  // the VM test runner
  VIGIL_VM_UNAVAILABLE: { exit: failure }, // no VM can be started (setup not run, no apt, ...)

  // the daemon's configuration file (/etc/vigil/vigil.yaml, docs/config.md)
  VIGIL_CONFIG_READ: { exit: config }, // the file could not be read (a missing default file is no error)
  VIGIL_CONFIG_YAML: { exit: config, hint: 'docs/config.md shows a complete example' }, // not well-formed YAML
  VIGIL_CONFIG_INVALID: { exit: config, hint: 'docs/config.md describes every key' }, // unknown key, wrong type, bad value

  // the metrics endpoint
  VIGIL_METRICS_LISTEN: { exit: failure }, // the metrics endpoint cannot listen on metrics.listen

  // the export stage's spool
  VIGIL_EXPORT_SPOOL: { exit: failure }, // an exporter's spool folder cannot be created, read or written
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CATALOGUE, code);
}

/** The catalogue's entry, typed wide (not every entry has a hint). */
export function catalogueEntry(code: ErrorCode): CatalogueEntry {
  return ERROR_CATALOGUE[code];
}
