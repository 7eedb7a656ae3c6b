// The message settings a syslog destination gives, checked once with their defaults, so both
// syslog transports (stream and datagram) format by the same rules and describe themselves alike.
import { isIP } from 'node:net';

import type { SyslogFacilityName } from '../config/syslog-facilities.js';
import { destinationError } from './transport-error.js';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_SD_ID,
  MIN_MAX_MESSAGE_BYTES,
  sdIdProblem,
  type SyslogMessageOptions,
} from './syslog-format.js';

export interface SyslogMessageSettings {
  readonly facility: SyslogFacilityName;
  /** HOSTNAME: the name the exported lines carry as their host */
  readonly hostname: string;
  /** APP-NAME (default 'vigil') */
  readonly appName?: string;
  /** PROCID (default this process's pid) */
  readonly procId?: string;
  /** default vigil@32473 (syslog-format.ts says why) */
  readonly sdId?: string;
  /** a longer message is cut and marked truncated="true" (default 8,096: syslog-format.ts says why) */
  readonly maxMessageBytes?: number;
}

/** `settings` with defaults filled in; a VIGIL_EXPORT_DESTINATION error for one it cannot use. */
export function checkSyslogMessageOptions(
  describe: string,
  settings: SyslogMessageSettings,
  /** for a datagram transport: the most one datagram holds */
  datagramBytes?: number,
): SyslogMessageOptions {
  const sdId = settings.sdId ?? DEFAULT_SD_ID;
  const problem = sdIdProblem(sdId);
  if (problem !== undefined) throw destinationError(describe, problem);
  const maxMessageBytes = settings.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (!Number.isInteger(maxMessageBytes) || maxMessageBytes < MIN_MAX_MESSAGE_BYTES)
    throw destinationError(
      describe,
      `maxMessageBytes must be a whole number of at least ${MIN_MAX_MESSAGE_BYTES} (every receiver takes that much), not ${maxMessageBytes}`,
    );
  if (datagramBytes !== undefined && maxMessageBytes > datagramBytes)
    throw destinationError(
      describe,
      `maxMessageBytes ${maxMessageBytes} is more than one datagram holds (${datagramBytes})`,
    );
  return {
    facility: settings.facility,
    hostname: settings.hostname,
    appName: settings.appName ?? 'vigil',
    procId: settings.procId ?? String(process.pid),
    sdId,
    maxMessageBytes,
  };
}

/** A syslog transport's `describe`: 'syslog tls 127.0.0.1:6514', an IPv6 address in brackets. */
export function syslogDescribe(protocol: 'tcp' | 'tls' | 'udp', host: string, port: number): string {
  return `syslog ${protocol} ${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}
