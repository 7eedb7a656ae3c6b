// The syslog transports against real receivers on loopback: Debian's rsyslog (imtcp, imtcp with
// gtls, imudp) and syslog-ng (syslog() and network() sources, from the unpacked syslog-ng-core).
// For each: a few hundred lines through TCP (octet counting and LF framing), TLS and UDP arrive
// with every event id, once each on a stream; a line over the limit arrives cut and marked; a
// TLS connection fails with a clear reason when the CA or the name is wrong; a receiver that
// stops is seen without a send (the generation moves on), refuses the next send, and takes lines
// again once restarted on the same ports; and with the spool and the sender, a receiver stopped
// mid-stream and restarted gets every event id at least once (the batches its stop may have
// swallowed are sent again). In the kernel folder because the receivers are root-installed
// packages; no BPF is used.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';

import { Sender } from '../../src/export/sender.js';
import { Spool } from '../../src/export/spool.js';
import { SyslogStreamTransport, type SyslogStreamOptions } from '../../src/export/syslog-stream-transport.js';
import { SyslogUdpTransport } from '../../src/export/syslog-udp-transport.js';
import { TransportError } from '../../src/export/transport-error.js';
import type { ExportSeverity, SpooledLine, Transport } from '../../src/export/types.js';
import { waitFor } from '../support/kernel.js';
import { rsyslogMissing, startRsyslog } from '../support/rsyslog.js';
import type { ReceivedSyslog, SyslogInput, SyslogReceiver } from '../support/syslog-receiver.js';
import { startSyslogNg, syslogNgMissing } from '../support/syslog-ng.js';
import { makeTestCa } from '../support/tls-certs.js';

const LINES = 300;
const BATCH = 50;
const SEVERITIES: readonly ExportSeverity[] = ['info', 'low', 'medium', 'high', 'critical'];

function line(id: string, severity: ExportSeverity, pad = 0): SpooledLine {
  return {
    id,
    json: JSON.stringify({
      event: 'exec',
      event_id: id,
      argv: ['curl', 'ünïcödé "quoted" ] \\'],
      pad: 'x'.repeat(pad),
    }),
    severity,
    ts: new Date().toISOString(),
    event: 'exec',
  };
}

function lines(prefix: string, n: number): SpooledLine[] {
  return Array.from({ length: n }, (_, i) =>
    line(`${prefix}-${String(i).padStart(4, '0')}`, SEVERITIES[i % SEVERITIES.length] ?? 'info'),
  );
}

const message = { facility: 'local0', hostname: 'vigil-test', procId: '4242' } as const;

function transportFor(
  t: TestContext,
  r: SyslogReceiver,
  input: SyslogInput,
  extra: Partial<SyslogStreamOptions> = {},
): Transport {
  const tr =
    input === 'udp'
      ? new SyslogUdpTransport({ host: '127.0.0.1', port: r.ports.udp, ...message })
      : new SyslogStreamTransport({
          protocol: input === 'tls' ? 'tls' : 'tcp',
          host: '127.0.0.1',
          port: r.ports[input],
          ...message,
          ...(input === 'tls' ? { tls: { ca: r.ca.caPem } } : {}),
          ...(input === 'lf' ? { framing: 'lf' as const } : {}),
          ...extra,
        });
  t.after(() => tr.close());
  return tr;
}

async function sendAll(tr: Transport, batch: readonly SpooledLine[]): Promise<void> {
  for (let i = 0; i < batch.length; i += BATCH) await tr.send(batch.slice(i, i + BATCH));
}

const RECEIVERS = [
  { kind: 'rsyslog', missing: rsyslogMissing, start: startRsyslog },
  { kind: 'syslog-ng', missing: syslogNgMissing, start: startSyslogNg },
] as const;

for (const { kind, missing, start } of RECEIVERS) {
  describe(`syslog transports to ${kind}`, () => {
    async function receiver(t: TestContext): Promise<SyslogReceiver | undefined> {
      const why = missing();
      if (why !== undefined) {
        t.skip(why);
        return undefined;
      }
      return start(t);
    }

    it(`delivers ${LINES} lines over TCP (octet counting, LF), TLS and UDP, every event id, intact`, async (t) => {
      const r = await receiver(t);
      if (r === undefined) return;
      for (const input of ['tcp', 'tls', 'lf', 'udp'] as const) {
        const sent = lines(`${kind}-${input}`, LINES);
        const started = Date.now();
        await sendAll(transportFor(t, r, input), sent);
        const lost = await r.missing(
          input,
          sent.map((l) => l.id),
        );
        t.diagnostic(
          `${r.name} ${input}: ${LINES} lines in ${Date.now() - started} ms, ${lost.length} missing`,
        );
        assert.deepEqual(lost, [], `${r.name} ${input}: missing ${lost.length}\n${r.output()}`);
        const got = r.received(input);
        if (input !== 'udp') assert.equal(got.length, LINES, `${input}: each line once`);
        const byId = new Map(got.map((m) => [m.eventId, m]));
        for (const l of sent) {
          const m = byId.get(l.id);
          assert.ok(m !== undefined, l.id);
          assert.equal(m.msgId, 'exec');
          assert.equal(m.msg, l.json, `${input} ${l.id}: MSG is the line's JSON`);
          assert.equal(m.truncated, false);
        }
      }
    });

    it('cuts a line over the limit at a character boundary and marks it, on a stream and in a datagram', async (t) => {
      const r = await receiver(t);
      if (r === undefined) return;
      for (const input of ['tcp', 'udp'] as const) {
        const long = line(`${kind}-long-${input}`, 'high', 20_000);
        const short = line(`${kind}-short-${input}`, 'high');
        await transportFor(t, r, input).send([long, short]);
        assert.deepEqual(await r.missing(input, [long.id, short.id]), [], r.output());
        const got: Map<string | undefined, ReceivedSyslog> = new Map(
          r.received(input).map((m) => [m.eventId, m]),
        );
        const cut = got.get(long.id);
        assert.ok(cut !== undefined);
        assert.equal(cut.truncated, true, `${input}: marked truncated="true"`);
        assert.ok(
          long.json.startsWith(cut.msg) && cut.msg.length > 7000,
          `${input}: a prefix, ${cut.msg.length} characters`,
        );
        assert.equal(got.get(short.id)?.msg, short.json, `${input}: the next line is whole`);
        // rsyslog reads the rest of an over-long frame as a message of its own: there is none
        assert.equal(r.received(input).length, 2, `${input}: two messages`);
      }
    });

    it("fails TLS with a clear reason when the CA or the name is not the server certificate's", async (t) => {
      const r = await receiver(t);
      if (r === undefined) return;
      const sent = lines(`${kind}-badtls`, 1);
      const dir = mkdtempSync(join(tmpdir(), 'vigil-wrong-ca-'));
      t.after(() => {
        rmSync(dir, { recursive: true, force: true });
      });
      const wrongCa = transportFor(t, r, 'tls', { tls: { ca: makeTestCa(dir, 'wrong').caPem } });
      await assert.rejects(wrongCa.send(sent), (e: unknown) => {
        assert.ok(e instanceof TransportError, String(e));
        assert.equal(e.code, 'VIGIL_EXPORT_SEND');
        assert.match(
          e.message,
          /^syslog tls 127\.0\.0\.1:\d+: TLS certificate rejected: .+ \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN)\)$/,
        );
        t.diagnostic(e.message);
        return true;
      });
      const wrongName = transportFor(t, r, 'tls', {
        tls: { ca: r.ca.caPem, servername: 'receiver.invalid' },
      });
      await assert.rejects(
        wrongName.send(sent),
        /TLS certificate does not name this host: .*receiver\.invalid/,
      );
      await new Promise((res) => setTimeout(res, 300));
      assert.deepEqual(r.received('tls'), [], 'nothing was sent over a session that failed');
    });

    it('sees a receiver stop without a send, is refused while it is down, delivers again after its restart', async (t) => {
      const r = await receiver(t);
      if (r === undefined) return;
      const tcp = transportFor(t, r, 'tcp', { connectTimeoutMs: 1000 });
      const tls = transportFor(t, r, 'tls', { connectTimeoutMs: 1000 });
      const before = lines(`${kind}-before`, 10);
      await tcp.send(before);
      await tls.send(before);
      const generations = [tcp.generation, tls.generation];

      const stopped = Date.now();
      await r.stop();
      assert.ok(
        await waitFor(() => tcp.generation !== generations[0] && tls.generation !== generations[1], 2000),
        'a closed connection moves the generation on without a send',
      );
      t.diagnostic(`${r.name}: stop seen by both transports within ${Date.now() - stopped} ms`);
      await assert.rejects(
        tcp.send(lines(`${kind}-down`, 1)),
        /syslog tcp 127\.0\.0\.1:\d+: connection refused \(ECONNREFUSED\)/,
      );

      await r.start();
      const after = lines(`${kind}-after`, 10);
      await tcp.send(after);
      await tls.send(after);
      assert.deepEqual(
        await r.missing(
          'tcp',
          [...before, ...after].map((l) => l.id),
        ),
        [],
        r.output(),
      );
      assert.deepEqual(
        await r.missing(
          'tls',
          [...before, ...after].map((l) => l.id),
        ),
        [],
        r.output(),
      );
    });

    it('with the spool and the sender: a receiver stopped mid-stream and restarted gets every event id at least once', async (t) => {
      const r = await receiver(t);
      if (r === undefined) return;
      const root = mkdtempSync(join(tmpdir(), 'vigil-export-outage-'));
      const exporters = (['tcp', 'tls'] as const).map((input) => {
        const spool = Spool.open({
          dir: root,
          name: input,
          maxBytes: 64 * 1024 * 1024,
          maxAgeMs: Infinity,
          onDrop: () => assert.fail('the spool dropped lines'),
        });
        const transport = new SyslogStreamTransport({
          protocol: input,
          host: '127.0.0.1',
          port: r.ports[input],
          ...message,
          ...(input === 'tls' ? { tls: { ca: r.ca.caPem } } : {}),
          confirmMs: 1000,
          connectTimeoutMs: 1000,
        });
        const log: string[] = [];
        const sender = new Sender({
          spool,
          transport,
          maxLines: 50,
          maxDelayMs: 20,
          backoff: { initialMs: 100, maxMs: 400 },
          log: (m) => log.push(m),
        });
        return { input, spool, transport, sender, log };
      });
      // the sender first, then what it used (after-hooks run in the order they were added)
      t.after(async () => {
        for (const e of exporters) {
          await e.sender.close(0);
          await e.transport.close();
          e.spool.close();
        }
        rmSync(root, { recursive: true, force: true });
      });

      // 600 lines over about 3 s; the receiver is down from about 1 s to 2 s
      const ids: string[] = [];
      const stopAt = 20;
      const startAt = 40;
      for (let tick = 0; tick < 60; tick++) {
        if (tick === stopAt) await r.stop();
        if (tick === startAt) await r.start();
        for (let i = 0; i < 10; i++) {
          const id = `${kind}-outage-${String(ids.length).padStart(4, '0')}`;
          ids.push(id);
          const json = JSON.stringify({
            event_id: id,
            host: 'vigil-test',
            ts: new Date().toISOString(),
            event: 'exec',
            action: 'ALLOW',
          });
          for (const e of exporters)
            e.spool.append(
              { id, json, severity: 'info', ts: new Date().toISOString(), event: 'exec' },
              false,
            );
        }
        await new Promise((res) => setTimeout(res, 50));
      }
      for (const e of exporters) {
        assert.ok(
          await waitFor(() => e.spool.stats().depthLines === 0, 20_000),
          `${e.input}: ${e.spool.stats().depthLines} lines still spooled; ${e.log.join('; ')}`,
        );
        assert.equal(e.spool.stats().deliveredLines, ids.length);
        const lost = await r.missing(e.input, ids);
        assert.deepEqual(lost, [], `${e.input}: ${lost.length} event ids never arrived\n${r.output()}`);
        const received = r.received(e.input).length;
        t.diagnostic(
          `${r.name} ${e.input}: ${ids.length} lines, ${received} messages received (${received - ids.length} sent again); ${e.log.join('; ')}`,
        );
        assert.ok(
          e.log.some((m) => /cannot deliver .*ECONNREFUSED/.test(m)),
          e.log.join('\n'),
        );
      }
    });
  });
}
