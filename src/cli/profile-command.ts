// `vigil profile list | show NAME|FILE | validate FILE | explain FILE --path P [--write] | --exec PATH |
// --connect IP:PORT [--udp] | import --from neurontrace FILE [-o OUT]`. validate compiles the kernel
// tables too, so a profile the kernel cannot hold fails here; explain asks the kernel matcher itself
// (BPF_PROG_RUN) when root. import writes a NeuronTrace policy as a vigil profile, or refuses it
// naming every rule it cannot keep exactly; the other verbs take such a policy as FILE too.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';

import { BpfObject } from '../bridge/bpf-object.js';
import { EXIT_CODES, UsageError, VigilError } from '../errors.js';
import { PolicyTables } from '../loader/policy-tables.js';
import { builtinProfileNames, isBuiltinProfile, loadBuiltinProfile } from '../policy/builtin-profiles.js';
import { compileTables } from '../policy/compile-tables.js';
import { denyInodeWrites, describeInodes } from '../policy/deny-inodes.js';
import { createEvaluator } from '../policy/evaluate.js';
import { hostVerdict } from '../doctor/host-verdict.js';
import { decide } from '../doctor/ladder.js';
import { gatherFacts } from '../doctor/gather-facts.js';
import type { MatcherInput } from '../policy/evaluate.js';
import { importNeuronTrace } from '../policy/import-neurontrace.js';
import { loadAnyProfileFile, readProfileText } from '../policy/load-any-profile.js';
import { OP_BITS, type HostRule, type NetworkRule, type Profile } from '../policy/profile-types.js';
import { decideName } from '../egress/name-policy.js';
import { resolvesByName } from '../daemon/session-dns.js';
import { isIP } from 'node:net';
import { connectDaemon } from '../daemon/control-client.js';
import { parseVerbArgs, requireRoot } from './args.js';
import { writeOutputFile } from './output-file.js';
import { noticeImport } from './profile-arg.js';

const USAGE = `usage: vigil profile list
       vigil profile show NAME|FILE
       vigil profile validate FILE
       vigil profile explain FILE --path P [--write|--read-write] | --exec PATH [--as NAME] | --connect IP:PORT [--udp] | --unlink P | --rename P --to Q
       vigil profile import --from neurontrace FILE [-o OUT [--force]]   (a NeuronTrace policy as a vigil profile)
       vigil profile learn AUDIT.jsonl [--session ID] [--base PROFILE] [-o OUT]   (the smallest profile allowing what a session did)
       vigil profile reload      (the running daemon loads every profile in use again; SIGHUP does the same)`;

const MATCHER_OBJECT = new URL('../../../build/bpf/policy/matcher_test.bpf.o', import.meta.url);

function vars(): { home: string; workspace: string } {
  return { home: homedir(), workspace: process.cwd() };
}

function loadNamed(ref: string): Profile {
  if (!existsSync(ref) && isBuiltinProfile(ref)) return loadBuiltinProfile(ref, vars());
  const loaded = loadAnyProfileFile(resolve(ref), vars());
  if (loaded.importedFrom === 'neurontrace') noticeImport(ref, loaded.profile.name);
  return loaded.profile;
}

export async function profileCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  try {
    switch (sub) {
      case 'list':
        return list(rest);
      case 'show':
        return show(rest);
      case 'validate':
        return validate(rest);
      case 'explain':
        return await explain(rest);
      case 'reload':
        return await reload(rest);
      case 'learn':
        return (await import('./learn-command.js')).profileLearn(rest);
      case 'import':
        return importPolicy(rest);
      case undefined:
      case '--help':
      case '-h':
        console.log(USAGE);
        return sub === undefined ? EXIT_CODES.usage : EXIT_CODES.ok;
      default:
        throw new UsageError(`vigil profile: unknown subcommand '${sub}'\n${USAGE}`);
    }
  } catch (err) {
    if (err instanceof VigilError) {
      console.error(err.message);
      if (err.hint !== undefined) console.error(`hint: ${err.hint}`);
      return err.exitCode;
    }
    throw err;
  }
}

/**
 * Asks the running daemon to load every profile in use again from its file. Each one is swapped
 * atomically in the kernel; one that no longer loads keeps its old tables, and the exit is 4.
 */
async function reload(args: string[]): Promise<number> {
  if (args.length > 0) throw new UsageError(`vigil profile reload takes no arguments\n${USAGE}`);
  requireRoot('profile reload');
  const daemon = await connectDaemon();
  if (daemon === undefined) {
    console.error('vigil: no daemon is running: there is nothing to reload');
    return EXIT_CODES.failure;
  }
  try {
    const r = await daemon.reloadProfiles();
    for (const ok of r.reloaded)
      console.log(`reloaded ${ok.name} (${ok.source}) into kernel table ${ok.tableId}`);
    for (const bad of r.failed) {
      console.error(`kept the previous ${bad.name} (${bad.source}): ${bad.error.message}`);
    }
    if (r.reloaded.length === 0 && r.failed.length === 0) console.log('no profile is in use');
    return r.failed.length > 0 ? EXIT_CODES.config : EXIT_CODES.ok;
  } finally {
    await daemon.close();
  }
}

/**
 * Prints (or writes to -o OUT) the vigil profile a NeuronTrace policy becomes, and on stderr what
 * changed form. Nothing is written when a rule has no exact vigil form: the error names them all.
 */
function importPolicy(args: string[]): number {
  const { values, positionals } = parseVerbArgs(
    'profile import',
    args,
    { from: { type: 'string' }, output: { type: 'string', short: 'o' }, force: { type: 'boolean' } },
    true,
  );
  if (values.from !== 'neurontrace') {
    throw new UsageError(
      values.from === undefined
        ? `vigil profile import: say which format FILE is in: --from neurontrace\n${USAGE}`
        : `vigil profile import: unknown format '${values.from}'; the one known is neurontrace`,
    );
  }
  if (positionals.length !== 1) throw new UsageError(`vigil profile import: give one policy FILE\n${USAGE}`);
  if (values.force === true && values.output === undefined) {
    throw new UsageError('vigil profile import: --force only applies with -o OUT');
  }
  const file = positionals[0] as string;
  const result = importNeuronTrace(readProfileText(file), file);
  if (values.output === undefined) {
    process.stdout.write(result.yaml);
  } else {
    const out = values.output;
    writeOutputFile('profile import', out, result.yaml, values.force === true);
    console.error(`wrote ${out}: vigil profile '${result.profile.name}'`);
  }
  for (const note of result.notes) console.error(`note: ${note}`);
  return EXIT_CODES.ok;
}

function list(args: string[]): number {
  parseVerbArgs('profile list', args, {});
  for (const name of builtinProfileNames()) {
    const p = loadBuiltinProfile(name, vars());
    console.log(`${name.padEnd(14)} ${p.description ?? ''}`);
  }
  return EXIT_CODES.ok;
}

function oneArg(verb: string, args: string[]): string {
  const { positionals } = parseVerbArgs(verb, args, {}, true);
  if (positionals.length !== 1) throw new UsageError(`vigil ${verb}: give one profile\n${USAGE}`);
  return positionals[0] as string;
}

function show(args: string[]): number {
  const p = loadNamed(oneArg('profile show', args));
  // what validate refuses, show refuses too: the kernel tables must hold the profile
  compileTables(p, 0);
  printNotices(p);
  const out: string[] = [`name: ${p.name}`];
  if (p.description !== undefined) out.push(`description: ${p.description}`);
  if (p.extends.length > 0) out.push(`extends: ${p.extends.join(' -> ')}`);
  out.push(`file: ${p.file}`, `mode: ${p.mode}`);
  out.push(
    `defaults: paths ${p.defaults.paths}, networks ${p.defaults.networks}, commands ${p.defaults.commands}, ` +
      `unlinks ${p.defaults.unlinks}, renames ${p.defaults.renames}`,
  );
  const guard = (g: Profile['ptrace']) =>
    g.action === 'allow' ? 'allow' : `${g.action} (targets ${g.targets})`;
  out.push(
    `ptrace: ${guard(p.ptrace)}, signals: ${guard(p.signals)}, exec_memory: ${p.execMemory}, installs: ${p.installs}`,
  );
  if (p.entryComm.length > 0) out.push(`entry_comm: ${p.entryComm.join(', ')}`);
  const section = (
    title: string,
    rules: readonly { id: string; written: string; action: string }[],
    extra: (i: number) => string,
  ): void => {
    if (rules.length === 0) return;
    out.push('', `${title}:`);
    rules.forEach((r, i) => out.push(`  ${r.id.padEnd(22)} ${r.action.padEnd(5)} ${r.written}${extra(i)}`));
  };
  section('denied_paths', p.paths.denied, (i) => {
    const r = p.paths.denied[i];
    return accessNote(r?.access) + (r?.onReactive === 'audit' ? ' [on_reactive: audit]' : '');
  });
  section('allowed_paths', p.paths.allowed, (i) => accessNote(p.paths.allowed[i]?.access));
  section('denied_commands', p.commands.denied, () => '');
  section('allowed_commands', p.commands.allowed, () => '');
  const cidrs = (r: NetworkRule | undefined) => ` (${r?.targets.map((t) => t.cidr).join(', ') || 'nothing'})`;
  section('denied_networks', p.networks.denied, (i) => cidrs(p.networks.denied[i]));
  section('allowed_networks', p.networks.allowed, (i) => cidrs(p.networks.allowed[i]));
  const ports = (r: HostRule | undefined) =>
    r === undefined || r.pattern.ports.length === 0 ? '' : ` (ports ${r.pattern.ports.join(', ')})`;
  section('denied_hosts', p.hosts.denied, () => '');
  section('allowed_hosts', p.hosts.allowed, (i) => ports(p.hosts.allowed[i]));
  if (p.hosts.denied.length + p.hosts.allowed.length > 0) {
    const resolvers = p.dns.resolvers?.join(', ') ?? 'the nameservers of /etc/resolv.conf';
    out.push(
      '',
      `dns: through vigil's proxy to ${resolvers}; learned addresses kept at least ${p.dns.minTtlS} s`,
      p.dns.verifySni
        ? "verify_sni: connects to learned addresses on 80 and 443 go through vigil's SNI proxy (the server name must be allowed and learned for the address); QUIC to them is refused"
        : 'verify_sni: off (a learned address is allowed to any name the client then asks for)',
    );
  }
  console.log(out.join('\n'));
  return EXIT_CODES.ok;
}

/** What the denied path rules become where the kernel can only kill (no BPF-LSM). */
function reactiveNotes(p: Profile): string[] {
  const enforced = p.mode === 'audit' ? [] : p.paths.denied.filter((r) => r.action !== 'audit');
  const audited = enforced.filter((r) => r.onReactive === 'audit').map((r) => r.id);
  const writes = enforced
    .filter((r) => (r.ops & OP_BITS.write) !== 0 && r.onReactive !== 'audit')
    .map((r) => r.id);
  const out: string[] = [];
  if (writes.length > 0)
    out.push(
      `writes: without BPF-LSM, a write open that ${writes.length} denied path rule(s) forbid is killed at its return, before the first write; an O_TRUNC open has emptied the file by then unless Landlock (ABI 3+, vigil run) refuses it first`,
    );
  if (audited.length > 0)
    out.push(`without BPF-LSM, ${audited.join(', ')} only audit (on_reactive: audit): the open goes on`);
  return out;
}

function accessNote(access: string | undefined): string {
  return access === undefined || access === 'any' ? '' : ` [${access}]`;
}

/** What the loader accepted but does not apply (e.g. the original format's watched_comms), on stderr. */
function printNotices(p: Profile): void {
  for (const n of p.notices) console.error(`vigil: ${n}`);
}

function validate(args: string[]): number {
  const given = oneArg('profile validate', args);
  const loaded = loadAnyProfileFile(resolve(given), vars());
  if (loaded.importedFrom === 'neurontrace') noticeImport(given, loaded.profile.name);
  const p = loaded.profile;
  printNotices(p);
  const f = compileTables(p, 0).figures;
  const rules =
    p.paths.denied.length + p.paths.allowed.length + p.commands.denied.length + p.commands.allowed.length;
  const nets = p.networks.denied.length + p.networks.allowed.length;
  console.log(
    `${p.file}: ok: profile '${p.name}', ${rules} path/command rules, ${nets} network rules; kernel tables: ` +
      `${f.prefixEntries} prefix/exact + ${f.suffixEntries} suffix + ${f.containEntries} component-run trie entries, ${f.pathStates} + ${f.nameStates} ` +
      `automaton states (${f.pathClasses}/${f.nameClasses} byte classes), ${f.networkEntries} network entries ` +
      `(${f.portSegments} port segments), ${f.bytes} bytes`,
  );
  console.log(`  hard links: ${describeInodes(denyInodeWrites(p, 0).figures)} (as listed now)`);
  for (const line of reactiveNotes(p)) console.log(`  ${line}`);
  return EXIT_CODES.ok;
}

function explainInput(values: {
  path?: string | undefined;
  write?: boolean | undefined;
  'read-write'?: boolean | undefined;
  exec?: string | undefined;
  as?: string | undefined;
  connect?: string | undefined;
  udp?: boolean | undefined;
  unlink?: string | undefined;
  rename?: string | undefined;
  to?: string | undefined;
}): MatcherInput {
  const given = [values.path, values.exec, values.connect, values.unlink, values.rename].filter(
    (v) => v !== undefined,
  ).length;
  if (given !== 1)
    throw new UsageError(
      `vigil profile explain: give one of --path, --exec, --connect, --unlink, --rename\n${USAGE}`,
    );
  for (const p of [values.unlink, values.rename, values.to]) {
    if (p !== undefined && !p.startsWith('/'))
      throw new UsageError(`vigil profile explain: paths must be absolute, got '${p}'`);
  }
  if (values.unlink !== undefined) return { kind: 'unlink', path: values.unlink };
  if (values.rename !== undefined) {
    if (values.to === undefined) throw new UsageError('vigil profile explain: --rename FROM needs --to TO');
    return { kind: 'rename', path: values.rename, to: values.to };
  }
  if (values.path !== undefined) {
    const access = values['read-write'] === true ? 'read-write' : values.write === true ? 'write' : 'read';
    if (!values.path.startsWith('/')) throw new UsageError('vigil profile explain: --path must be absolute');
    return { kind: 'open', path: values.path, access };
  }
  if (values.exec !== undefined) {
    if (!values.exec.startsWith('/'))
      throw new UsageError('vigil profile explain: --exec takes the resolved absolute path');
    return values.as === undefined
      ? { kind: 'exec', path: values.exec }
      : { kind: 'exec', path: values.exec, requested: values.as };
  }
  const text = values.connect as string;
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  const port = Number(m?.[2]);
  if (m === null || !Number.isInteger(port) || port > 65535) {
    throw new UsageError(`vigil profile explain: --connect takes IP:PORT or [IPv6]:PORT, got '${text}'`);
  }
  return { kind: 'connect', ip: m[1] as string, port, proto: values.udp === true ? 'udp' : 'tcp' };
}

async function explain(args: string[]): Promise<number> {
  const { values, positionals } = parseVerbArgs(
    'profile explain',
    args,
    {
      path: { type: 'string' },
      write: { type: 'boolean' },
      'read-write': { type: 'boolean' },
      exec: { type: 'string' },
      as: { type: 'string' },
      connect: { type: 'string' },
      udp: { type: 'boolean' },
      unlink: { type: 'string' },
      rename: { type: 'string' },
      to: { type: 'string' },
    },
    true,
  );
  if (positionals.length !== 1)
    throw new UsageError(`vigil profile explain: give one profile FILE\n${USAGE}`);
  const profile = loadNamed(positionals[0] as string);
  const byName = values.connect === undefined ? undefined : hostAndPort(values.connect);
  if (byName !== undefined) return explainHost(profile, byName.host, byName.port);
  const input = explainInput(values);
  const reference = createEvaluator(profile)(input);
  const what =
    input.kind === 'open'
      ? `open(${input.access}) ${input.path as string}`
      : input.kind === 'exec'
        ? `exec ${input.path as string}`
        : input.kind === 'unlink'
          ? `unlink ${input.path as string}`
          : input.kind === 'rename'
            ? `rename ${input.path as string} -> ${input.to as string}`
            : `${input.proto} connect ${input.ip}:${input.port}`;
  if (process.getuid?.() !== 0) {
    compileTables(profile, 0); // the kernel tables must hold it, even when we cannot ask the kernel
    console.log(`${what}: ${reference.action} by ${ruleText(profile, reference.rule)}`);
    console.log(`  ${reference.reason}`);
    console.log('  (computed by the reference evaluator: not root, so the kernel matcher could not be run)');
    return EXIT_CODES.ok;
  }
  const obj = BpfObject.open(decodeURIComponent(MATCHER_OBJECT.pathname));
  try {
    obj.load();
    const tables = new PolicyTables(obj);
    tables.load(0, profile);
    const kernel = tables.explain(0, input);
    console.log(`${what}: ${kernel.action} by ${ruleText(profile, kernel.rule)}`);
    console.log(`  ${reference.reason}`);
    console.log('  (decided by the kernel matcher, BPF_PROG_RUN over the compiled tables)');
    const facts = await gatherFacts();
    const host = { protections: decide(facts).protections, landlockAbi: facts.host.landlockAbi };
    console.log(`  on this host: ${hostVerdict(profile, input, kernel, host)}`);
    if (kernel.action !== reference.action || kernel.rule !== reference.rule) {
      console.error(
        `warning: the reference evaluator says ${reference.action} by ${reference.rule}: please report this`,
      );
      return EXIT_CODES.failure;
    }
    return EXIT_CODES.ok;
  } finally {
    obj.close();
  }
}

/** `--connect NAME:PORT` with a host name (not an address); undefined otherwise. */
function hostAndPort(text: string): { host: string; port: number } | undefined {
  const m = /^([^:[\]]+):(\d+)$/.exec(text);
  if (m === null || isIP(m[1] as string) !== 0 || !/[a-z]/i.test(m[1] as string)) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535)
    throw new UsageError(`vigil profile explain: port ${port} is out of range 1-65535`);
  return { host: m[1] as string, port };
}

/** `explain --connect NAME:PORT`: what the DNS proxy and the learned addresses make of it. */
function explainHost(profile: Profile, host: string, port: number): number {
  const what = `connect ${host}:${port}`;
  if (!resolvesByName(profile)) {
    console.log(
      `${what}: decided by address: profile '${profile.name}' names no hosts (allowed_hosts, denied_hosts)`,
    );
    console.log('  give the address: vigil profile explain FILE --connect IP:PORT');
    return EXIT_CODES.ok;
  }
  const rule = (r: HostRule) => ({ id: r.id, index: r.index, pattern: r.pattern });
  const v = decideName(
    { denied: profile.hosts.denied.map(rule), allowed: profile.hosts.allowed.map(rule) },
    host,
  );
  const resolvers = profile.dns.resolvers?.join(', ') ?? 'the nameservers of /etc/resolv.conf';
  if (!v.allow) {
    const by =
      v.rule === null ? 'no allowed_hosts rule names it' : `refused by ${ruleText(profile, v.rule.id)}`;
    console.log(`${what}: BLOCK at DNS: ${by}`);
    console.log(
      `  vigil's DNS proxy answers REFUSED (any record type); nothing resolves, nothing is learned`,
    );
    return EXIT_CODES.ok;
  }
  const ports = v.rule.pattern.ports;
  if (ports.length > 0 && !ports.includes(port)) {
    console.log(
      `${what}: the name resolves (${ruleText(profile, v.rule.id)}), but port ${port} is not one of ${ports.join(', ')}`,
    );
    console.log(
      `  the learned addresses are allowed on those ports only: this connect falls to the networks default (${profile.defaults.networks})`,
    );
    return EXIT_CODES.ok;
  }
  console.log(`${what}: ALLOW by ${ruleText(profile, v.rule.id)}`);
  console.log(
    `  DNS goes through vigil's proxy to ${resolvers}; the answer's addresses are allowed to the session in the kernel for its TTL (at least ${profile.dns.minTtlS} s), unless an address rule (denied_networks, allowed_networks) decides them first`,
  );
  if (profile.dns.verifySni && (port === 80 || port === 443))
    console.log(
      `  verify_sni: the connection goes through vigil's SNI proxy, which sends it on only if the client names ${host} (TLS SNI or HTTP Host) and DNS gave the address for ${host}; over UDP (QUIC) it is refused`,
    );
  return EXIT_CODES.ok;
}

function ruleText(profile: Profile, id: string): string {
  const all = [
    ...profile.paths.denied,
    ...profile.paths.allowed,
    ...profile.commands.denied,
    ...profile.commands.allowed,
    ...profile.networks.denied,
    ...profile.networks.allowed,
    ...profile.hosts.denied,
    ...profile.hosts.allowed,
  ];
  const r = all.find((x) => x.id === id);
  if (r === undefined) return id;
  const where = r.origin.line === undefined ? r.origin.file : `${r.origin.file}:${r.origin.line}`;
  return `${id} '${r.written}' (${where})`;
}
