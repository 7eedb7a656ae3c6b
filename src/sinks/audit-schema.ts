// The audit line, defined once: TypeBox gives the TypeScript type (AuditLine), the runtime
// validator (validateAuditLine) and the published JSON Schema (schemas/audit-line.schema.json,
// written by scripts/gen-audit-schema.ts; a unit test fails when the committed file is stale).
// Every key is described in docs/audit.md. Property order here is the order of the keys in a
// line: the builders in audit-line.ts follow it and a test checks they do. The hash chain's
// keys (seq, prev, chain_break) come last; the writer adds them (audit-writer.ts), so a line
// as built has none and a line as written has seq and prev.
import { Type } from '@sinclair/typebox';
import type { Static, TLiteral, TObject, TProperties, TUnion } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { CHAIN_BREAKS } from './audit-chain.js';
import type { MSG_TYPE } from '../wire/wire-layout.js';
import { ACTIONS } from './audit-actions.js';

/** Bumped on any change a consumer could notice (a key removed, renamed or retyped). */
export const AUDIT_SCHEMA_VERSION = 1;

export const ENFORCEMENTS = ['inline', 'reactive', 'audit', 'none'] as const;

type LiteralUnion<T extends readonly string[]> = TUnion<{ -readonly [K in keyof T]: TLiteral<T[K]> }>;

/** A union of string literals, one per value, keeping each literal in the static type. */
function literals<const T extends readonly string[]>(values: T, description: string): LiteralUnion<T> {
  return Type.Union(
    values.map((v) => Type.Literal(v)),
    { description },
  ) as unknown as LiteralUnion<T>;
}

const Action = literals(
  ACTIONS,
  'ALLOW / BLOCK / KILL: what the deciding hook did; AUDIT: a rule matched in audit mode and the call went ahead; OBSERVE: no hook decided (seen only).',
);
const Enforcement = literals(
  ENFORCEMENTS,
  'inline: decided before the call completed; reactive: acted on after it (e.g. SIGKILL from a tracepoint); audit: recorded only; none: nothing decided.',
);

const Ts = Type.String({
  pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$',
  description: 'Wall-clock time of the event in the kernel, RFC 3339 UTC with milliseconds.',
});
const Pid = Type.Integer({ minimum: 0, description: 'Process id (thread-group id).' });
const Uint = Type.Integer({ minimum: 0 });
const Comm = Type.String({ description: 'Kernel task name (comm) of the thread, at most 15 bytes.' });
const NullableUint = (description: string) => Type.Union([Uint, Type.Null()], { description });
const Path = Type.String({ description: 'Absolute path.' });
const Argv = Type.Array(Type.String(), { description: 'Arguments as the kernel saw them, argv[0] first.' });
const Rule = Type.Union([Type.String(), Type.Null()], {
  description: 'The profile rule that decided, as written in the profile; null when no rule decided.',
});
const SchemaVersion = Type.Literal(AUDIT_SCHEMA_VERSION, { description: 'Version of this line format.' });
const Backend = Type.String({
  minLength: 1,
  description:
    "The hook or backend that saw or decided the event, '<type>:<name>', e.g. 'tp_btf:sched_process_exec', 'cgroup:connect4', 'lsm:file_open', 'landlock'.",
});
const ErrnoName = Type.String({ pattern: '^E[A-Z0-9]+$|^errno [0-9]+$' });
export const ATTRIBUTIONS = ['inferred'] as const;
// Optional, so that a line a hook decided (and named the rule of) stays as it was.
const Attribution = Type.Optional(
  literals(
    ATTRIBUTIONS,
    "Present when the kernel refused the call without naming a rule (Landlock's EACCES): action, enforcement, backend and result are what the kernel did; rule and the explanation in reason are vigil's inference from the profile, made after the fact (inferred), not the kernel's verdict.",
  ),
);
const SignalName = Type.Union([Type.String({ pattern: '^SIG[A-Z0-9+]+$' }), Type.Null()], {
  description: 'Name of the signal that ended the process (SIGKILL); null when it exited normally.',
});
const ExitCode = Type.Union([Type.Integer({ minimum: 0, maximum: 255 }), Type.Null()], {
  description: 'Exit status (0-255) when the process exited normally; null when a signal ended it.',
});

// The hash chain (docs/audit.md#the-hash-chain), last in every line the writer writes.
const chainTail = {
  seq: Type.Optional(
    Type.Integer({
      minimum: 1,
      description:
        'Place of the line in its hash chain: 1, 2, 3, ... across rotated files and restarts. Added by the writer: a line written to a log or stdout has it.',
    }),
  ),
  prev: Type.Optional(
    Type.String({
      pattern: '^[0-9a-f]{64}$',
      description:
        "SHA-256 (hex) of the previous line's exact bytes without its newline; 64 zeros for the first line of a new chain. Added by the writer with seq.",
    }),
  ),
  chain_break: Type.Optional(
    literals(
      CHAIN_BREAKS,
      'Present when the line does not follow a chained line: torn_line (the line before was cut short, e.g. by a crash; prev is its hash), unchained (the line before has no seq; a new chain starts at seq 1), write_failed (lines before it could not be written: their seqs are missing).',
    ),
  ),
};

/** Keys every line starts with (in this order, after the event's own keys come the tail keys). */
function line<E extends string, P extends TProperties>(event: E, own: P, description: string) {
  return Type.Object(
    {
      ts: Ts,
      event: Type.Literal(event),
      action: Action,
      ...own,
      ...chainTail,
    },
    { additionalProperties: false, description },
  );
}

const ToolCallRef = Type.Object(
  {
    id: Type.String({ description: "The tool call's id in the agent's own session log." }),
    name: Type.String({
      description: "The tool's name as the agent calls it ('Bash', 'shell', 'run_shell_command').",
    }),
    turn: Type.Integer({
      minimum: 0,
      description: 'The turn of the session log the call belongs to (0 first).',
    }),
  },
  {
    additionalProperties: false,
    description:
      "The agent's tool call this process event belongs to, linked from the agent's own session log (docs/transcripts.md): the call's process subtree and time window. Absent when no transcript was read or no call matched.",
  },
);

/** A line about a process's call: it may be linked to the agent's tool call that caused it. */
function procLine<E extends string, P extends TProperties>(event: E, own: P, description: string) {
  return line(event, { ...own, tool_call: Type.Optional(ToolCallRef) }, description);
}

// Keys shared by lines about a process, split where the event's own keys go in between.
const procHead = { pid: Pid, comm: Comm };
const decisionTail = {
  reason: Type.String({ description: "Why: the rule's explanation, or 'observed' when nothing decided." }),
  rule: Rule,
  profile: Type.String({ description: "Name of the session's profile." }),
  session: Type.String({ description: 'Session id (as `vigil status` shows it).' }),
};
const procTail = {
  ppid: Uint,
  uid: Uint,
  tid: Type.Integer({ minimum: 0, description: 'Thread that made the call.' }),
  exe: Type.Union([Path, Type.Null()], {
    description: 'Resolved path of the program the process runs; null when unknown.',
  }),
};
const mechTail = {
  backend: Backend,
  enforcement: Enforcement,
  schema_version: SchemaVersion,
};
// Session lines can be made in user space (vigil run / attach), where the thread and the
// creds of the moment are not known.
const sessionProcTail = {
  ppid: NullableUint('Parent process id; null when unknown.'),
  uid: NullableUint('Real user id; null when unknown.'),
  tid: NullableUint('Thread id; null when the line was not made from a kernel event.'),
  exe: procTail.exe,
};

const ExecLine = procLine(
  'exec',
  {
    ...procHead,
    path: Type.String({
      description:
        'Resolved path of the executed binary (for a script: its interpreter); as requested when the execve failed (result).',
    }),
    path_truncated: Type.Boolean(),
    argv: Argv,
    argv_truncated: Type.Boolean({ description: 'argv was longer than the kernel bound (1023 bytes).' }),
    cgroup_id: Type.String({
      pattern: '^[0-9]+$',
      description: 'cgroup v2 id (a u64, as a decimal string).',
    }),
    ...decisionTail,
    ...procTail,
    ...mechTail,
    result: Type.Optional(
      Type.Union([ErrnoName], {
        description:
          "Present when the execve itself failed: the error the caller got ('EACCES'); the process still runs its old program (exe).",
      }),
    ),
    attribution: Attribution,
  },
  'A watched process executed a program, or tried to (result: the execve failed).',
);

const SessionStartLine = line(
  'session_start',
  {
    ...procHead,
    origin: literals(['watch', 'run', 'attach'] as const, 'How the session began.'),
    path: Type.Optional(Type.String({ description: 'Resolved path of the executed binary (watch).' })),
    path_truncated: Type.Optional(Type.Boolean()),
    argv: Type.Optional(Argv),
    argv_truncated: Type.Optional(Type.Boolean()),
    cgroup_id: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
    ...decisionTail,
    ...sessionProcTail,
    ...mechTail,
  },
  "A session began; pid is its root process. Under 'watch' the kernel made it at the root's exec.",
);

const SessionEndLine = line(
  'session_end',
  {
    ...procHead,
    exit_code: ExitCode,
    signal: SignalName,
    ...decisionTail,
    ...sessionProcTail,
    ...mechTail,
  },
  'A session ended (its root exited, or it was detached or stopped: see reason).',
);

const ForkLine = procLine(
  'fork',
  {
    ...procHead,
    child_pid: Type.Integer({
      minimum: 1,
      description: 'The new process, watched from its first instruction.',
    }),
    ...decisionTail,
    ...procTail,
    ...mechTail,
  },
  'A watched process created a process.',
);

const ExitLine = procLine(
  'exit',
  {
    ...procHead,
    exit_code: ExitCode,
    signal: SignalName,
    core_dumped: Type.Boolean(),
    ...decisionTail,
    ...procTail,
    ...mechTail,
  },
  'The last thread of a watched process exited.',
);

const FileOpenLine = procLine(
  'file_open',
  {
    ...procHead,
    path: Type.String({
      description:
        'The file: resolved (symlinks, .., relative paths seen through) when the open succeeded, as requested when it failed.',
    }),
    path_resolved: Type.Boolean({ description: 'path is the resolved path of the opened file.' }),
    path_truncated: Type.Boolean(),
    flags: Type.Array(Type.String({ pattern: '^(O_[A-Z_]+|0x[0-9a-f]+)$' }), {
      description: "Open flags by name, access mode first (['O_RDONLY', 'O_CLOEXEC']); unknown bits in hex.",
    }),
    result: Type.Union([Type.Integer({ minimum: 0 }), ErrnoName], {
      description: "The file descriptor returned, or the error's name (ENOENT).",
    }),
    ...decisionTail,
    ...procTail,
    ...mechTail,
    matched_by: Type.Optional(
      Type.Literal('inode', {
        description:
          'Present when the file was denied by its inode, not its path: a file a denied rule names, opened through another name (a hard link); rule names that denied rule.',
      }),
    ),
    effect: Type.Optional(
      Type.Literal('truncated', {
        description:
          'What a denied open already did before the reactive kill: truncated, the file was opened with O_TRUNC for writing and emptied inside the open (the process was killed before it wrote).',
      }),
    ),
    attribution: Attribution,
  },
  'A watched process opened (or tried to open) a file.',
);

const netOwn = {
  ...procHead,
  dest_ip: Type.String({ minLength: 2, description: 'Destination address, IPv4 dotted or IPv6 compressed.' }),
  dest_port: Type.Integer({ minimum: 0, maximum: 65535 }),
  protocol: Type.String({ description: "Transport: 'tcp', 'udp', or the IP protocol number." }),
  family: literals(['AF_INET', 'AF_INET6'] as const, 'Address family of the socket.'),
};
const destHost = {
  dest_host: Type.Optional(
    Type.String({
      description:
        "The allowed host the destination address was learned for through vigil's DNS proxy (absent when DNS did not give it).",
    }),
  ),
};
const NetConnectLine = procLine(
  'net_connect',
  { ...netOwn, ...decisionTail, ...procTail, ...mechTail, ...destHost },
  'A watched process connected a socket (TCP, or UDP with connect).',
);
const UdpSendLine = procLine(
  'udp_send',
  { ...netOwn, ...decisionTail, ...procTail, ...mechTail, ...destHost },
  'A watched process sent UDP to a destination without connecting (reported once per process and destination).',
);

const SocketCreateLine = procLine(
  'socket_create',
  {
    ...procHead,
    family: Type.String({
      pattern: '^AF_[A-Z0-9_]+$',
      description: 'Address family (AF_INET, AF_PACKET, AF_<n>).',
    }),
    type: Type.String({
      pattern: '^SOCK_[A-Z0-9_]+$',
      description: 'Socket type (SOCK_STREAM, SOCK_RAW, SOCK_<n>).',
    }),
    protocol: Type.String({ description: "Protocol: 'tcp', 'udp', 'icmp', ... or the number as given." }),
    ...decisionTail,
    ...procTail,
    ...mechTail,
  },
  'A watched process created a socket.',
);

const SyscallLine = procLine(
  'syscall',
  {
    ...procHead,
    syscall: Type.String({
      description: "The system call by name (x86_64 numbering): 'io_uring_setup', 'mount', ...",
    }),
    arg0: Type.String({
      pattern: '^0x[0-9a-f]+$',
      description: 'Its first argument in hex: clone or unshare flags, the socket family, the target pid.',
    }),
    result: Type.String({
      pattern: '^E[A-Z0-9]+$|^errno [0-9]+$',
      description: "The error the caller got ('EPERM').",
    }),
    ...decisionTail,
    ...procTail,
    ...mechTail,
  },
  '`vigil run`\'s hardening filter (seccomp) refused a system call of a watched process (docs/backends.md, "Hardening").',
);

const ChangeResult = Type.Union([Type.Literal('done'), Type.Literal('unknown'), ErrnoName], {
  description:
    "What became of the call: 'done' when BPF-LSM let it go ahead (an audit rule), the error the caller got ('EPERM'), or 'unknown' when an entry tracepoint decided: it killed the caller at the call, which then still ran, and how it ended is not seen.",
});
const UnlinkLine = procLine(
  'unlink',
  {
    ...procHead,
    path: Type.String({
      description:
        "The removed path, absolute: resolved by the BPF-LSM hook; as written, made absolute and normalised by the tracepoint fallback ('' when it could not be).",
    }),
    op: literals(['unlink', 'rmdir'] as const, 'unlink (a file) or rmdir (a folder).'),
    result: ChangeResult,
    ...decisionTail,
    ...procTail,
    ...mechTail,
  },
  'A watched process removed (or tried to remove) a path a profile rule with `access: unlink` covers. Allowed removals are not recorded.',
);
const RenameLine = procLine(
  'rename',
  {
    ...procHead,
    path: Type.String({ description: 'The source, absolute (as for unlink lines).' }),
    target: Type.String({ description: 'The target, absolute.' }),
    result: ChangeResult,
    ...decisionTail,
    ...procTail,
    ...mechTail,
  },
  'A watched process renamed (or tried to rename) a path, source or target, that a profile rule with `access: rename` covers. Allowed renames are not recorded.',
);
const targetOwn = {
  target_pid: Type.Union([Pid, Type.Null()], {
    description:
      "The target process (thread-group id); null when it is a pid of the caller's own PID namespace.",
  }),
  target_comm: Type.Union([Comm, Type.Null()], {
    description: "The target's task name; null when not known.",
  }),
  target_in_session: Type.Boolean({ description: "The target is a process of the caller's session." }),
};
const PtraceLine = procLine(
  'ptrace',
  {
    ...procHead,
    ...targetOwn,
    request: Type.String({
      description:
        "What was asked: the ptrace request ('PTRACE_ATTACH', 'PTRACE_POKEDATA', ...) from the tracepoint, or the access check's mode ('attach', 'read') from BPF-LSM, which also sees process_vm_readv/writev and /proc/PID/mem.",
    }),
    ...decisionTail,
    ...procTail,
    ...mechTail,
  },
  "A watched process tried to trace or read another process's memory and the profile's `ptrace` guard decided.",
);
const SignalLine = procLine(
  'signal',
  {
    ...procHead,
    ...targetOwn,
    signal: Type.String({
      pattern: '^SIG[A-Z0-9+]+$|^[0-9]+$',
      description: "The signal by name ('SIGTERM').",
    }),
    ...decisionTail,
    ...procTail,
    ...mechTail,
  },
  "A watched process sent a signal to another process and the profile's `signals` guard decided.",
);
const ExecMemoryLine = procLine(
  'exec_memory',
  {
    ...procHead,
    call: literals(['mmap', 'mprotect'] as const, 'The call that asked for executable memory.'),
    prot: Type.Array(Type.String({ pattern: '^PROT_[A-Z]+$|^0x[0-9a-f]+$' }), {
      description: "The protection asked for, by name (['PROT_READ', 'PROT_WRITE', 'PROT_EXEC']).",
    }),
    ...decisionTail,
    ...procTail,
    ...mechTail,
  },
  "A watched process asked for memory both writable and executable, or made memory executable (JIT code, injected shellcode), and the profile's `exec_memory` guard decided.",
);

const Lost = Type.Object(
  {
    ringbuf_full: Uint,
    read_fail: Uint,
    watch_full: Uint,
    stale_entry: Uint,
    alert_lost: Uint,
  },
  {
    additionalProperties: false,
    description:
      'Increase of each kernel counter since the previous loss line: events lost to a full ring buffer, kernel reads that failed (an event with a missing part), processes not watched because the table was full, stale PID entries dropped.',
  },
);
const LossLine = line(
  'loss',
  {
    lost: Lost,
    reason: Type.String(),
    rule: Type.Null(),
    profile: Type.Null(),
    session: Type.Null(),
    ...mechTail,
  },
  'The kernel reported losses: some events are missing from this log.',
);

const Counted = Type.Object(
  {
    repeated_opens: Uint,
    failed_lookups: Uint,
    unrecorded_opens: Uint,
  },
  {
    additionalProperties: false,
    description:
      'Allowed file opens the kernel counted instead of sending one by one, since the previous file_activity line of the session: opens of a file (and access) already written (first), failed lookups (ENOENT) of paths no rule but an allow names, other allowed opens (none).',
  },
);
const FileActivityLine = line(
  'file_activity',
  {
    file_events: literals(['first', 'none'] as const, "The session's --file-events mode."),
    counted: Counted,
    reason: Type.String(),
    rule: Type.Null(),
    profile: Type.String({ description: "Name of the session's profile." }),
    session: Type.String({ description: 'Session id (as `vigil status` shows it).' }),
    ...mechTail,
  },
  "How many allowed file opens the session's --file-events mode kept out of the log: counted in the kernel, written about every 10 s while they rise and at the session's end. Every refused, killed or audited open has its own line whatever the mode.",
);

const DnsQueryLine = line(
  'dns_query',
  {
    name: Type.String({ description: 'The name asked for (empty when the packet was not DNS).' }),
    qtype: Type.String({ description: "The record type asked for: 'A', 'AAAA', 'TXT', ..." }),
    transport: literals(['udp', 'tcp'] as const, 'How the agent sent the query.'),
    resolver: Type.String({
      description: 'The resolver the agent addressed (the query went there, if allowed).',
    }),
    rcode: Type.String({
      description:
        "The answer's code: NOERROR, NXDOMAIN (the resolver's), REFUSED (vigil's), FORMERR, SERVFAIL.",
    }),
    answers: Type.Array(Type.String(), {
      description:
        'Addresses the answer gave for the name (its CNAME chain included): the kernel allows connects to them.',
    }),
    reason: Type.String(),
    rule: Rule,
    profile: Type.String({ description: "Name of the session's profile." }),
    session: Type.String({ description: 'Session id (as `vigil status` shows it).' }),
    ...mechTail,
  },
  "A DNS question of the session, through vigil's DNS proxy (the cgroup hooks send the session's DNS there): ALLOW, forwarded and its addresses allowed in the kernel for the answer's TTL; BLOCK, answered REFUSED (or FORMERR) by the proxy, nothing resolved. pid and comm are absent: the proxy sees the query, not its sender.",
);

const SniCheckLine = line(
  'sni_check',
  {
    server_name: Type.Union([Type.String(), Type.Null()], {
      description:
        'The server name the client sent first: the TLS ClientHello SNI, or the HTTP Host header; null when it sent none.',
    }),
    protocol: Type.Union([Type.Literal('tls'), Type.Literal('http'), Type.Null()], {
      description:
        'What the client spoke; null when neither a ClientHello nor an HTTP request could be read.',
    }),
    dest_ip: Type.String({ minLength: 2, description: 'The address the agent connected to.' }),
    dest_port: Type.Integer({ minimum: 0, maximum: 65535 }),
    learned_for: Type.Array(Type.String(), {
      description: "The allowed names the session's DNS answers gave dest_ip for.",
    }),
    reason: Type.String(),
    rule: Rule,
    profile: Type.String({ description: "Name of the session's profile." }),
    session: Type.String({ description: 'Session id (as `vigil status` shows it).' }),
    ...mechTail,
  },
  "A connection the kernel sent through the session's SNI proxy (verify_sni: TCP to an address learned for an allowed host, on port 80 or 443): ALLOW, the server name is allowed and the address was learned for it, and the connection went on; BLOCK, it was reset before a byte reached the destination; AUDIT, an audit-only session's mismatch, sent on. The kernel's net_connect line for the same connect comes first, with its pid.",
);

/** Lowest first. */
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
const Severity = literals(
  SEVERITIES,
  'How serious: info (nothing flagged) < low < medium < high < critical.',
);
const RiskReason = Type.Object(
  {
    code: Type.String({
      description:
        'Why, as a stable code: typosquat, homoglyph, separator_confusion, url_source, git_source, tarball_source, local_source, risky_category, insecure_index, ...',
    }),
    detail: Type.String({ description: 'The same for people, with the evidence.' }),
  },
  { additionalProperties: false },
);
const InstallPackage = Type.Object(
  {
    ecosystem: Type.String({ description: 'npm, pypi, cargo, go, rubygems or debian.' }),
    name: Type.String({ description: 'The package name, normalised as its registry does.' }),
    spec: Type.Union([Type.String(), Type.Null()], {
      description: "The version asked for ('^1.2', '==2.31.0'); null for none.",
    }),
    source: Type.String({ description: 'registry, url, git, tarball, local or requirements-file.' }),
    raw: Type.String({ description: 'The argument as the command line gave it.' }),
    severity: Severity,
    reasons: Type.Array(RiskReason),
    similar_to: Type.Union([Type.String(), Type.Null()], {
      description: 'The popular package the name imitates (typosquat), else null.',
    }),
  },
  { additionalProperties: false },
);

const InstallLine = line(
  'install',
  {
    pid: Pid,
    comm: Comm,
    tool: Type.String({ description: 'The installer: npm, npx, pip, uv, cargo, go, gem, apt-get, ...' }),
    ecosystem: Type.String(),
    subcommand: Type.String({ description: "The installer's subcommand ('install', 'add', 'exec', ...)." }),
    packages: Type.Array(InstallPackage, { description: 'Each package the command names, with its risk.' }),
    severity: Severity,
    risk_reasons: Type.Array(RiskReason, {
      description:
        'Reasons about the whole command (an insecure package index, forced install scripts, ...).',
    }),
    argv: Argv,
    argv_truncated: Type.Boolean(),
    ...decisionTail,
    ...procTail,
    ...mechTail,
    elapsed_ms: Type.Optional(
      Type.Integer({
        minimum: 0,
        description:
          'KILL: milliseconds from the exec (kernel time) to the kill; the installer ran that long and may have fetched or run code meanwhile.',
      }),
    ),
    tool_call: Type.Optional(ToolCallRef),
  },
  "A watched process executed a package installer (parsed from the argv the kernel reported, never from the agent's transcript): ALLOW, nothing flagged; AUDIT, a package flagged under `installs: audit`; KILL, flagged under `installs: block` and killed by vigil after its exec (reactive: the kernel's exec hooks do not parse an installer's arguments; see elapsed_ms); OBSERVE, flagged but the profile sets `installs: off`. The exec line of the same process comes first.",
);

const AlertLine = line(
  'alert',
  {
    detector: literals(['secrets'] as const, 'What found it: secrets (credential leak detection).'),
    kind: Type.String({
      description:
        'What was found, as a stable code: aws_access_key_id, github_token, private_key, jwt, credit_card, ...',
    }),
    severity: Severity,
    masked: Type.String({
      description:
        'The secret masked (its first 4 and last 4 characters; a short one by its length only): never the secret.',
    }),
    source: literals(
      ['argv', 'environ', 'file', 'transcript'] as const,
      "Where: a watched exec's argv, the environment of a watched process, a file the session wrote in its working tree, the agent's own session log (a prompt, an answer or a tool's output).",
    ),
    where: Type.Union([Type.String(), Type.Null()], {
      description: 'The file path (file, transcript), the variable name (environ); null for argv.',
    }),
    pid: Type.Union([Pid, Type.Null()], {
      description: 'The process, for argv and environ; null otherwise.',
    }),
    comm: Type.Union([Comm, Type.Null()]),
    detector_rule: Type.String({
      description: "The detection rule that matched (e.g. '@secretlint/secretlint-rule-aws').",
    }),
    reason: Type.String(),
    rule: Type.Null(),
    profile: Type.String({ description: "Name of the session's profile." }),
    session: Type.String({ description: 'Session id (as `vigil status` shows it).' }),
    ...mechTail,
    tool_call: Type.Optional(ToolCallRef),
  },
  'A detector found something worth a look in what the session did; it decided nothing (action OBSERVE). One line per distinct finding per session and source.',
);

const ToolCallLine = line(
  'tool_call',
  {
    agent: literals(
      ['claude-code', 'codex', 'gemini-cli'] as const,
      'The agent whose session log named the call.',
    ),
    id: Type.String({ description: "The call's id in the agent's session log." }),
    name: Type.String({ description: 'The tool, as the agent names it.' }),
    tool_kind: literals(
      ['shell', 'file_read', 'file_write', 'web_fetch', 'other'] as const,
      'What the tool does, as vigil reads it: the kind of kernel events it is linked by.',
    ),
    turn: Type.Integer({
      minimum: 0,
      description: 'The turn of the session log the call belongs to (0 first).',
    }),
    ended_at: Type.Union([Ts, Type.Null()], {
      description:
        'When its result was logged (ts is when the call was); null when none was by the session end.',
    }),
    is_error: Type.Union([Type.Boolean(), Type.Null()], {
      description: 'The result was an error; null when unknown.',
    }),
    command: Type.Union([Type.String(), Type.Null()], {
      description: 'The shell command (shell tools), secrets masked.',
    }),
    paths: Type.Array(Type.String(), { description: 'The files a file tool names.' }),
    url: Type.Union([Type.String(), Type.Null()], {
      description: 'The URL a web tool fetched, secrets masked.',
    }),
    linked: Type.Object(
      {
        exec: Uint,
        file_open: Uint,
        net_connect: Uint,
        other: Uint,
        denied: Uint,
        late: Uint,
      },
      {
        additionalProperties: false,
        description:
          "Audit lines linked to the call, by kind (they carry its tool_call); denied: those BLOCK or KILL; late: those linked only once the call was logged, after they were written (an agent that logs a call when it ends: Gemini CLI, Codex's script commands), which carry no tool_call.",
      },
    ),
    pids: Type.Array(Pid, {
      maxItems: 64,
      description:
        'The processes whose lines are linked to the call (late ones included), in the order first linked; at most 64. With ts and ended_at, what joins a late-linked line to its call.',
    }),
    transcript: Type.String({ description: "The agent's session log the call was read from." }),
    input: Type.Optional(
      Type.String({
        description: "The call's input as logged, secrets masked: only with --capture-transcript.",
      }),
    ),
    output: Type.Optional(
      Type.String({
        description:
          "The call's result text (at most 4 KiB), secrets masked: only with --capture-transcript.",
      }),
    ),
    reason: Type.String(),
    rule: Type.Null(),
    profile: Type.String({ description: "Name of the session's profile." }),
    session: Type.String({ description: 'Session id (as `vigil status` shows it).' }),
    ...mechTail,
  },
  "A tool call the agent logged in its own session log (Claude Code, Codex, Gemini CLI), written when its result is logged or the session ends; the kernel's lines it caused carry its tool_call. What the call says it did is the agent's word; what the linked lines say is the kernel's.",
);

const ContentDigest = Type.Object(
  {
    blake3: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'BLAKE3 of the content, hex.' }),
    size: Uint,
  },
  { additionalProperties: false },
);
const PostureReasonRef = Type.Object(
  {
    code: Type.String({
      description:
        'The rubric item (docs/posture.md): destructive_in_hook, broad_matcher, no_sandbox, bypass_permissions, mcp_server_unpinned, not_confined_by_vigil, ...',
    }),
    points: Type.Integer({ description: 'What it adds to the score.' }),
    file: Type.Union([Type.String(), Type.Null()]),
    detail: Type.String(),
    snippet: Type.Union([Type.String(), Type.Null()], {
      description: 'The part of the file that gave it (a hook command, a matcher), secrets masked.',
    }),
  },
  { additionalProperties: false },
);

const PostureChangeLine = line(
  'posture_change',
  {
    agent: Type.String({ description: 'claude-code, codex, gemini-cli or cursor.' }),
    path: Type.String({
      description: 'The guard-surface file that changed (settings, MCP list, hook script, config).',
    }),
    change: literals(['created', 'modified', 'deleted', 'renamed'] as const, 'What happened to it.'),
    before: Type.Union([ContentDigest, Type.Null()], {
      description: 'The content before; null when it did not exist.',
    }),
    after: Type.Union([ContentDigest, Type.Null()], {
      description: 'The content after; null when it is gone.',
    }),
    score: Type.Integer({
      minimum: 0,
      maximum: 100,
      description: "The agent's posture score now (higher: more exposed).",
    }),
    score_before: Type.Integer({ minimum: 0, maximum: 100 }),
    reasons_added: Type.Array(PostureReasonRef),
    reasons_removed: Type.Array(PostureReasonRef),
    evidence: literals(
      ['definitive', 'coalesced'] as const,
      'definitive: one change seen as it happened; coalesced: several writes merged by the debounce, or a change found by the periodic rescan (before is the last state vigil saw).',
    ),
    home: Type.String({ description: 'The home folder whose guard surface this is.' }),
    reason: Type.String(),
    rule: Type.Null(),
    profile: Type.Null(),
    session: Type.Null(),
    ...mechTail,
  },
  "An agent's guard surface changed on disk (docs/posture.md): a hook, a permission, a sandbox setting or an MCP server list; decides nothing (OBSERVE).",
);

const ExportDropLine = line(
  'export_drop',
  {
    exporter: Type.String({
      description: 'The exporter (its name in vigil.yaml) whose spool dropped lines.',
    }),
    destination: Type.String({ description: "The exporter's destination, e.g. 'syslog tls 10.0.0.5:6514'." }),
    drop_reason: literals(
      ['full', 'age'] as const,
      'full: the spool reached its max_bytes while the destination did not take lines; age: the lines waited longer than max_age.',
    ),
    dropped_lines: Type.Integer({
      minimum: 1,
      description: 'How many exported lines were removed from the spool undelivered: exact.',
    }),
    dropped_bytes: Uint,
    first_event_id: Type.String({ description: 'The event id of the first line dropped.' }),
    last_event_id: Type.String({ description: 'The event id of the last line dropped.' }),
    first_ts: Type.String({ description: 'The ts of the first line dropped.' }),
    last_ts: Type.String({ description: 'The ts of the last line dropped.' }),
    reason: Type.String(),
    rule: Type.Null(),
    profile: Type.Null(),
    session: Type.Null(),
    ...mechTail,
  },
  "An exporter's spool dropped lines its destination had not taken (docs/export.md): they are still in the local audit log, but the destination will never receive them. It is exported too, behind the lines that still wait in the spool.",
);

/**
 * Every kind of line, by its `event`, in the order of the published schema's union. The one
 * list of event kinds: EVENT_KINDS, the union and the per-kind schemas are read from it.
 */
const LINES = {
  session_start: SessionStartLine,
  session_end: SessionEndLine,
  exec: ExecLine,
  fork: ForkLine,
  exit: ExitLine,
  file_open: FileOpenLine,
  net_connect: NetConnectLine,
  udp_send: UdpSendLine,
  socket_create: SocketCreateLine,
  unlink: UnlinkLine,
  rename: RenameLine,
  ptrace: PtraceLine,
  signal: SignalLine,
  exec_memory: ExecMemoryLine,
  syscall: SyscallLine,
  file_activity: FileActivityLine,
  dns_query: DnsQueryLine,
  sni_check: SniCheckLine,
  install: InstallLine,
  alert: AlertLine,
  tool_call: ToolCallLine,
  posture_change: PostureChangeLine,
  export_drop: ExportDropLine,
  loss: LossLine,
} satisfies { [K in string]: { properties: { event: TLiteral<K> } } };

export type AuditEvent = keyof typeof LINES;
export const EVENT_KINDS = Object.freeze(Object.keys(LINES)) as readonly AuditEvent[];

/**
 * The kernel records (enum vigil_msg_type) each kind is decoded from; none for the lines
 * user space makes (a session begun by vigil run or attach, loss). A unit test decodes a
 * record of each type and checks the decoder gives this kind.
 */
export const KERNEL_RECORDS: Readonly<Record<AuditEvent, readonly (keyof typeof MSG_TYPE)[]>> = {
  session_start: ['VIGIL_MSG_SESSION_START'],
  session_end: [],
  exec: ['VIGIL_MSG_EXEC'],
  fork: ['VIGIL_MSG_FORK'],
  exit: ['VIGIL_MSG_EXIT'],
  file_open: ['VIGIL_MSG_FILE_OPEN'],
  net_connect: ['VIGIL_MSG_NET_CONNECT'],
  udp_send: ['VIGIL_MSG_UDP_SEND'],
  socket_create: ['VIGIL_MSG_SOCKET_CREATE'],
  unlink: ['VIGIL_MSG_UNLINK'],
  rename: ['VIGIL_MSG_RENAME'],
  ptrace: ['VIGIL_MSG_PTRACE'],
  signal: ['VIGIL_MSG_SIGNAL'],
  exec_memory: ['VIGIL_MSG_EXEC_MEMORY'],
  syscall: ['VIGIL_MSG_SYSCALL_REFUSED'],
  file_activity: [],
  dns_query: [],
  sni_check: [],
  install: [],
  alert: [],
  tool_call: [],
  posture_change: [],
  export_drop: [],
  loss: [],
};

export const AuditLineSchema = Type.Union(Object.values(LINES), {
  title: 'vigil audit line',
  description: 'One line of the vigil audit log (JSON Lines). See docs/audit.md.',
});

export type AuditLine = Static<typeof AuditLineSchema>;
export type AuditAction = (typeof ACTIONS)[number];
export type AuditEnforcement = (typeof ENFORCEMENTS)[number];
export type AuditAttribution = (typeof ATTRIBUTIONS)[number];
/** The line of one event kind. */
export type AuditLineOf<E extends AuditEvent> = Extract<AuditLine, { event: E }>;

const variants: Readonly<Record<AuditEvent, TObject>> = LINES;

/** The schema of one kind of line (the JSON writer's generator reads it). */
export function auditLineSchemaOf(event: AuditEvent): TObject {
  return variants[event];
}

/** The keys of a line of this kind, in line order (optional ones included). */
export function auditKeyOrder(event: AuditEvent): string[] {
  return Object.keys(variants[event].properties);
}

// Compiled on first use, not at import: the daemon and the CLI never validate their own lines.
const compiled: { check?: TypeCheck<typeof AuditLineSchema> } = {};

export function validateAuditLine(value: unknown): value is AuditLine {
  compiled.check ??= TypeCompiler.Compile(AuditLineSchema);
  return compiled.check.Check(value);
}

/** Why a value is not an audit line ('' when it is one); for tests and error messages. */
export function auditLineErrors(value: unknown): string {
  const event =
    typeof value === 'object' && value !== null ? (value as { event?: unknown }).event : undefined;
  // The union's errors say little; check against the variant the line claims to be.
  const schema =
    typeof event === 'string' && event in variants ? variants[event as AuditEvent] : AuditLineSchema;
  return [...TypeCompiler.Compile(schema).Errors(value)]
    .map((e) => `${e.path || '/'}: ${e.message}`)
    .join('; ');
}

/** The published JSON Schema: plain JSON, draft named, keys in a stable order. */
export function auditLineJsonSchema(): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(AuditLineSchema)) as Record<string, unknown>;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    ...plain,
  };
}
