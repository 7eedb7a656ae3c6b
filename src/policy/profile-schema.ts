// The profile format, defined once: TypeBox gives the TypeScript types, the runtime validator and
// the published JSON Schema (schemas/profile.schema.json, written by scripts/gen-profile-schema.ts).
// Only the shape lives here; meaning (globs, CIDRs, variables, extends) is checked by the loader.
import { Type } from '@sinclair/typebox';
import type { Static, TSchema } from '@sinclair/typebox';

const Action = Type.Union([Type.Literal('block'), Type.Literal('kill'), Type.Literal('audit')], {
  description:
    'What a matching denied rule does: block the call (default), kill the process that made it, or only audit it.',
});

const DefaultPolicy = Type.Union([Type.Literal('allow'), Type.Literal('deny'), Type.Literal('audit')], {
  description: "'allow', 'deny' (refused), or 'audit' (allowed and recorded as AUDIT).",
});

const AccessOp = Type.Union([
  Type.Literal('read'),
  Type.Literal('write'),
  Type.Literal('unlink'),
  Type.Literal('rename'),
]);
const Access = Type.Union([AccessOp, Type.Literal('any'), Type.Array(AccessOp, { minItems: 1 })], {
  description:
    "What the rule covers: 'read' (opens for reading), 'write' (opens for writing), 'unlink' (unlink or rmdir of the path), 'rename' (a rename from or to the path), a list of these, or 'any' (default: all four).",
});

const GuardAction = Type.Union(
  [
    Type.Literal('allow'),
    Type.Literal('audit'),
    Type.Literal('block'),
    Type.Literal('deny'),
    Type.Literal('kill'),
  ],
  { description: "'allow' (default), 'audit', 'block' (refused; 'deny' is the same), or 'kill'." },
);
const ProcessGuard = Type.Union([
  GuardAction,
  Type.Object(
    {
      action: GuardAction,
      targets: Type.Optional(
        Type.Union([Type.Literal('outside'), Type.Literal('any')], {
          description:
            "'outside' (default): only processes outside the agent's session; 'any': every process.",
        }),
      ),
    },
    { additionalProperties: false },
  ),
]);

const Protocol = Type.Union([Type.Literal('tcp'), Type.Literal('udp'), Type.Literal('any')], {
  description: "Transport the rule covers; 'any' (default) covers both TCP and UDP.",
});

const PathPattern = Type.String({
  minLength: 1,
  description:
    "Absolute path glob: '*' and '?' within one component, '**' as a whole component for any depth, [abc] [a-z] [!x] classes. ${HOME}, ${WORKSPACE} and a leading '~' are expanded.",
});

const NetworkSpec = Type.String({
  minLength: 1,
  description:
    "An IP or CIDR, optionally with ports and protocol: '10.0.0.0/8', '10.0.0.0/8:443', '0.0.0.0/0:53/udp', '[::1]:8000-9000', '[2001:db8::/32]:443/tcp'; or 'resolvers' (the nameservers of /etc/resolv.conf, read when the profile loads), e.g. 'resolvers:53'.",
});

const HostSpec = Type.String({
  minLength: 1,
  description:
    "A host name, or '*.' and a domain for every name below it, optionally with a port: 'api.anthropic.com', '*.githubusercontent.com', 'registry.npmjs.org:443'.",
});
const HostPorts = Type.Union([
  Type.Integer({ minimum: 1, maximum: 65535 }),
  Type.Array(Type.Integer({ minimum: 1, maximum: 65535 }), { minItems: 1, maxItems: 6 }),
]);

const Ports = Type.Union(
  [
    Type.Integer({ minimum: 1, maximum: 65535 }),
    Type.String({ pattern: '^[0-9]+(-[0-9]+)?$' }),
    Type.Array(
      Type.Union([
        Type.Integer({ minimum: 1, maximum: 65535 }),
        Type.String({ pattern: '^[0-9]+(-[0-9]+)?$' }),
      ]),
      {
        minItems: 1,
      },
    ),
  ],
  { description: "A port (443), a range ('8000-9000'), or a list of them. Omitted: every port." },
);

const CommandSpec = Type.String({
  minLength: 1,
  description:
    "An absolute path pattern matched against the executable's resolved path, or a basename pattern (no '/') matched against its last component.",
});

const strict = { additionalProperties: false } as const;

const OnReactive = Type.Union([Type.Literal('kill'), Type.Literal('audit')], {
  description:
    "Where the host's kernel can only act after the open (the tracepoint tier: SIGKILL at the open's return), what a block does: 'kill' the process (default) or 'audit' (let the open go on and record it). Inline layers (BPF-LSM, Landlock) still refuse. For rules a kill would turn against ordinary tools, e.g. ps reading /proc/*/environ.",
});

const DeniedPathObject = Type.Object(
  {
    pattern: PathPattern,
    access: Type.Optional(Access),
    action: Type.Optional(Action),
    on_reactive: Type.Optional(OnReactive),
  },
  strict,
);
const AllowedPathObject = Type.Object({ pattern: PathPattern, access: Type.Optional(Access) }, strict);
const DeniedNetworkObject = Type.Object(
  {
    cidr: NetworkSpec,
    ports: Type.Optional(Ports),
    protocol: Type.Optional(Protocol),
    action: Type.Optional(Action),
  },
  strict,
);
const AllowedNetworkObject = Type.Object(
  { cidr: NetworkSpec, ports: Type.Optional(Ports), protocol: Type.Optional(Protocol) },
  strict,
);
const AllowedHostObject = Type.Object({ host: HostSpec, ports: Type.Optional(HostPorts) }, strict);
const DeniedHostObject = Type.Object({ host: HostSpec }, strict);
const DeniedCommandObject = Type.Object({ command: CommandSpec, action: Type.Optional(Action) }, strict);
const AllowedCommandObject = Type.Object({ command: CommandSpec }, strict);

function ruleList<S extends TSchema, O extends TSchema>(item: S, object: O, description: string) {
  return Type.Optional(Type.Array(Type.Union([item, object]), { description }));
}

export const ProfileSchema = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
      description: 'Profile name.',
    }),
    version: Type.Optional(Type.Union([Type.String(), Type.Number()], { description: 'Profile version.' })),
    description: Type.Optional(Type.String()),
    extends: Type.Optional(
      Type.String({
        minLength: 1,
        description: "A built-in profile whose rules this one adds to (see 'vigil profile list').",
      }),
    ),
    entry_comm: Type.Optional(
      Type.Union(
        [
          Type.String({ minLength: 1, maxLength: 15 }),
          Type.Array(Type.String({ minLength: 1, maxLength: 15 }), { minItems: 1 }),
        ],
        {
          description:
            'Process name(s) (the kernel comm, at most 15 bytes) whose exec starts an agent under `vigil watch`.',
        },
      ),
    ),
    mode: Type.Optional(
      Type.Union([Type.Literal('enforce'), Type.Literal('audit')], {
        description:
          "'enforce' (default) applies the verdicts; 'audit' turns every block and kill into AUDIT.",
      }),
    ),
    fail_closed: Type.Optional(
      Type.Union([Type.Literal('deny'), Type.Literal('freeze'), Type.Literal('continue')], {
        description:
          "What the kernel does while no vigil daemon consumes the session's events (longer than the heartbeat deadline, 1 s by default): 'deny' (default) refuses network and every open or exec no allowed rule names; 'freeze' stops each process at its next watched call until a daemon re-adopts it; 'continue' keeps enforcing the profile alone.",
      }),
    ),
    raw_sockets: Type.Optional(
      Type.Union([Type.Literal('allow'), Type.Literal('deny')], {
        description:
          "Raw IP sockets (SOCK_RAW: ping, packet crafting, sniffing). 'deny' (default) refuses them in the kernel.",
      }),
    ),
    ptrace: Type.Optional(
      Type.Union([ProcessGuard], {
        description:
          "ptrace attach or access (PTRACE_ATTACH, PTRACE_SEIZE, /proc/PID/mem through ptrace checks) by the agent's processes: an action, or {action, targets}. Targets outside the session only unless targets: any.",
      }),
    ),
    signals: Type.Optional(
      Type.Union([ProcessGuard], {
        description:
          "Signals the agent's processes send (kill, tgkill, pidfd_send_signal): an action, or {action, targets}. Targets outside the session only unless targets: any.",
      }),
    ),
    exec_memory: Type.Optional(
      Type.Union([GuardAction], {
        description:
          "Executable memory made at run time (anonymous or writable mappings made executable, mprotect adding PROT_EXEC): JIT shellcode's way in. 'allow' (default: node, python and browsers JIT), or an action.",
      }),
    ),
    installs: Type.Optional(
      Type.Union([Type.Literal('audit'), Type.Literal('block'), Type.Literal('off')], {
        description:
          "Package installs the agent's processes run (npm, pip, cargo, go, gem, apt ..., parsed from the argv the kernel reports): 'audit' (default) writes an install line for each, AUDIT when a package is flagged (typosquat, URL or git source, known-risky); 'block' also kills a flagged installer, reactively, right after its exec (the line says how long it ran); 'off' writes the lines but flags nothing as AUDIT or KILL.",
      }),
    ),
    watched_comms: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        description:
          'Accepted for profiles of the original Vigil format and ignored: vigil follows the process tree in the kernel, so a process name never decides who is watched (see docs/profiles.md).',
      }),
    ),
    default_policy: Type.Optional(
      Type.Union(
        [
          DefaultPolicy,
          Type.Object(
            {
              paths: Type.Optional(DefaultPolicy),
              networks: Type.Optional(DefaultPolicy),
              commands: Type.Optional(DefaultPolicy),
              unlinks: Type.Optional(DefaultPolicy),
              renames: Type.Optional(DefaultPolicy),
            },
            strict,
          ),
        ],
        {
          description:
            "Verdict when no rule matches: one for all kinds, or per kind ({paths, networks, commands, unlinks, renames}); 'audit' allows and records. unlinks and renames follow paths unless set. Unset: inherited from 'extends', else deny.",
        },
      ),
    ),
    denied_paths: ruleList(PathPattern, DeniedPathObject, 'Paths whose open is denied; checked first.'),
    allowed_paths: ruleList(PathPattern, AllowedPathObject, 'Paths whose open is allowed unless denied.'),
    denied_networks: ruleList(NetworkSpec, DeniedNetworkObject, 'Destinations whose connect is denied.'),
    allowed_networks: ruleList(NetworkSpec, AllowedNetworkObject, 'Destinations allowed unless denied.'),
    denied_hosts: ruleList(
      HostSpec,
      DeniedHostObject,
      'Host names the agent may not resolve, even where allowed_hosts would allow them; checked first.',
    ),
    allowed_hosts: ruleList(
      HostSpec,
      AllowedHostObject,
      "Host names the agent may resolve (through vigil's DNS proxy) and then connect to, on the ports given (any when none), where no network rule decides the address.",
    ),
    dns: Type.Optional(
      Type.Object(
        {
          resolvers: Type.Optional(
            Type.Array(Type.String({ minLength: 1 }), {
              minItems: 1,
              description:
                "The resolvers the agent may use (IP addresses), through vigil's DNS proxy; default: the nameservers of /etc/resolv.conf.",
            }),
          ),
          min_ttl: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 86400,
              description:
                'Seconds an address DNS answered for an allowed host stays allowed, at least (default 60): a shorter TTL is raised to it.',
            }),
          ),
        },
        { ...strict, description: 'How allowed_hosts and denied_hosts resolve names.' },
      ),
    ),
    verify_sni: Type.Optional(
      Type.Boolean({
        description:
          "With allowed_hosts: TCP connects to learned addresses on ports 80 and 443 go through vigil's SNI proxy, which reads the server name the client sends (TLS SNI, HTTP Host) and sends the connection on only if that name is allowed and the address was learned for it; QUIC (UDP) to those ports is refused. Default false; true in the built-in agent profiles.",
      }),
    ),
    denied_commands: ruleList(CommandSpec, DeniedCommandObject, 'Executables whose exec is denied.'),
    allowed_commands: ruleList(CommandSpec, AllowedCommandObject, 'Executables allowed unless denied.'),
  },
  {
    ...strict,
    title: 'vigil behavioral profile',
    description:
      'A vigil profile: the files, networks and commands an AI agent may use. See docs/profiles.md.',
  },
);

/** A profile document as written (before variables, globs and CIDRs are interpreted). */
export type ProfileDocument = Static<typeof ProfileSchema>;

/** The published JSON Schema: plain JSON with the draft named, keys in a stable order. */
export function profileJsonSchema(): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(ProfileSchema)) as Record<string, unknown>;
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...plain };
}
