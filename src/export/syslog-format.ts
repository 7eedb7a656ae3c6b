// RFC 5424 syslog messages for exported lines, and their framing on a stream (RFC 6587).
// A message: <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD-ID eventId="..."] BOM MSG
// where MSGID is the line's event, MSG the line's JSON (UTF-8, so marked with a BOM, §6.4), and
// the structured data carries the event id receivers deduplicate by.
import { SYSLOG_FACILITIES, type SyslogFacilityName } from '../config/syslog-facilities.js';
import type { ExportSeverity, SpooledLine } from './types.js';

/** The syslog severity (RFC 5424 §6.2.1) of each export severity. */
export const SYSLOG_SEVERITY: Readonly<Record<ExportSeverity, number>> = {
  critical: 2, // Critical: critical conditions
  high: 3, // Error: error conditions
  medium: 4, // Warning: warning conditions
  low: 5, // Notice: normal but significant condition
  info: 6, // Informational
};

/**
 * The SD-ID of vigil's structured data. 32473 is the example enterprise number of RFC 5612,
 * reserved for documentation: a site with its own Private Enterprise Number sets `sdId` to
 * `vigil@<its number>` so its SIEM can tell vigil's SD-ELEMENTs from others'.
 */
export const DEFAULT_SD_ID = 'vigil@32473';

/**
 * The longest message rsyslog takes with its default maxMessageSize ("8k" is 8,096 bytes in
 * rsyslog 8.2302, header included), the smallest default among the common receivers (syslog-ng's
 * log-msg-size is 64 KiB). rsyslog cuts a longer message without a mark, and over TCP it even
 * reads the rest of the frame as a message of its own. vigil cuts first, and says so.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 8096;
/** Every receiver must take a message this long (RFC 5424 §6.1). */
export const MIN_MAX_MESSAGE_BYTES = 480;
/** The largest UDP payload over IPv4 (65,535 less the IP and UDP headers). */
export const MAX_UDP_MESSAGE_BYTES = 65507;

/** Header field limits of RFC 5424 §6 (in PRINTUSASCII characters). */
const FIELD_LIMITS = { hostname: 255, appName: 48, procId: 128, msgId: 32 } as const;

export interface SyslogMessageOptions {
  /** its code is in SYSLOG_FACILITIES, the table vigil.yaml's names come from */
  readonly facility: SyslogFacilityName;
  /** this machine's name as receivers should see it (cut to 255 PRINTUSASCII characters) */
  readonly hostname: string;
  /** APP-NAME, e.g. 'vigil' */
  readonly appName: string;
  /** PROCID, e.g. the daemon's pid */
  readonly procId: string;
  readonly sdId: string;
  /** the whole message's limit in bytes (header, structured data, BOM and MSG; not the framing) */
  readonly maxMessageBytes: number;
}

/** `framing` of a stream: RFC 6587 §3.4.1 octet counting, or §3.4.2 a line feed after each message. */
export type SyslogFraming = 'octet-counting' | 'lf';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Why `sdId` is no SD-ID (RFC 5424 §6.3.2, §7.2.2), or undefined when it is one. */
export function sdIdProblem(sdId: string): string | undefined {
  if (!/^[\x21-\x7e]{1,32}$/.test(sdId) || /[= \]"]/.test(sdId))
    return `SD-ID '${sdId}' must be 1 to 32 printable ASCII characters without '=', ']', '"' or space`;
  const at = sdId.indexOf('@');
  if (at === -1) return `SD-ID '${sdId}' must be name@<enterprise number> (names without '@' are IANA's)`;
  if (at === 0 || !/^\d+(\.\d+)*$/.test(sdId.slice(at + 1)))
    return `SD-ID '${sdId}': after '@' comes a Private Enterprise Number, such as 32473`;
  return undefined;
}

/** A header field: PRINTUSASCII only (others become '_'), at most `max` characters, '-' when empty. */
export function headerField(value: string, max: number): string {
  const printable = value.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return printable === '' ? '-' : printable;
}

/** A PARAM-VALUE with '"', '\' and ']' escaped (RFC 5424 §6.3.3). */
export function escapeParamValue(value: string): string {
  return value.replace(/["\\\]]/g, (c) => `\\${c}`);
}

const RFC5424_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * TIMESTAMP from the line's RFC 3339 time: as it is when it fits RFC 5424's narrower form
 * (upper-case T and Z, at most 6 fraction digits), else re-written in UTC, else '-' (NILVALUE).
 */
export function syslogTimestamp(ts: string): string {
  if (RFC5424_TIMESTAMP.test(ts)) return ts;
  const ms = Date.parse(ts);
  return Number.isNaN(ms) ? '-' : new Date(ms).toISOString();
}

/** The longest prefix of `bytes` no longer than `max` that ends on a UTF-8 character boundary. */
export function utf8Prefix(bytes: Buffer, max: number): Buffer {
  if (bytes.length <= max) return bytes;
  let end = Math.max(0, max);
  // a continuation byte (10xxxxxx) at the cut means the cut splits a character: step back to its start
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}

/** One RFC 5424 message for `line` (no framing), cut at `maxMessageBytes` and then marked. */
export function formatSyslogMessage(line: SpooledLine, options: SyslogMessageOptions): Buffer {
  const pri = SYSLOG_FACILITIES[options.facility] * 8 + SYSLOG_SEVERITY[line.severity];
  const header = [
    `<${pri}>1`,
    syslogTimestamp(line.ts),
    headerField(options.hostname, FIELD_LIMITS.hostname),
    headerField(options.appName, FIELD_LIMITS.appName),
    headerField(options.procId, FIELD_LIMITS.procId),
    headerField(line.event, FIELD_LIMITS.msgId),
  ].join(' ');
  const sd = (truncated: boolean) =>
    `[${options.sdId} eventId="${escapeParamValue(line.id)}"${truncated ? ' truncated="true"' : ''}]`;
  const msg = Buffer.from(line.json, 'utf8');
  const whole = Buffer.from(`${header} ${sd(false)} `, 'utf8');
  if (whole.length + BOM.length + msg.length <= options.maxMessageBytes)
    return Buffer.concat([whole, BOM, msg]);
  const head = Buffer.from(`${header} ${sd(true)} `, 'utf8');
  // a limit too small even for the header still sends the header (and the mark), never nothing
  return Buffer.concat([head, BOM, utf8Prefix(msg, options.maxMessageBytes - head.length - BOM.length)]);
}

/** `message` framed for a stream. LF framing relies on MSG having no line feed: JSON has none. */
export function frameSyslogMessage(message: Buffer, framing: SyslogFraming): Buffer {
  return framing === 'lf'
    ? Buffer.concat([message, Buffer.from('\n')])
    : Buffer.concat([Buffer.from(`${message.length} `), message]);
}
