// Debian's rsyslog as a test receiver on loopback: imtcp (plain, twice: octet counting and LF),
// imtcp with the gtls driver (TLS, rsyslog-gnutls) and imudp, each input writing the messages it
// receives to its own file.
// Nothing of the system's logging is touched: no imuxsock, no imklog, no /dev/log; its work
// directory, pid file and configuration live in the test's folder.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

import {
  startReceiver,
  SYSLOG_INPUTS,
  UDP_RECEIVE_BUFFER,
  type ReceiverLayout,
  type SyslogReceiver,
} from './syslog-receiver.js';

export const RSYSLOGD = '/usr/sbin/rsyslogd';

/** rsyslog's GnuTLS stream driver, under the multiarch folder of this machine's architecture. */
function gtlsDriver(): string | undefined {
  return readdirSync('/usr/lib')
    .map((arch) => `/usr/lib/${arch}/rsyslog/lmnsd_gtls.so`)
    .find((p) => existsSync(p));
}

/** Why rsyslog cannot serve here, or undefined when it can. */
export function rsyslogMissing(): string | undefined {
  if (spawnSync(RSYSLOGD, ['-v']).status !== 0)
    return `${RSYSLOGD} is missing (scripts/setup.sh installs rsyslog)`;
  if (gtlsDriver() === undefined)
    return "rsyslog's lmnsd_gtls.so is missing (scripts/setup.sh installs rsyslog-gnutls)";
  return undefined;
}

export interface RsyslogOptions {
  /** rsyslog's global maxMessageSize; rsyslog's own default (8k) when unset */
  readonly maxMessageSize?: number;
}

function config(l: ReceiverLayout, options: RsyslogOptions): string {
  const q = JSON.stringify; // RainerScript strings take JSON's escapes for these paths
  const size = options.maxMessageSize === undefined ? '' : ` maxMessageSize="${options.maxMessageSize}"`;
  return [
    `global(workDirectory=${q(join(l.dir, 'work'))}${size})`,
    'module(load="imtcp")',
    'module(load="imudp")',
    'template(name="vigilTest" type="string" string="%msgid%\\t%structured-data%\\t%msg%\\n")',
    ...SYSLOG_INPUTS.map(
      (input) =>
        `ruleset(name="${input}") { action(type="omfile" file=${q(l.logFile(input))} template="vigilTest") }`,
    ),
    `input(type="imtcp" address="127.0.0.1" port="${l.ports.tcp}" ruleset="tcp")`,
    `input(type="imtcp" address="127.0.0.1" port="${l.ports.tls}" ruleset="tls" streamDriver.name="gtls"` +
      ` streamDriver.mode="1" streamDriver.authMode="anon" streamDriver.CAFile=${q(l.ca.caFile)}` +
      ` streamDriver.certFile=${q(l.ca.certFile)} streamDriver.keyFile=${q(l.ca.keyFile)})`,
    // imtcp reads either framing on any input: the lf input differs only in its file
    `input(type="imtcp" address="127.0.0.1" port="${l.ports.lf}" ruleset="lf")`,
    `input(type="imudp" address="127.0.0.1" port="${l.ports.udp}" ruleset="udp" rcvbufSize="${UDP_RECEIVE_BUFFER}")`,
    '',
  ].join('\n');
}

/** rsyslogd -n for test `t`, stopped in t.after. Check rsyslogMissing() first. */
export function startRsyslog(t: TestContext, options: RsyslogOptions = {}): Promise<SyslogReceiver> {
  return startReceiver(t, 'vigil-rsyslog-', (l) => {
    mkdirSync(join(l.dir, 'work'));
    const conf = join(l.dir, 'rsyslog.conf');
    writeFileSync(conf, config(l, options));
    const version = /rsyslogd\s+(\S+)/.exec(spawnSync(RSYSLOGD, ['-v'], { encoding: 'utf8' }).stdout)?.[1];
    return {
      name: `rsyslog ${version ?? ''}`.trim(),
      command: RSYSLOGD,
      args: ['-n', '-f', conf, '-i', join(l.dir, 'rsyslogd.pid')],
    };
  });
}
