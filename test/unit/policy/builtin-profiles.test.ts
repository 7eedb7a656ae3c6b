import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { SCHEMA_FILE, renderProfileSchema } from '../../../scripts/gen-profile-schema.js';
import {
  builtinProfileDir,
  builtinProfileFile,
  builtinProfileNames,
  isBuiltinProfile,
  loadBuiltinProfile,
} from '../../../src/policy/builtin-profiles.js';
import { evaluate } from '../../../src/policy/evaluate.js';
import { hostMatches } from '../../../src/policy/host-spec.js';
import { ProfileError } from '../../../src/policy/profile-errors.js';

const vars = {
  home: '/home/dev',
  workspace: '/home/dev/work/app',
  resolvers: ['192.0.2.53', '2001:db8::53'],
};
const EXPECTED = ['claude-code', 'codex', 'gemini-cli', 'generic', 'llamacpp', 'ollama', 'vllm'];

/** A host each built-in must resolve for its agent to work. */
const NEEDS = {
  'claude-code': ['api.anthropic.com', 'claude.ai', 'registry.npmjs.org', 'github.com'],
  codex: ['api.openai.com', 'auth.openai.com', 'chatgpt.com', 'pypi.org'],
  'gemini-cli': ['generativelanguage.googleapis.com', 'cloudcode-pa.googleapis.com', 'oauth2.googleapis.com'],
  generic: ['registry.npmjs.org', 'files.pythonhosted.org', 'github.com'],
  ollama: ['registry.ollama.ai', 'huggingface.co'],
  vllm: ['huggingface.co', 'cas-bridge.xethub.hf.co'],
  llamacpp: ['huggingface.co', 'cdn-lfs.huggingface.co'],
} as const;

describe('built-in profiles', () => {
  it('are all listed, found next to the compiled module', () => {
    assert.deepEqual(builtinProfileNames(), EXPECTED);
    assert.ok(builtinProfileDir().endsWith('/profiles/'));
    assert.ok(isBuiltinProfile('ollama'));
    assert.ok(!isBuiltinProfile('nope'));
    assert.equal(builtinProfileFile('../package'), undefined);
  });

  it('an unknown name is a coded error listing the built-ins', () => {
    assert.throws(
      () => loadBuiltinProfile('claude'),
      (e: unknown) =>
        e instanceof ProfileError &&
        e.code === 'VIGIL_PROFILE_UNKNOWN_BUILTIN' &&
        /claude-code/.test(e.message),
    );
  });

  for (const name of EXPECTED) {
    describe(name, () => {
      const p = loadBuiltinProfile(name, vars);
      const open = (path: string, access: 'read' | 'write' | 'read-write' = 'read') =>
        evaluate(p, { kind: 'open', path, access }).action;

      it('loads, is named after its file, and names an entry command', () => {
        assert.equal(p.name, name);
        assert.equal(basename(p.file), `${name}.yaml`);
        assert.ok(p.entryComm.length > 0);
        assert.equal(p.mode, 'enforce');
      });

      it('denies the user secrets and system secrets', () => {
        for (const path of [
          '/home/dev/.ssh/id_rsa',
          '/home/dev/.ssh/authorized_keys',
          '/home/dev/.aws/credentials',
          '/home/dev/.gnupg/private-keys-v1.d/k.key',
          '/home/dev/.config/gcloud/application_default_credentials.json',
          '/home/dev/.kube/config',
          '/home/dev/work/app/.env',
          '/srv/other/.env.local',
          '/etc/shadow',
          '/etc/gshadow',
          '/etc/sudoers',
          '/etc/sudoers.d/90-cloud',
        ]) {
          assert.equal(open(path), 'BLOCK', `${name}: ${path}`);
          assert.equal(open(path, 'write'), 'BLOCK', `${name}: write ${path}`);
        }
      });

      it("denies other agents' credentials but not its own", () => {
        const creds: Record<string, string> = {
          'claude-code': '/home/dev/.claude/.credentials.json',
          'gemini-cli': '/home/dev/.gemini/oauth_creds.json',
          codex: '/home/dev/.codex/auth.json',
          ollama: '/home/dev/.ollama/id_ed25519',
        };
        for (const [owner, file] of Object.entries(creds)) {
          assert.equal(open(file), owner === name ? 'ALLOW' : 'BLOCK', `${name}: ${file}`);
        }
      });

      it('lets the agent work: reads system files, writes its workspace, protects shell start-up files', () => {
        assert.equal(open('/usr/lib/x86_64-linux-gnu/libc.so.6'), 'ALLOW');
        assert.equal(open('/etc/hosts'), 'ALLOW');
        assert.equal(open('/home/dev/work/app/src/main.ts', 'read-write'), 'ALLOW');
        assert.equal(open('/home/dev/.bashrc', 'read'), 'ALLOW');
        assert.equal(open('/home/dev/.bashrc', 'write'), 'BLOCK');
      });

      it('allows loopback and named hosts (SNI-checked), refuses addresses no DNS answer gave and cloud metadata', () => {
        const c = (ip: string, port: number, proto: 'tcp' | 'udp' = 'tcp') =>
          evaluate(p, { kind: 'connect', ip, port, proto }).action;
        assert.equal(c('127.0.0.1', 11434), 'ALLOW');
        assert.equal(c('::1', 8080), 'ALLOW');
        // by address alone, nothing outside: an address is allowed only once DNS gave it for a listed name
        assert.equal(c('160.79.104.10', 443), 'BLOCK');
        assert.equal(c('2607:6bc0::10', 443), 'BLOCK');
        assert.equal(c('1.1.1.1', 53, 'udp'), 'BLOCK');
        assert.equal(c('203.0.113.9', 4444), 'BLOCK');
        assert.equal(c('169.254.169.254', 443), 'BLOCK');
        assert.equal(c('::ffff:169.254.169.254', 80), 'BLOCK');
        assert.equal(p.dns.verifySni, true);
        const named = NEEDS[name as keyof typeof NEEDS];
        for (const host of named) {
          const rule = p.hosts.allowed.find((r) => hostMatches(r.pattern, host));
          assert.ok(rule, `${name} resolves ${host}`);
          assert.deepEqual(rule.pattern.ports, [443], `${name}: ${host} on 443 only`);
        }
        assert.ok(
          !p.hosts.allowed.some((r) => hostMatches(r.pattern, 'attacker.example')),
          `${name}: not any host`,
        );
      });

      it('denies registry tokens and shell histories; audits /proc/*/environ where it could only kill', () => {
        for (const f of ['.npmrc', '.pypirc', '.cargo/credentials.toml', '.bash_history', '.zsh_history']) {
          const d = evaluate(p, { kind: 'open', path: `/home/dev/${f}`, access: 'read' });
          assert.equal(d.action, 'BLOCK', `${name}: ~/${f}`);
        }
        const environ = p.paths.denied.find((r) => r.written === '/proc/*/environ');
        assert.equal(environ?.onReactive, 'audit', `${name}: ps must not be killed for reading environ`);
      });

      it('kills reverse-shell tools', () => {
        for (const bin of ['/usr/bin/nc', '/usr/bin/nc.openbsd', '/usr/bin/ncat', '/usr/bin/socat']) {
          assert.equal(evaluate(p, { kind: 'exec', path: bin }).action, 'KILL', `${name}: ${bin}`);
        }
      });
    });
  }

  it('inference servers run only their own binaries', () => {
    const ollama = loadBuiltinProfile('ollama', vars);
    assert.equal(evaluate(ollama, { kind: 'exec', path: '/usr/local/bin/ollama' }).action, 'ALLOW');
    assert.equal(evaluate(ollama, { kind: 'exec', path: '/bin/sh' }).action, 'BLOCK');
    const llama = loadBuiltinProfile('llamacpp', vars);
    assert.equal(
      evaluate(llama, { kind: 'exec', path: '/opt/llama.cpp/build/bin/llama-server' }).action,
      'ALLOW',
    );
    assert.equal(evaluate(llama, { kind: 'exec', path: '/usr/bin/python3' }).action, 'BLOCK');
    const claude = loadBuiltinProfile('claude-code', vars);
    assert.equal(evaluate(claude, { kind: 'exec', path: '/usr/bin/python3' }).action, 'ALLOW');
  });

  it('GPU devices are in the inference servers allow lists', () => {
    for (const name of ['ollama', 'vllm', 'llamacpp']) {
      const p = loadBuiltinProfile(name, vars);
      for (const dev of ['/dev/nvidia0', '/dev/nvidiactl', '/dev/nvidia-uvm', '/dev/dri/renderD128']) {
        assert.equal(
          evaluate(p, { kind: 'open', path: dev, access: 'read-write' }).rule.startsWith('allowed_paths'),
          true,
        );
      }
    }
  });
});

describe('JSON Schema', () => {
  it('the committed schemas/profile.schema.json is current (run node dist/scripts/gen-profile-schema.js)', async () => {
    assert.equal(readFileSync(SCHEMA_FILE, 'utf8'), await renderProfileSchema());
  });

  const ajv = new Ajv({ allErrors: true, strict: true });
  const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object);

  it('validates every built-in profile', () => {
    for (const name of EXPECTED) {
      const file = builtinProfileFile(name);
      assert.ok(file !== undefined);
      const ok = validate(parse(readFileSync(file, 'utf8')));
      assert.ok(ok, `${name}: ${JSON.stringify(validate.errors)}`);
    }
  });

  it('rejects what the loader rejects for shape', () => {
    assert.equal(validate({ name: 'x', denied_path: [] }), false);
    assert.equal(validate({ name: 'x', denied_paths: [{ pattern: '/a', action: 'stop' }] }), false);
    assert.equal(validate({ name: 'x', default_policy: { files: 'allow' } }), false);
    assert.equal(validate({ version: 1 }), false);
    assert.equal(
      validate({ name: 'x', allowed_networks: [{ cidr: '10.0.0.0/8', ports: [443, '8000-9000'] }] }),
      true,
    );
  });
});
