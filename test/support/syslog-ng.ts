// syslog-ng as a second real test receiver, run from Debian's syslog-ng-core package unpacked
// (not installed: as a package it conflicts with rsyslog) under SYSLOG_NG_ROOT by
// scripts/setup.sh. Its syslog() sources read RFC 5424 with octet counting over TCP and TLS, and
// one message per datagram over UDP, a network() source LF-framed RFC 5424 over TCP; its own
// messages go to internal.log; its persist file, pid file and control socket live in the test's
// folder.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

import {
  startReceiver,
  SYSLOG_INPUTS,
  UDP_RECEIVE_BUFFER,
  type ReceiverLayout,
  type SyslogReceiver,
} from './syslog-receiver.js';

export const SYSLOG_NG_ROOT = '/var/cache/vigil-test/syslog-ng';
const BINARY = join(SYSLOG_NG_ROOT, 'usr/sbin/syslog-ng');
const LIBRARIES = join(SYSLOG_NG_ROOT, 'usr/lib/syslog-ng');

function env(): NodeJS.ProcessEnv {
  return { ...process.env, LD_LIBRARY_PATH: LIBRARIES };
}

/** The unpacked syslog-ng's version line, or undefined when it does not run. */
function version(): string | undefined {
  if (!existsSync(BINARY)) return undefined;
  const r = spawnSync(BINARY, ['--version'], { encoding: 'utf8', env: env() });
  return r.status === 0 ? /^syslog-ng \S+ \(([^)]+)\)/m.exec(r.stdout)?.[1] : undefined;
}

/** Why syslog-ng cannot serve here, or undefined when it can. */
export function syslogNgMissing(): string | undefined {
  if (!existsSync(BINARY)) return `${BINARY} is missing (scripts/setup.sh unpacks syslog-ng-core there)`;
  return version() === undefined
    ? `${BINARY} does not run (a library of syslog-ng-core's missing? scripts/setup.sh installs them)`
    : undefined;
}

/** syslog-ng's module folder: usr/lib/syslog-ng/<major.minor> */
function modulePath(v: string): string {
  return join(LIBRARIES, v.split('.').slice(0, 2).join('.'));
}

export interface SyslogNgOptions {
  /** syslog-ng's log-msg-size(); its own default (64 KiB) when unset */
  readonly logMsgSize?: number;
}

function config(l: ReceiverLayout, v: string, options: SyslogNgOptions): string {
  const q = JSON.stringify;
  const size = options.logMsgSize === undefined ? '' : ` log-msg-size(${options.logMsgSize});`;
  const tls = `tls(key-file(${q(l.ca.keyFile)}) cert-file(${q(l.ca.certFile)}) peer-verify(optional-untrusted))`;
  const sources = {
    tcp: `syslog(ip("127.0.0.1") port(${l.ports.tcp}) transport("tcp"))`,
    tls: `syslog(ip("127.0.0.1") port(${l.ports.tls}) transport("tls") ${tls})`,
    // syslog() over TCP takes octet counting only: an LF-framed message is dropped without a word
    lf: `network(ip("127.0.0.1") port(${l.ports.lf}) transport("tcp") flags(syslog-protocol))`,
    udp: `syslog(ip("127.0.0.1") port(${l.ports.udp}) transport("udp") so-rcvbuf(${UDP_RECEIVE_BUFFER}))`,
  };
  return [
    `@version: ${v.split('.').slice(0, 2).join('.')}`,
    `options { keep-hostname(yes); stats-freq(0);${size} };`,
    `source s_internal { internal(); };`,
    `destination d_internal { file(${q(join(l.dir, 'internal.log'))}); };`,
    'log { source(s_internal); destination(d_internal); };',
    ...SYSLOG_INPUTS.flatMap((input) => [
      `source s_${input} { ${sources[input]}; };`,
      `destination d_${input} { file(${q(l.logFile(input))} template("$MSGID\\t$SDATA\\t$MSG\\n")); };`,
      `log { source(s_${input}); destination(d_${input}); };`,
    ]),
    '',
  ].join('\n');
}

/** syslog-ng -F for test `t`, stopped in t.after. Check syslogNgMissing() first. */
export function startSyslogNg(t: TestContext, options: SyslogNgOptions = {}): Promise<SyslogReceiver> {
  const v = version() ?? '0.0';
  return startReceiver(t, 'vigil-syslog-ng-', (l) => {
    const conf = join(l.dir, 'syslog-ng.conf');
    writeFileSync(conf, config(l, v, options));
    return {
      name: `syslog-ng ${v}`,
      command: BINARY,
      args: [
        '-F',
        '-f',
        conf,
        `--module-path=${modulePath(v)}`,
        `--persist-file=${join(l.dir, 'syslog-ng.persist')}`,
        `--pidfile=${join(l.dir, 'syslog-ng.pid')}`,
        `--control=${join(l.dir, 'syslog-ng.ctl')}`,
      ],
      env: env(),
      diagnostics: join(l.dir, 'internal.log'),
    };
  });
}
